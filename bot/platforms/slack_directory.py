"""Cached look-ups in the workspace: channel ids by name, people's display names, user-group members.

Config names channels the way people do (``#billing``) but the Web API and inbound events use ids,
so names are resolved once with ``conversations.list`` (paginated) and cached; an unknown name is
looked up again at most once a minute, so a channel created after start-up is found without a
restart. Names and group memberships change rarely and are asked for on every click, so they are
cached for minutes (Slack rate-limits these methods per workspace).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.base import DeliveryError
from bot.platforms.slack_errors import error_code, to_delivery_error

log = logging.getLogger("siloless.slack")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CHANNEL_REFRESH_SECONDS = 60.0
NAME_TTL_SECONDS = 3600.0
GROUP_TTL_SECONDS = 300.0
PAGE_SIZE = 200
MAX_PAGES = 100

T = TypeVar("T")


class TtlCache(Generic[T]):
    """A dict whose entries expire; ``now`` is injectable so tests need no sleeping."""

    def __init__(self, ttl: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.now = now
        self._items: dict[str, tuple[float, T]] = {}

    def get(self, key: str) -> T | None:
        item = self._items.get(key)
        if item is None or item[0] < self.now():
            return None
        return item[1]

    def put(self, key: str, value: T) -> None:
        self._items[key] = (self.now() + self.ttl, value)


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    name: str
    is_member: bool
    is_private: bool
    is_archived: bool = False


def is_channel_id(text: str) -> bool:
    return bool(_CHANNEL_ID.match(text.strip()))


class SlackDirectory:
    def __init__(self, client: AsyncWebClient, *, now: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.now = now
        self._channels: dict[str, ChannelInfo] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()
        self._names: TtlCache[str] = TtlCache(NAME_TTL_SECONDS, now)
        self._groups: TtlCache[frozenset[str]] = TtlCache(GROUP_TTL_SECONDS, now)

    # -- channels ----------------------------------------------------------------------------

    async def channel_id(self, channel: str) -> str:
        """The id for ``#name`` or an id; ``DeliveryError(permanent)`` naming the fix when there is none."""
        if is_channel_id(channel):
            return channel.strip()
        info = await self.channel(channel)
        if info is None:
            raise DeliveryError(
                f'Slack channel "{channel}" was not found: create it, fix the department\'s slack_channel, '
                "or /invite the bot if it is private (run siloless doctor)",
                permanent=True,
            )
        return info.id

    async def channel(self, channel: str) -> ChannelInfo | None:
        """What the bot can see of a channel named ``#name`` (None if it cannot see it at all)."""
        name = channel.strip().lstrip("#").lower()
        if name not in self._channels and self._may_refresh():
            async with self._lock:
                if name not in self._channels and self._may_refresh():
                    await self._load_channels()
        return self._channels.get(name)

    async def channel_by_id(self, channel_id: str) -> ChannelInfo | None:
        try:
            response = await self.client.conversations_info(channel=channel_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            if error_code(exc) == "channel_not_found":
                return None
            raise to_delivery_error(exc, channel_id) from exc
        data = response.get("channel") or {}
        return _info(data)

    def _may_refresh(self) -> bool:
        return self._loaded_at is None or self.now() - self._loaded_at >= CHANNEL_REFRESH_SECONDS

    async def _load_channels(self) -> None:
        """All channels the bot can see; without ``groups:read`` fall back to public ones."""
        self._loaded_at = self.now()
        try:
            try:
                found = await self._list("public_channel,private_channel")
            except SlackApiError as exc:
                if error_code(exc) != "missing_scope":
                    raise
                log.warning("the Slack app lacks groups:read; private channels cannot be found by name")
                found = await self._list("public_channel")
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            self._loaded_at = None  # a failed listing must not block the next attempt
            raise to_delivery_error(exc, "conversations.list") from exc
        self._channels = {info.name.lower(): info for info in found}

    async def _list(self, types: str) -> list[ChannelInfo]:
        out: list[ChannelInfo] = []
        cursor = ""
        for _ in range(MAX_PAGES):
            response = await self.client.conversations_list(
                types=types, exclude_archived=True, limit=PAGE_SIZE, **({"cursor": cursor} if cursor else {})
            )
            out.extend(_info(c) for c in response.get("channels") or [])
            cursor = ((response.get("response_metadata") or {}).get("next_cursor")) or ""
            if not cursor:
                break
        return out

    # -- people ------------------------------------------------------------------------------

    async def display_name(self, user_id: str, fallback: str = "") -> str:
        """How the audit and the alert name a person: their display name, else real name, else handle."""
        cached = self._names.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await self.client.users_info(user=user_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            log.warning("users.info for %s failed (%s); using %r", user_id, error_code(exc) or exc, fallback)
            return fallback or user_id
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        name = str(name or fallback or user_id)
        self._names.put(user_id, name)
        return name

    async def groups_of(self, user_id: str, groups: tuple[str, ...]) -> tuple[str, ...]:
        """Which of ``groups`` (user-group ids) the person belongs to; a failed look-up counts as not."""
        out = []
        for group in groups:
            members = self._groups.get(group)
            if members is None:
                members = await self._members(group)
            if user_id in members:
                out.append(group)
        return tuple(out)

    async def _members(self, group: str) -> frozenset[str]:
        try:
            response = await self.client.usergroups_users_list(usergroup=group)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            log.warning("usergroups.users.list for %s failed (%s); treating as no members", group,
                        error_code(exc) or exc)
            return frozenset()
        members = frozenset(str(u) for u in response.get("users") or [])
        self._groups.put(group, members)
        return members


def _info(data: dict[str, Any]) -> ChannelInfo:
    return ChannelInfo(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        is_member=bool(data.get("is_member")),
        is_private=bool(data.get("is_private")),
        is_archived=bool(data.get("is_archived")),
    )
