"""Where the Teams bot may post: the channels it has been installed in, remembered in the store.

A bot cannot post into a Teams channel it has not been told about: it needs the channel id, the
team's tenant and the regional ``serviceUrl``, and only learns them from activities Teams sends
(installation, channel events, any message). This module turns an activity (as a plain dict, in
the Bot Framework's camelCase) into a stored reference, and a department's configured channel (a
name, ``Team/Channel``, or a ``19:…@thread.tacv2`` id) back into the reference to post with. No SDK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store import Store

PLATFORM = "teams"
GENERAL = "General"
_CHANNEL_ID = re.compile(r"^19:[^\s;/]+@thread\.[a-z0-9]+$", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelRef:
    """One channel (or group chat) the bot may post to."""

    channel_id: str
    channel_name: str
    team_id: str
    team_name: str
    tenant_id: str
    service_url: str
    #: a group or 1:1 chat (no threads; a post is a plain message in the chat)
    is_chat: bool = False

    @property
    def label(self) -> str:
        if self.team_name and not self.is_chat:
            return f"{self.team_name}/{self.channel_name}"
        return self.channel_name or self.channel_id


def is_channel_id(value: str) -> bool:
    return bool(_CHANNEL_ID.match(value.strip()))


def channels_from_activity(activity: dict[str, Any]) -> list[ChannelRef]:
    """The conversation an inbound activity came from, when it is a channel or a group chat."""
    service_url = activity.get("serviceUrl") or ""
    if not service_url:
        return []
    data = activity.get("channelData") or {}
    conversation = activity.get("conversation") or {}
    team = data.get("team") or {}
    tenant = (data.get("tenant") or {}).get("id") or conversation.get("tenantId") or ""
    channel = data.get("channel") or {}
    channel_id = channel.get("id") or data.get("teamsChannelId") or ""
    if channel_id and team.get("id"):
        name = channel.get("name") or (GENERAL if channel_id == team["id"] else "")
        return [ChannelRef(channel_id, name, team["id"], team.get("name") or "", tenant, service_url)]
    if team.get("id"):  # a team event without a channel: its General channel has the team's id
        return [ChannelRef(team["id"], GENERAL, team["id"], team.get("name") or "", tenant, service_url)]
    if conversation.get("conversationType") == "groupChat" and conversation.get("id"):
        chat_id = conversation["id"].split(";")[0]
        return [ChannelRef(chat_id, conversation.get("name") or "", "", "", tenant, service_url, is_chat=True)]
    return []


def team_channel(team: ChannelRef, channel_id: str, name: str | None) -> ChannelRef:
    """A sibling channel of ``team`` (from the team's channel list)."""
    label = name or (GENERAL if channel_id == team.team_id else "")
    return ChannelRef(channel_id, label, team.team_id, team.team_name, team.tenant_id, team.service_url)


def reference(ref: ChannelRef, bot_id: str, bot_name: str) -> dict[str, Any]:
    """A Bot Framework ConversationReference (camelCase) for the channel itself, not one thread."""
    return {
        "channelId": "msteams",
        "serviceUrl": ref.service_url,
        "conversation": {"id": ref.channel_id, "isGroup": True,
                         "conversationType": "groupChat" if ref.is_chat else "channel", "tenantId": ref.tenant_id},
        "bot": {"id": bot_id, "name": bot_name},
    }


def save(store: Store, ref: ChannelRef, bot_id: str, bot_name: str, now: datetime) -> None:
    store.save_conversation(platform=PLATFORM, channel_id=ref.channel_id, channel_name=ref.channel_name,
                            team_id=ref.team_id, team_name=ref.team_name, tenant_id=ref.tenant_id,
                            reference=reference(ref, bot_id, bot_name), now=now)


def known(store: Store) -> list[ChannelRef]:
    out = []
    for row in store.conversations(PLATFORM):
        ref = row.get("reference") or {}
        conversation = ref.get("conversation") or {}
        out.append(ChannelRef(row["channel_id"], row["channel_name"] or "", row["team_id"] or "",
                              row["team_name"] or "", row["tenant_id"] or "", ref.get("serviceUrl") or "",
                              is_chat=conversation.get("conversationType") == "groupChat"))
    return out


def find(store: Store, channel_id: str) -> ChannelRef | None:
    return next((c for c in known(store) if c.channel_id == channel_id), None)


def resolve(store: Store, wanted: str) -> ChannelRef | str:
    """The channel a department names (id, ``Team/Channel`` or name); a str says why it cannot be used."""
    wanted = wanted.strip()
    channels = known(store)
    if is_channel_id(wanted):
        match = next((c for c in channels if c.channel_id.casefold() == wanted.casefold()), None)
        return match or not_installed(wanted)
    team_name, _, channel_name = wanted.rpartition("/")
    channel_name = channel_name.strip().lstrip("#").casefold()
    matches = [c for c in channels if c.channel_name.casefold() == channel_name
               and (not team_name or c.team_name.casefold() == team_name.strip().casefold())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return not_installed(wanted)
    teams = ", ".join(sorted(f'"{m.label}"' for m in matches))
    return (f'Teams channel "{wanted}" is ambiguous: the bot knows {teams}; write "Team/Channel" or the '
            "channel's 19:…@thread.tacv2 id in the config")


def not_installed(wanted: str) -> str:
    return (f'the Teams bot has not been installed in "{wanted}" (or has not heard from it yet): install the app '
            f'in the team that owns "{wanted}" (docs/teams.md, "Sideloading"), then send "@Siloless help" there once')
