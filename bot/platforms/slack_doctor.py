"""``siloless doctor`` for Slack: is the token good, are the scopes there, can the bot reach every channel?

Each finding says what to do, because the person reading it is setting Siloless up, not debugging
it: invite the bot, fix a channel name, add a scope and reinstall.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.platforms.base import DeliveryError, Finding
from bot.platforms.slack_directory import ChannelInfo, is_channel_id
from bot.platforms.slack_errors import error_code
from bot.platforms.slack_text import ping

if TYPE_CHECKING:
    from bot.platforms.slack import SlackPlatform

#: what slack/manifest.yml asks for; each is needed by something Siloless does
REQUIRED_SCOPES: dict[str, str] = {
    "chat:write": "post and update alerts",
    "chat:write.public": "post in public channels the bot was not invited to",
    "commands": "the slash command",
    "reactions:read": "claim and resolve by emoji reaction",
    "channels:read": "find public channels by name",
    "groups:read": "find private channels by name",
    "usergroups:read": "check allow_slack_groups membership",
    "users:read": "show people's names on alerts",
    "channels:history": "after a crash, check whether an alert was already posted (public channels)",
    "groups:history": "the same check in private channels",
}


async def run_doctor(platform: SlackPlatform) -> list[Finding]:
    try:
        auth = await platform.client.auth_test()
    except SlackApiError as exc:
        return [Finding("error", f"slack: the bot token was refused ({error_code(exc)}): check [slack] bot_token "
                                 "(xoxb-…) and that the app is installed in the workspace")]
    except Exception as exc:
        return [Finding("error", f"slack: cannot reach the Slack API at {platform.client.base_url} "
                                 f"({type(exc).__name__}: {exc}); check the network or [slack] api_url")]
    findings = [Finding("ok", f"slack: connected to {auth.get('team') or auth.get('team_id')} "
                              f"as @{auth.get('user') or auth.get('user_id')}")]
    scopes = _scopes(auth.headers)
    findings += _scope_findings(scopes)
    findings += await _mode_findings(platform)
    findings += await _channel_findings(platform, scopes)
    findings += _oncall_findings(platform)
    return findings


def _scopes(headers: Any) -> set[str] | None:
    value = (headers or {}).get("x-oauth-scopes") or (headers or {}).get("X-OAuth-Scopes")
    return {s.strip() for s in value.split(",") if s.strip()} if value else None


def _scope_findings(scopes: set[str] | None) -> list[Finding]:
    if scopes is None:
        return []
    missing = [s for s in REQUIRED_SCOPES if s not in scopes]
    if not missing:
        return [Finding("ok", "slack: the app has every scope Siloless uses")]
    needs = "; ".join(f"{s} ({REQUIRED_SCOPES[s]})" for s in missing)
    return [Finding("warn", f"slack: the app lacks scopes: {needs}; add them from slack/manifest.yml and reinstall")]


async def _mode_findings(platform: SlackPlatform) -> list[Finding]:
    settings = platform.settings
    if settings.app_token:
        if not settings.app_token.startswith("xapp-"):
            return [Finding("error", "slack: [slack] app_token must be an app-level token (xapp-…) with "
                                     "connections:write; create one under Basic Information → App-Level Tokens")]
        try:
            await platform.client.apps_connections_open(app_token=settings.app_token)
        except SlackApiError as exc:
            return [Finding("error", f"slack: Socket Mode refused the app token ({error_code(exc)}): check "
                                     "[slack] app_token and that Socket Mode is on in the app settings")]
        except Exception as exc:
            return [Finding("warn", f"slack: could not test Socket Mode ({type(exc).__name__}: {exc})")]
        return [Finding("ok", "slack: Socket Mode is available (no public URL needed)")]
    if settings.signing_secret:
        return [Finding("ok", "slack: requests to POST /slack/events are verified with the signing secret; "
                              "point the app's Request URLs there (see docs/slack.md)")]
    return [Finding("error", "slack: set [slack] signing_secret (HTTP mode) or [slack] app_token (Socket Mode)")]


async def _channel_findings(platform: SlackPlatform, scopes: set[str] | None) -> list[Finding]:
    config = platform.core.config
    wanted = [(d.slack_channel, f"department {d.name}") for d in config.departments if d.slack_channel]
    if config.escalation.slack_channel:
        wanted.append((config.escalation.slack_channel, "escalations"))
    can_post_public = scopes is None or "chat:write.public" in scopes
    findings = []
    for channel, owner in wanted:
        try:
            info = await _lookup(platform, channel)
        except DeliveryError as exc:
            findings.append(Finding("warn", f"slack: could not check {channel} for {owner}: {exc}"))
            continue
        findings.append(_channel_finding(channel, owner, info, can_post_public))
    return findings


async def _lookup(platform: SlackPlatform, channel: str) -> ChannelInfo | None:
    if is_channel_id(channel):
        return await platform.directory.channel_by_id(channel.strip())
    return await platform.directory.channel(channel)


def _channel_finding(channel: str, owner: str, info: ChannelInfo | None, can_post_public: bool) -> Finding:
    if info is None:
        return Finding("error", f"slack: channel {channel} ({owner}) was not found: create it, fix the name in "
                                "the config, or /invite the bot if it is private")
    if info.is_archived:
        return Finding("error", f"slack: channel {channel} ({owner}) is archived: unarchive it or pick another")
    if not info.is_member:
        if info.is_private or not can_post_public:
            return Finding("error", f"slack: the bot is not in {channel} ({owner}): /invite the bot there")
        return Finding("warn", f"slack: the bot is not in {channel} ({owner}): it can post (chat:write.public), "
                               "but reactions there reach it only after you /invite it")
    return Finding("ok", f"slack: {channel} ({owner}) is ready")


def _oncall_findings(platform: SlackPlatform) -> list[Finding]:
    out = []
    for dept in platform.core.config.departments:
        if dept.slack_oncall and not ping(dept.slack_oncall):
            out.append(Finding("error", f"slack: departments {dept.name}: slack_oncall \"{dept.slack_oncall}\" must "
                                        "be a user-group id (S0…) or user id (U0…), not a name; find it in the "
                                        "group's or profile's menu → Copy ID"))
    return out
