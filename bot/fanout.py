"""Outbox rows that keep every copy of an alert in step with the mention.

Called inside the transaction that changed the mention, so the change and the promise to show it
everywhere commit together. Updates render the mention's state at send time, so one pending
update per copy is enough (``Store.enqueue`` coalesces).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Config
from bot.store import Store
from bot.targets import escalation_targets, targets_for


def enqueue_posts(store: Store, config: Config, mention_id: int, department: str, now: datetime) -> int:
    """One ``post`` row per platform channel of ``department`` that has no copy yet."""
    return _posts(store, mention_id, targets_for(config, department), "alert", now, {"department": department})


def enqueue_escalation_posts(store: Store, config: Config, mention_id: int, now: datetime) -> int:
    """One ``post`` row per escalation channel that has no copy of this mention yet."""
    return _posts(store, mention_id, escalation_targets(config), "escalation", now, {})


def _posts(store: Store, mention_id: int, targets: list[tuple[str, str]], purpose: str, now: datetime,
           body: dict[str, Any]) -> int:
    count = 0
    for platform, channel in targets:
        if not store.has_alert(mention_id, platform, channel, purpose):
            store.enqueue(mention_id, platform=platform, channel=channel, kind="post", purpose=purpose, at=now,
                          body=body)
            count += 1
    return count


def enqueue_updates(
    store: Store,
    mention_id: int,
    now: datetime,
    *,
    line: str | None = None,
    ping: dict[str, str] | None = None,
    purposes: tuple[str, ...] = ("alert", "escalation"),
) -> int:
    """An ``update`` for every posted copy, plus a thread ``reply`` with ``line`` when given."""
    count = 0
    for alert in store.alerts(mention_id):
        if alert["purpose"] not in purposes:
            continue
        store.enqueue(
            mention_id,
            platform=alert["platform"],
            channel=alert["channel"],
            kind="update",
            alert_id=alert["id"],
            at=now,
        )
        if line:
            body: dict[str, Any] = {"text": line}
            if ping and ping.get(alert["platform"]):
                body["ping"] = ping[alert["platform"]]
            store.enqueue(
                mention_id,
                platform=alert["platform"],
                channel=alert["channel"],
                kind="reply",
                alert_id=alert["id"],
                body=body,
                at=now,
            )
        count += 1
    return count
