"""The Platform protocol: what the core asks of a chat platform, and what a platform may ask back.

A platform only translates. Outbound, the outbox hands it an ``AlertView`` (plain data) to post or
update; inbound, it turns buttons, reactions, commands and @mentions into ``Action``s and calls
the ``CoreAPI`` (Dispatch's roles, bolt's adapters). The core never imports a platform SDK.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from aiohttp import web

    from bot.alerts import AlertView
    from bot.clock import Clock
    from bot.commands import Reply
    from bot.config import Config
    from bot.lifecycle import Action, Outcome
    from bot.store import Store


@dataclass(frozen=True)
class MessageRef:
    """Where a posted alert lives on its platform, enough to edit it and reply in its thread.

    ``key`` is what inbound events carry to point at the message (Slack ``channel:ts``, Teams
    activity id), used to find the mention again.
    """

    platform: str
    channel: str
    message_id: str
    key: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "channel": self.channel,
            "message_id": self.message_id,
            "key": self.key,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageRef:
        return cls(data["platform"], data["channel"], data["message_id"], data["key"], dict(data.get("extra") or {}))


class DeliveryError(Exception):
    """A failed post/update. ``retry_after`` (seconds) when the platform said when to come back;
    ``permanent`` when retrying cannot help (channel not found, not allowed)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass(frozen=True)
class Finding:
    """One thing ``siloless doctor`` reports about a platform."""

    level: str  # "ok" | "warn" | "error"
    message: str


class CoreAPI(Protocol):
    """What platforms may call. Implemented by ``bot.core.Core``."""

    config: Config
    store: Store
    clock: Clock

    def act(self, action: Action) -> Outcome: ...

    def command(self, text: str, actor: Any) -> Reply: ...

    def view(self, mention_id: int, alert_id: int | None = None) -> AlertView | None: ...

    def mention_for_message(self, platform: str, message_key: str) -> int | None: ...


@runtime_checkable
class Platform(Protocol):
    """One chat platform. ``name`` is the key used in the store (``slack``, ``teams``, ``console``)."""

    name: ClassVar[str]
    #: Minimum seconds between two new top-level messages in one channel (the outbox paces to it).
    post_interval: float
    #: Minimum seconds between two edits of one message (updates are coalesced to it).
    edit_interval: float

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def post(self, channel: str, alert: AlertView) -> MessageRef:
        """Post a new alert as a top-level message; return where it lives."""

    async def update(self, ref: MessageRef, alert: AlertView) -> None:
        """Replace the alert message with the mention's current state."""

    async def reply(self, ref: MessageRef, text: str, *, ping: str = "") -> None:
        """Add a short line in the alert's thread; ``ping`` names an on-call target to notify."""

    def routes(self, app: web.Application) -> None:
        """Mount this platform's HTTP endpoints on the service's aiohttp app (may do nothing)."""

    async def doctor(self) -> list[Finding]: ...


class FindsPosted(Protocol):
    """Optional: a platform that can look up a posted alert by ``AlertView.idempotency_key``.

    Used only after a crash, for posts that were in flight, so an alert is never posted twice.
    """

    async def find_posted(self, channel: str, key: str, *, since: datetime | None = None) -> MessageRef | None:
        """The message posted with ``key``; ``since`` (when the delivery was queued) bounds the search."""


#: Built by the service: ``factory(config, core) -> Platform | None`` (None = not configured).
PlatformFactory = Callable[["Config", CoreAPI], Awaitable["Platform | None"]]
