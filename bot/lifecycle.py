"""One state machine for every mention, whoever acts and wherever they click.

``TRANSITIONS`` is the whole truth: an edge not in it is refused with a message the platform shows
to the person (Dispatch only logged it). Repeating an action that already took effect (a double
click, a Slack retry, the same claim from Teams and Slack) is answered "already done", changes
nothing and writes nothing. Every change writes its audit event, its timers and its outbox rows
(updates of every copy of the alert, a quiet thread line) in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import escalation, messages
from bot.clock import Clock, iso, parse_iso
from bot.config import Config
from bot.fanout import enqueue_posts, enqueue_updates
from bot.permissions import may_act
from bot.store import Store, parse_short_id, short_id

STATES: tuple[str, ...] = ("new", "alerted", "claimed", "snoozed", "resolved", "dismissed", "silenced")
OPEN_STATES = frozenset({"new", "alerted", "claimed", "snoozed"})
#: Members of a case follow their case's primary mention; commands on them act on the case.
GROUPED = "grouped"

TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "alert"): "alerted",
    ("new", "claim"): "claimed",
    ("new", "resolve"): "resolved",
    ("new", "dismiss"): "dismissed",
    ("new", "reassign"): "new",
    ("alerted", "claim"): "claimed",
    ("alerted", "resolve"): "resolved",
    ("alerted", "dismiss"): "dismissed",
    ("alerted", "reassign"): "alerted",
    ("alerted", "snooze"): "snoozed",
    ("claimed", "unclaim"): "alerted",
    ("claimed", "expire"): "alerted",
    ("claimed", "resolve"): "resolved",
    ("claimed", "dismiss"): "dismissed",
    ("claimed", "reassign"): "alerted",
    ("claimed", "snooze"): "snoozed",
    ("snoozed", "snooze"): "snoozed",
    ("snoozed", "wake"): "alerted",
    ("snoozed", "claim"): "claimed",
    ("snoozed", "resolve"): "resolved",
    ("snoozed", "dismiss"): "dismissed",
    ("snoozed", "reassign"): "alerted",
    ("resolved", "reopen"): "alerted",
    ("dismissed", "reopen"): "alerted",
    ("silenced", "reopen"): "alerted",
}
VERBS: tuple[str, ...] = tuple(sorted({verb for _state, verb in TRANSITIONS}))
#: Actions only the system takes (delivery, timers); people get a clear refusal.
SYSTEM_VERBS = frozenset({"alert", "expire", "wake"})
#: (state, verb) pairs that repeat an action already done: answered, never an error, never a change.
_ALREADY: dict[tuple[str, str], str] = {
    ("alerted", "alert"): "alerted",
    ("claimed", "claim"): "claimed",
    ("resolved", "resolve"): "resolved",
    ("dismissed", "dismiss"): "dismissed",
}
#: Dismiss reasons that mean "this is not about us": the classifier learns ``other`` from them.
NOT_RELEVANT = ("not relevant", "irrelevant", "spam", "noise", "not us", "niet relevant", "off-topic", "off topic")


@dataclass(frozen=True)
class Actor:
    platform: str  # "slack" | "teams" | "cli" | "system" | "console"
    user_id: str = ""
    name: str = ""
    groups: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How the audit names the actor: ``slack:U123``, ``teams:29:abc``, ``cli``, ``system``."""
        if self.platform in ("cli", "system") or not self.user_id:
            return self.platform
        return f"{self.platform}:{self.user_id}"

    @property
    def display(self) -> str:
        return self.name or self.user_id or self.platform


SYSTEM = Actor("system", name="Siloless")


@dataclass(frozen=True)
class Action:
    verb: str
    mention: str | int
    actor: Actor
    note: str = ""
    department: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    ok: bool
    changed: bool
    message: str
    mention_id: int | None = None
    status: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def resolve_mention(store: Store, ref: str | int) -> dict[str, Any] | None:
    """The mention a person means by ``ref`` (``M-12``, ``12``); a case member leads to its case."""
    mention_id = ref if isinstance(ref, int) else parse_short_id(ref)
    if mention_id is None:
        return None
    row = store.mention(mention_id)
    if row is not None and row["status"] == GROUPED and row["case_id"]:
        return store.mention(row["case_id"])
    return row


class _Changed(Exception):
    """The mention changed between reading and writing it (another process acted): read again."""


def apply(store: Store, config: Config, clock: Clock, action: Action) -> Outcome:
    """Apply ``action`` if the table allows it; never raises for a person's mistake.

    The check and the write are tied by the row's revision, so two processes acting at once (the service
    and a CLI command) cannot both apply an action to the same state: the later one re-reads and answers
    from the new state.
    """
    for _attempt in range(5):
        try:
            return _apply_once(store, config, clock, action)
        except _Changed:
            continue
    return Outcome(False, False, messages.busy(str(action.mention)))


def _apply_once(store: Store, config: Config, clock: Clock, action: Action) -> Outcome:
    row = resolve_mention(store, action.mention)
    if row is None:
        return Outcome(False, False, messages.unknown_mention(str(action.mention)))
    mention_id, state, verb = row["id"], row["status"], action.verb
    if verb not in VERBS:
        return Outcome(False, False, messages.unknown_verb(verb), mention_id, state)
    if verb in SYSTEM_VERBS and action.actor.platform != "system":
        return Outcome(False, False, messages.system_only(verb), mention_id, state)
    department = config.department(row["department"] or "")
    if department is not None and action.actor.platform not in ("system", "cli"):
        allowed, why = may_act(department, action.actor)
        if not allowed:
            return Outcome(False, False, messages.not_allowed(short_id(mention_id), why), mention_id, state)
    repeat = _repeat(row, action)
    if repeat is not None:
        return repeat
    target = TRANSITIONS.get((state, verb))
    if target is None:
        return Outcome(
            False, False, messages.illegal_transition(short_id(mention_id), state, verb, row), mention_id, state
        )
    problem = _check_arguments(config, row, action)
    if problem:
        return Outcome(False, False, problem, mention_id, state)
    now = clock.now()
    changes, detail = _changes(config, row, action, target, now)
    with store.atomic():
        if not store.update_mention(mention_id, changes, now, expect_revision=row["revision"]):
            raise _Changed
        store.add_event(
            mention_id, at=now, actor=action.actor.key, actor_name=action.actor.display, action=verb, detail=detail
        )
        updated = store.mention(mention_id)
        assert updated is not None
        escalation.on_transition(store, config, updated, verb, now)
        if verb != "alert":  # the copy being posted already shows the state; nothing else to edit
            enqueue_updates(store, mention_id, now, line=messages.thread_line(verb, action.actor.display, detail))
        if verb == "reassign":
            enqueue_posts(store, config, mention_id, action.department, now)
        elif verb == "reopen":  # a silenced mention was never posted; a reopened one must be
            enqueue_posts(store, config, mention_id, updated["department"], now)
    return Outcome(
        True, True, messages.done(verb, short_id(mention_id), action.actor.display, detail), mention_id, target, detail
    )


def _repeat(row: dict[str, Any], action: Action) -> Outcome | None:
    state, verb = row["status"], action.verb
    if (state, verb) not in _ALREADY:
        return None
    if verb == "claim" and row["claimed_by"] != action.actor.key:
        return Outcome(
            False,
            False,
            messages.claimed_by_other(short_id(row["id"]), row["claimed_by_name"] or "someone"),
            row["id"],
            state,
        )
    return Outcome(True, False, messages.already(short_id(row["id"]), state, row), row["id"], state)


def _check_arguments(config: Config, row: dict[str, Any], action: Action) -> str:
    if action.verb == "reassign":
        if not action.department:
            return messages.reassign_needs_department(config.department_names)
        if config.department(action.department) is None:
            return messages.unknown_department(action.department, config.department_names)
        if action.department == row["department"]:
            return messages.same_department(short_id(row["id"]), action.department)
    if action.verb == "snooze" and action.until is None:
        return messages.snooze_needs_time()
    return ""


def _changes(
    config: Config, row: dict[str, Any], action: Action, target: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    verb, actor = action.verb, action.actor
    changes: dict[str, Any] = {"status": target}
    detail: dict[str, Any] = {"from": row["status"], "to": target}
    if verb == "claim":
        changes.update(claimed_by=actor.key, claimed_by_name=actor.display, claimed_at=iso(now), snoozed_until=None)
    elif verb in ("unclaim", "expire"):
        detail["previous_claimer"] = row["claimed_by_name"]
        changes.update(claimed_by=None, claimed_by_name=None, claimed_at=None)
    elif verb == "resolve":
        changes.update(
            resolved_by=actor.key,
            resolved_by_name=actor.display,
            resolved_at=iso(now),
            note=action.note or None,
            snoozed_until=None,
        )
        detail["note"] = action.note
    elif verb == "dismiss":
        changes.update(
            dismissed_reason=action.note or None,
            resolved_by=actor.key,
            resolved_by_name=actor.display,
            resolved_at=iso(now),
            snoozed_until=None,
        )
        detail["reason"] = action.note
        if any(marker in action.note.casefold() for marker in NOT_RELEVANT):
            detail["learned_intent"] = "other"
    elif verb == "reassign":
        detail.update(from_department=row["department"], to_department=action.department)
        changes.update(
            department=action.department,
            claimed_by=None,
            claimed_by_name=None,
            claimed_at=None,
            escalation_level=0,
            route=f"reassigned by {actor.display} from {row['department']}",
        )
        learned = _intent_for_department(config, row, action.department)
        if learned:
            detail["learned_intent"] = learned
    elif verb == "snooze":
        changes["snoozed_until"] = iso(action.until)
        detail["until"] = iso(action.until)
    elif verb in ("reopen", "wake"):
        changes.update(
            resolved_by=None,
            resolved_by_name=None,
            resolved_at=None,
            snoozed_until=None,
            escalation_level=0,
            claimed_by=None,
            claimed_by_name=None,
            claimed_at=None,
        )
        if action.note:
            detail["why"] = action.note
    return changes, detail


def _intent_for_department(config: Config, row: dict[str, Any], department: str) -> str | None:
    """The label a reassignment teaches: the new department's most likely intent for this text."""
    dept = config.department(department)
    if dept is None or not dept.intents:
        return None
    scores = row["intent_scores"] or {}
    return max(dept.intents, key=lambda label: float(scores.get(label, 0.0)))


def is_open(row: dict[str, Any]) -> bool:
    return row["status"] in OPEN_STATES


def snoozed_until(row: dict[str, Any]) -> datetime | None:
    return parse_iso(row["snoozed_until"])
