"""The delivery worker: turns outbox rows into platform calls, exactly once, however often it fails.

Rows are written in the same transaction as the change they announce, so nothing is lost between
"stored" and "posted". The worker:
- posts, updates and replies with the mention's state rendered *at send time*, so a retried or
  coalesced edit always converges on the truth;
- records a posted alert's message reference in the same transaction that marks the row done, and
  checks for an existing copy before posting, so a restart never re-posts what was recorded;
- retries with exponential backoff and jitter, and never sooner than a platform's ``Retry-After``;
- paces each channel to the platform's limit (about one new Slack message a second) and each
  message's edits to its edit interval, delaying rows instead of burning attempts;
- gives up after ``max_attempts`` (or at once on a permanent error), logs it and writes an event:
  ``siloless doctor`` lists failed deliveries.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.alerts import AlertView
from bot.clock import Clock
from bot.config import OutboxConfig
from bot.platforms.base import DeliveryError, MessageRef, Platform
from bot.store import Store

log = logging.getLogger("siloless.outbox")

ViewBuilder = Callable[[int, int | None], AlertView | None]


class Outbox:
    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, Platform],
        clock: Clock,
        views: ViewBuilder,
        settings: OutboxConfig,
        *,
        on_alerted: Callable[[int], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.platforms = platforms
        self.clock = clock
        self.views = views
        self.settings = settings
        self.on_alerted = on_alerted
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        # pacing state: next moment a channel may take a new post / a message may take an edit
        self._channel_free: dict[tuple[str, str], datetime] = {}
        self._message_free: dict[int, datetime] = {}
        self.delivered = 0
        self.failed = 0

    def wake(self) -> None:
        """New rows are waiting: stop sleeping."""
        self._wake.set()

    async def run_once(self) -> int:
        """Attempt every row that is due now; return how many were attempted."""
        attempted = 0
        deferred: set[tuple[str, object]] = set()
        for row in self.store.due_deliveries(self.clock.now(), limit=200):
            delay_until = self._paced_until(row)
            if delay_until is not None:
                self._defer(row, delay_until, deferred)
                continue
            attempted += 1
            await self._attempt(row)
        return attempted

    def _defer(self, row: dict[str, Any], until: datetime, deferred: set[tuple[str, object]]) -> None:
        """Move every waiting row of a busy channel (or message) at once: one write per pass, not per row."""
        now = self.clock.now()
        if row["kind"] == "post":
            key: tuple[str, object] = ("channel", (row["platform"], row["channel"]))
            if key not in deferred:
                self.store.defer_posts(row["platform"], row["channel"], until, now)
        else:
            key = ("alert", row["alert_id"])
            if key not in deferred:
                self.store.defer_updates(row["alert_id"], until, now)
        deferred.add(key)

    async def drain(self, *, timeout_steps: int = 100_000) -> None:
        """Deliver until nothing is pending, sleeping on the clock between due times (replay, tests)."""
        for _ in range(timeout_steps):
            if await self.run_once():
                continue
            next_due = self.store.next_delivery_due()
            if next_due is None:
                return
            await self.clock.sleep(max(0.0, (next_due - self.clock.now()).total_seconds()))
        raise RuntimeError("outbox did not drain")  # pragma: no cover - a bug, not an input

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before the pass: a row enqueued during it must cut the next wait short
            try:
                attempted = await self.run_once()
            except Exception:  # a bug must not stop delivery of everything else
                log.exception("outbox pass failed; retrying in 1 s")
                attempted = 0
                await self.clock.sleep(1.0)
            if attempted:
                continue
            next_due = self.store.next_delivery_due()
            wait = 5.0 if next_due is None else max(0.0, (next_due - self.clock.now()).total_seconds())
            sleeper = asyncio.ensure_future(self.clock.sleep(min(wait, 5.0)))
            waker = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            _done, pending = await asyncio.wait({sleeper, waker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    # -- one row -----------------------------------------------------------------------------

    def _paced_until(self, row: dict[str, Any]) -> datetime | None:
        now = self.clock.now()
        if row["kind"] == "post":
            free = self._channel_free.get((row["platform"], row["channel"]))
        elif row["kind"] == "update" and row["alert_id"] is not None:
            free = self._message_free.get(row["alert_id"])
        else:
            return None
        return free if free is not None and free > now else None

    async def _attempt(self, row: dict[str, Any]) -> None:
        platform = self.platforms.get(row["platform"])
        if platform is None:
            self._fail(row, f'platform "{row["platform"]}" is not running; turn it on in the config', permanent=True)
            return
        try:
            await self._deliver(platform, row)
        except DeliveryError as exc:
            self._retry_or_fail(row, str(exc), exc.retry_after, exc.permanent)
        except (TimeoutError, OSError) as exc:
            self._retry_or_fail(row, f"{type(exc).__name__}: {exc}", None, False)
        except Exception as exc:  # a platform bug: keep the row, retry later, say why
            log.exception("delivery %s failed unexpectedly", row["id"])
            self._retry_or_fail(row, f"{type(exc).__name__}: {exc}", None, False)

    async def _deliver(self, platform: Platform, row: dict[str, Any]) -> None:
        now = self.clock.now()
        kind, mention_id = row["kind"], row["mention_id"]
        if kind == "post":
            if self.store.has_alert(mention_id, row["platform"], row["channel"], row["purpose"]):
                self._done(row, note="already posted")
                return
            view = self.views(mention_id, None)
            if view is None:
                self._fail(row, "mention no longer exists", permanent=True)
                return
            view = replace(_for_purpose(view, row["purpose"]), idempotency_key=copy_key(row))
            self._channel_free[(row["platform"], row["channel"])] = now + timedelta(seconds=platform.post_interval)
            # Committed before the call: if we die after the platform accepted the post but before we record
            # it, recover() finds this row "sending" and asks the platform instead of posting blindly again.
            self.store.set_delivery(row["id"], {"status": "sending"}, now)
            if row["attempts"] and getattr(platform, "find_posted", None) is not None:
                # An earlier attempt failed ambiguously (timeout, reset, 5xx): it may have landed.
                landed = await platform.find_posted(  # type: ignore[attr-defined]
                    row["channel"], view.idempotency_key, since=datetime.fromisoformat(row["created_at"]))
                if landed is not None:
                    self._record_post(row, landed, view.department)
                    return
            ref = await platform.post(row["channel"], view)
            self._record_post(row, ref, view.department)
            return
        alert = self.store.alert(row["alert_id"]) if row["alert_id"] is not None else None
        if alert is None:
            self._fail(row, "the alert copy to edit is unknown", permanent=True)
            return
        ref = MessageRef.from_json(alert["ref"])
        if kind == "update":
            view = self.views(mention_id, alert["id"])
            if view is None:
                self._fail(row, "mention no longer exists", permanent=True)
                return
            self._message_free[alert["id"]] = now + timedelta(seconds=platform.edit_interval)
            # In flight: a change arriving now gets its own pending row instead of folding into this one,
            # which already rendered the older state.
            self.store.set_delivery(row["id"], {"status": "sending"}, now)
            await platform.update(ref, _for_purpose(view, alert["purpose"]))
        elif kind == "reply":
            await platform.reply(ref, row["body"].get("text", ""), ping=row["body"].get("ping", ""))
        else:
            self._fail(row, f'unknown delivery kind "{kind}"', permanent=True)
            return
        self._done(row)

    def _record_post(self, row: dict[str, Any], ref: MessageRef, department: str) -> None:
        platform = self.platforms[row["platform"]]
        with self.store.atomic():
            alert_id = self.store.record_alert(
                row["mention_id"], platform=row["platform"], channel=row["channel"], purpose=row["purpose"],
                ref=ref.to_json(), message_key=ref.key, department=row["body"].get("department") or department,
                at=self.clock.now())
            self._done(row, ref=ref)
            self._message_free[alert_id] = self.clock.now() + timedelta(seconds=platform.edit_interval)
            if row["purpose"] == "alert" and self.on_alerted is not None:
                self.on_alerted(row["mention_id"])

    async def recover(self) -> int:
        """After a crash: settle posts that were in flight. Returns how many were found already posted.

        A platform that can look a message up by its idempotency key (``find_posted``) tells us whether the
        post landed; then we record it instead of posting again. Otherwise the row goes back to pending and
        is posted again (at-least-once for that platform; logged).
        """
        found = in_doubt = 0
        for row in self.store.deliveries(status="sending"):
            if row["kind"] != "post":  # an edit renders the current state: sending it again is harmless
                self.store.set_delivery(row["id"], {"status": "pending"}, self.clock.now())
                continue
            in_doubt += 1
            platform = self.platforms.get(row["platform"])
            finder = getattr(platform, "find_posted", None)
            ref = None
            if finder is not None:
                try:
                    ref = await finder(row["channel"], copy_key(row), since=datetime.fromisoformat(row["created_at"]))
                except Exception as exc:  # cannot tell: keep it in doubt rather than risk a double post
                    log.warning("could not check delivery %s after a restart (%s); will ask again", row["id"], exc)
                    continue
            if ref is not None:
                view = self.views(row["mention_id"], None)
                self._record_post(row, ref, view.department if view else "")
                found += 1
                continue
            if finder is None:
                log.warning("delivery %s to %s %s may have been posted before the restart; %s cannot check, "
                            "posting again", row["id"], row["platform"], row["channel"], row["platform"])
            self.store.set_delivery(row["id"], {"status": "pending"}, self.clock.now())
        if in_doubt:
            log.info("restart: %d alert posts were in flight; %d had landed and were recorded, not re-posted",
                     in_doubt, found)
        return found

    # -- bookkeeping ---------------------------------------------------------------------------

    def _done(self, row: dict[str, Any], *, ref: MessageRef | None = None, note: str = "") -> None:
        changes: dict[str, Any] = {
            "status": "done",
            "attempts": row["attempts"] + 1,
            "delivered_at": self.clock.now(),
            "last_error": note or None,
        }
        self.store.set_delivery(row["id"], changes, self.clock.now())
        self.delivered += 1

    def _retry_or_fail(self, row: dict[str, Any], error: str, retry_after: float | None, permanent: bool) -> None:
        attempts = row["attempts"] + 1
        if permanent or attempts >= self.settings.max_attempts:
            self._fail(row, error, permanent=permanent, attempts=attempts)
            return
        backoff = min(self.settings.max_delay_seconds, self.settings.base_delay_seconds * 2 ** (attempts - 1))
        delay = backoff * (0.5 + self.rng.random() / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
            if row["kind"] == "post":  # the whole channel is rate limited, not just this row
                self._channel_free[(row["platform"], row["channel"])] = self.clock.now() + timedelta(
                    seconds=retry_after
                )
        log.warning(
            "delivery %s (%s %s %s) failed: %s; retry %d in %.1fs",
            row["id"],
            row["platform"],
            row["kind"],
            row["channel"],
            error,
            attempts,
            delay,
        )
        self.store.set_delivery(
            row["id"],
            {
                "status": "pending",
                "attempts": attempts,
                "last_error": error[:500],
                "next_attempt_at": self.clock.now() + timedelta(seconds=delay),
            },
            self.clock.now(),
        )

    def _fail(self, row: dict[str, Any], error: str, *, permanent: bool, attempts: int | None = None) -> None:
        now = self.clock.now()
        log.error(
            "delivery %s (%s %s to %s) failed for good: %s",
            row["id"],
            row["platform"],
            row["kind"],
            row["channel"],
            error,
        )
        with self.store.atomic():
            self.store.set_delivery(
                row["id"],
                {"status": "failed", "attempts": attempts or row["attempts"] + 1, "last_error": error[:500]},
                now,
            )
            self.store.add_event(
                row["mention_id"],
                at=now,
                actor="system",
                actor_name="Siloless",
                action="delivery_failed",
                detail={
                    "platform": row["platform"],
                    "channel": row["channel"],
                    "kind": row["kind"],
                    "error": error[:500],
                    "permanent": permanent,
                },
            )
        self.failed += 1


def _for_purpose(view: AlertView, purpose: str) -> AlertView:
    return view if view.purpose == purpose else replace(view, purpose=purpose)


def copy_key(row: dict[str, Any]) -> str:
    """The idempotency key of one alert copy: the same for every retry of the same post."""
    return f"siloless:{row['mention_id']}:{row['purpose']}:{row['platform']}:{row['channel']}"
