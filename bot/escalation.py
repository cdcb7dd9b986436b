"""Nothing unclaimed stays quiet: deadlines, escalation levels, claim expiry and snooze wake-ups.

Timers are rows in the store with a due time, written in the same transaction as the state change
that starts them; the worker fires a timer by marking it fired and doing its effect in one
transaction, so a timer survives a restart and fires exactly once, even when the process died
between its due time and its firing.

Timer kinds:
- ``claim_deadline``: unclaimed past ``claim_within[urgency]`` → level-1 escalation: the on-call is
  pinged in the alert's thread and the mention is posted to the escalation channel.
- ``second_level``: still unclaimed ``second_level_after`` later → level 2, pinged again.
- ``claim_expiry``: a claim older than ``claim_expires_after`` → the claimer is reminded; with
  ``return_to_pool`` a second expiry unclaims it and re-alerts the department.
- ``resolve_deadline``: claimed but not resolved within ``resolve_within[urgency]`` → escalated.
- ``snooze_wake``: a snoozed mention comes back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import messages
from bot.clock import Clock, parse_iso
from bot.config import Config, DepartmentConfig, parse_duration
from bot.fanout import enqueue_escalation_posts, enqueue_updates
from bot.store import Store

TIMER_KINDS = ("claim_deadline", "second_level", "claim_expiry", "resolve_deadline", "snooze_wake")
_UNCLAIMED = ("new", "alerted")


def claim_deadline(config: Config, department: str, urgency: str) -> timedelta | None:
    dept = config.department(department)
    table = dict(config.escalation.claim_within)
    if dept is not None:
        table.update(dept.claim_within)
    text = table.get(urgency)
    return parse_duration(text, "claim_within") if text else None


def _claim_expiry(config: Config, dept: DepartmentConfig | None) -> timedelta | None:
    text = dept.claim_expires_after if dept and dept.claim_expires_after else config.escalation.claim_expires_after
    return parse_duration(text, "claim_expires_after")


def _return_to_pool(config: Config, dept: DepartmentConfig | None) -> bool:
    if dept is not None and dept.return_to_pool is not None:
        return dept.return_to_pool
    return config.escalation.return_to_pool


def schedule_claim_deadline(store: Store, config: Config, row: dict[str, Any], now: datetime) -> None:
    deadline = claim_deadline(config, row["department"] or "", row["urgency"] or "normal")
    if deadline is not None:
        store.add_timer(
            row["id"], kind="claim_deadline", due_at=now + deadline, now=now, detail={"waited": _words(deadline)}
        )


def on_transition(store: Store, config: Config, row: dict[str, Any], verb: str, now: datetime) -> None:
    """Start and stop timers for the state the mention has just entered (same transaction)."""
    state = row["status"]
    if verb == "alert":
        return  # the claim deadline has run since ingest
    store.cancel_timers(row["id"], now)
    dept = config.department(row["department"] or "")
    if state == "alerted":
        schedule_claim_deadline(store, config, row, now)
    elif state == "claimed":
        expiry = _claim_expiry(config, dept)
        if expiry is not None:
            store.add_timer(
                row["id"],
                kind="claim_expiry",
                due_at=now + expiry,
                now=now,
                detail={"stage": 1, "claimed_by": row["claimed_by"], "waited": _words(expiry)},
            )
        text = config.escalation.resolve_within.get(row["urgency"] or "normal")
        within = parse_duration(text, "resolve_within") if text else None
        if within is not None:
            store.add_timer(
                row["id"],
                kind="resolve_deadline",
                due_at=now + within,
                now=now,
                detail={"claimed_by": row["claimed_by"], "waited": _words(within)},
            )
    elif state == "snoozed":
        until = parse_iso(row["snoozed_until"])
        if until is not None:
            store.add_timer(row["id"], kind="snooze_wake", due_at=until, now=now)


def fire_due(store: Store, config: Config, clock: Clock) -> int:
    """Fire every timer that is due; return how many took effect."""
    fired = 0
    now = clock.now()
    for timer in store.due_timers(now):
        with store.atomic():
            if not store.mark_timer_fired(timer["id"], now):
                continue
            row = store.mention(timer["mention_id"])
            if row is not None and _fire(store, config, clock, timer, row, now):
                fired += 1
    return fired


def _fire(
    store: Store, config: Config, clock: Clock, timer: dict[str, Any], row: dict[str, Any], now: datetime
) -> bool:
    kind, detail = timer["kind"], timer["detail"]
    dept = config.department(row["department"] or "")
    if kind in ("claim_deadline", "second_level"):
        if row["status"] not in _UNCLAIMED:
            return False
        level = 1 if kind == "claim_deadline" else 2
        _escalate(
            store, config, row, level, messages.escalation_line(level, row["department"], detail.get("waited", "")), now
        )
        if level == 1:
            after = parse_duration(config.escalation.second_level_after, "second_level_after")
            if after is not None:
                store.add_timer(
                    row["id"],
                    kind="second_level",
                    due_at=now + after,
                    now=now,
                    detail={"waited": f"{detail.get('waited', '')} + {_words(after)}"},
                )
        return True
    if kind == "resolve_deadline":
        if row["status"] != "claimed" or row["claimed_by"] != detail.get("claimed_by"):
            return False
        _escalate(
            store,
            config,
            row,
            max(1, row["escalation_level"] + 1),
            messages.resolve_overdue_line(detail.get("waited", "")),
            now,
        )
        return True
    if kind == "claim_expiry":
        return _expire_claim(store, config, clock, row, detail, dept, now)
    if kind == "snooze_wake":
        if row["status"] != "snoozed":
            return False
        from bot.lifecycle import SYSTEM, Action, apply  # lifecycle imports this module

        return apply(store, config, clock, Action("wake", row["id"], SYSTEM)).changed
    return False


def _escalate(store: Store, config: Config, row: dict[str, Any], level: int, line: str, now: datetime) -> None:
    dept = config.department(row["department"] or "")
    ping = {"slack": dept.slack_oncall, "teams": dept.teams_oncall,
            "console": dept.slack_oncall or dept.teams_oncall} if dept else {}
    store.update_mention(row["id"], {"escalation_level": level}, now)
    store.add_event(
        row["id"],
        at=now,
        actor="system",
        actor_name="Siloless",
        action="escalate",
        detail={"level": level, "department": row["department"], "line": line},
    )
    enqueue_updates(store, row["id"], now, line=line, ping=ping, purposes=("alert",))
    enqueue_escalation_posts(store, config, row["id"], now)


def _expire_claim(
    store: Store,
    config: Config,
    clock: Clock,
    row: dict[str, Any],
    detail: dict[str, Any],
    dept: DepartmentConfig | None,
    now: datetime,
) -> bool:
    if row["status"] != "claimed" or row["claimed_by"] != detail.get("claimed_by"):
        return False
    waited = detail.get("waited", "")
    if detail.get("stage", 1) == 1:
        claimer = row["claimed_by"] or ""
        platform, _, user = claimer.partition(":")
        store.add_event(
            row["id"], at=now, actor="system", actor_name="Siloless", action="remind", detail={"claimed_by": claimer}
        )
        enqueue_updates(
            store,
            row["id"],
            now,
            line=messages.claim_reminder_line(row["claimed_by_name"] or "", waited),
            ping={platform: user, "console": user} if user else None,
            purposes=("alert",),
        )
        if _return_to_pool(config, dept):
            expiry = _claim_expiry(config, dept)
            if expiry is not None:
                store.add_timer(
                    row["id"], kind="claim_expiry", due_at=now + expiry, now=now, detail={**detail, "stage": 2}
                )
        return True
    from bot.lifecycle import SYSTEM, Action, apply  # lifecycle imports this module

    return apply(store, config, clock, Action("expire", row["id"], SYSTEM)).changed


def _words(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
