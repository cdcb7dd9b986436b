"""Every sentence a person reads from Siloless, in one place (bolt's ``logger/messages.py`` idea).

Plain text with no platform markup: platforms escape and format. Messages about a mistake say
what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_STATE_WORDS = {
    "new": "new (not posted yet)",
    "alerted": "waiting for someone to claim it",
    "claimed": "claimed",
    "snoozed": "snoozed",
    "resolved": "resolved",
    "dismissed": "dismissed",
}

_DONE = {
    "claim": "{sid} is yours now.",
    "unclaim": "{sid} is back in the pool.",
    "resolve": "{sid} resolved.",
    "dismiss": "{sid} dismissed.",
    "reassign": "{sid} moved to {to}.",
    "snooze": "{sid} snoozed until {until}.",
    "reopen": "{sid} reopened.",
    "alert": "{sid} alerted.",
    "expire": "{sid} returned to the pool.",
    "wake": "{sid} is back from snooze.",
}

# Thread lines are quiet and never @-mention the person who acted.
_LINES = {
    "claim": "Claimed by {actor}.",
    "unclaim": "Unclaimed by {actor}; back in the pool.",
    "resolve": "Resolved by {actor}{note}.",
    "dismiss": "Dismissed by {actor}{reason}.",
    "reassign": "Reassigned by {actor} from {frm} to {to}.",
    "snooze": "Snoozed by {actor} until {until}.",
    "reopen": "Reopened{why}.",
    "expire": "Claim by {previous} expired; back in the pool.",
    "wake": "Snooze ended; back in the pool.",
}


def unknown_mention(ref: str) -> str:
    return f'No mention "{ref[:40]}". Use an id like M-12 (see "list").'


def busy(ref: str) -> str:
    return f"{ref[:40]} is changing right now; try again in a moment."


def unknown_verb(verb: str) -> str:
    return f'"{verb[:40]}" is not something I can do. Try "help".'


def system_only(verb: str) -> str:
    return f'"{verb}" is done by Siloless itself, not by a person.'


def not_allowed(sid: str, why: str) -> str:
    return f"You can't act on {sid}: {why}. Ask the department's lead to add you."


def claimed_by_other(sid: str, name: str) -> str:
    return f'{sid} is already claimed by {name}. Ask them, or "unclaim {sid}" first.'


def already(sid: str, state: str, row: dict[str, Any]) -> str:
    who = row.get("claimed_by_name") if state == "claimed" else row.get("resolved_by_name")
    return f"{sid} is already {state}" + (f" by {who}." if who else ".")


def illegal_transition(sid: str, state: str, verb: str, row: dict[str, Any]) -> str:
    hints = {
        ("resolved", "claim"): f'it is resolved; "reopen {sid}" first if it needs more work',
        ("dismissed", "claim"): f'it was dismissed; "reopen {sid}" first',
        ("alerted", "unclaim"): "nobody has claimed it",
        ("new", "unclaim"): "nobody has claimed it",
        ("resolved", "dismiss"): "it is already resolved",
        ("dismissed", "resolve"): f'it was dismissed; "reopen {sid}" first',
    }
    why = hints.get((state, verb), f"it is {_STATE_WORDS.get(state, state)}")
    return f"Can't {verb} {sid}: {why}."


def reassign_needs_department(names: Sequence[str]) -> str:
    return f"Say which department: reassign M-12 <department>. Departments: {', '.join(names)}."


def unknown_department(name: str, names: Sequence[str]) -> str:
    return f'There is no department "{name[:40]}". Departments: {", ".join(names)}.'


def same_department(sid: str, department: str) -> str:
    return f"{sid} is already with {department}."


def snooze_needs_time() -> str:
    return 'Say for how long: "snooze M-12 2h" (units: m, h, d).'


def done(verb: str, sid: str, actor: str, detail: dict[str, Any]) -> str:
    template = _DONE.get(verb, "{sid}: done.")
    return template.format(sid=sid, to=detail.get("to_department", ""), until=_short_time(detail.get("until")))


def thread_line(verb: str, actor: str, detail: dict[str, Any]) -> str | None:
    template = _LINES.get(verb)
    if template is None:
        return None
    note = detail.get("note") or ""
    reason = detail.get("reason") or ""
    why = detail.get("why") or ""
    return template.format(
        actor=actor,
        note=f": {note}" if note else "",
        reason=f": {reason}" if reason else "",
        frm=detail.get("from_department", ""),
        to=detail.get("to_department", ""),
        until=_short_time(detail.get("until")),
        why=f": {why}" if why else "",
        previous=detail.get("previous_claimer") or "someone",
    )


def escalation_line(level: int, department: str, waited: str) -> str:
    if level >= 2:
        return f"Still unclaimed after {waited}: second escalation for {department}."
    return f"Unclaimed for {waited}: escalated to {department}'s on-call."


def resolve_overdue_line(waited: str) -> str:
    return f"Claimed {waited} ago and not resolved yet: escalated."


def claim_reminder_line(claimer: str, waited: str) -> str:
    return f"Reminder for {claimer}: claimed {waited} ago and still open."


def moved_line(department: str) -> str:
    return f"Moved to {department}."


def reopened_by_author_line() -> str:
    return "The author wrote again in this conversation."


def _short_time(value: Any) -> str:
    if not value:
        return ""
    text = str(value)
    return text[:16].replace("T", " ") + " UTC"


HELP = """Siloless commands (IDs look like M-12):
  claim ID                 take it
  unclaim ID               put it back in the pool
  resolve ID [note]        done; the note is kept in the audit
  dismiss ID [reason]      not for us ("not relevant" teaches the classifier)
  reassign ID DEPARTMENT   hand it to another department
  snooze ID 2h             hide it until then (m, h, d)
  reopen ID                reopen a resolved or dismissed mention
  list [department|mine] [status]
  show ID                  details and audit trail
  silence PATTERN 2h       mute matching mentions (brand:, term:, author:, intent:, department:)
  silences                 list active silences
  unsilence S-3            end a silence early
  help"""
