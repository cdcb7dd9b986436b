"""Slack's failures in the outbox's terms: retry later, retry after N seconds, or stop and say what to fix.

The outbox owns retrying (slack_sdk's own sleeping retries are off for delivery), so every error
from a delivery call is translated here: 429 carries Slack's ``Retry-After``; 5xx and network
trouble are transient; errors that no retry can fix are permanent and tell the operator what to
do (invite the bot, fix the channel name, reinstall the app).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.platforms.base import DeliveryError

_TOKEN = "Slack rejected the bot token ({error}): check [slack] bot_token (xoxb-…); reinstall the app if removed"
_ARCHIVED = "Slack channel {channel} is archived: unarchive it or point the department at another channel"
PERMANENT: dict[str, str] = {
    "channel_not_found": (
        "Slack channel {channel} was not found by the bot: check the department's slack_channel; "
        "if the channel is private, /invite the bot there first"
    ),
    "not_in_channel": (
        "the bot is not a member of {channel}: /invite the bot there (or add the chat:write.public scope, "
        "see slack/manifest.yml, for public channels)"
    ),
    "is_archived": _ARCHIVED,
    "channel_is_archived": _ARCHIVED,
    "restricted_action": "workspace settings stop the bot from posting in {channel}: ask a Slack admin to allow it",
    "missing_scope": (
        "the Slack app lacks the scope {needed} ({error}): add it (slack/manifest.yml lists every scope) and reinstall"
    ),
    "message_not_found": "the alert message in {channel} was deleted, so it can no longer be updated",
    "thread_not_found": "the alert message in {channel} was deleted, so its thread is gone",
    "cant_update_message": "the alert message in {channel} can no longer be updated by the bot",
    "edit_window_closed": "the alert message in {channel} is too old for Slack to allow edits",
    "invalid_blocks": "Slack refused the alert's layout ({error}); this is a bug in Siloless, please report it",
    "invalid_blocks_format": "Slack refused the alert's layout ({error}); this is a bug in Siloless, please report it",
    "msg_too_long": "the alert was too long for Slack ({error}); this is a bug in Siloless, please report it",
    "msg_blocks_too_long": "the alert was too long for Slack ({error}); this is a bug in Siloless, please report it",
    **{code: _TOKEN for code in ("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                                 "no_permission", "ekm_access_denied")},
}
#: Errors about the message itself: a smaller rendering may still get through.
TOO_BIG = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long"})
DEFAULT_RETRY_AFTER = 1.0


def error_code(exc: BaseException) -> str:
    """Slack's error string (``channel_not_found``), or "" for failures that never reached Slack's API."""
    if isinstance(exc, SlackApiError):
        data = _data(exc)
        return str(data.get("error") or f"http_{_status(exc)}")
    return ""


def to_delivery_error(exc: BaseException, channel: str) -> DeliveryError:
    """The ``DeliveryError`` the outbox understands for a failed Slack call about ``channel``."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        status, code = _status(exc), error_code(exc)
        if status == 429 or code == "ratelimited":
            return DeliveryError(f"Slack rate limit on {channel}", retry_after=_retry_after(exc))
        if code in PERMANENT:
            needed = _data(exc).get("needed") or "listed in the error"
            return DeliveryError(PERMANENT[code].format(channel=channel, error=code, needed=needed), permanent=True)
        if status >= 500:
            return DeliveryError(f"Slack answered HTTP {status} for {channel}; will retry")
        return DeliveryError(f"Slack error {code} for {channel}; will retry")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return DeliveryError(f"cannot reach Slack ({type(exc).__name__}: {exc}); will retry")
    return DeliveryError(f"unexpected {type(exc).__name__} talking to Slack: {exc}")


def _data(exc: SlackApiError) -> dict[str, Any]:
    data = getattr(exc.response, "data", None)
    return data if isinstance(data, dict) else {}


def _status(exc: SlackApiError) -> int:
    return int(getattr(exc.response, "status_code", 0) or 0)


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
