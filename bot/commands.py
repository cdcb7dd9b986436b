"""The text commands people type, shared by Slack's slash command, Teams @mentions and the CLI.

One parser and one executor, so ``/siloless claim M-12`` in Slack and ``@Siloless claim M-12`` in
Teams behave identically and change state only through the lifecycle. Ids are parsed to integers
before they reach the store; nothing a person types is ever put into SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import messages
from bot.lifecycle import STATES, Action, Actor, Outcome, resolve_mention
from bot.store import short_id

if TYPE_CHECKING:
    from bot.core import Core

_DURATION = re.compile(r"^(\d{1,4})\s*([mhd])$", re.IGNORECASE)
MAX_COMMAND_CHARS = 2000
LIST_LIMIT = 15


@dataclass(frozen=True)
class Reply:
    """What to answer the person. ``text`` is plain and may quote untrusted post text: escape it."""

    text: str
    ok: bool = True
    mention_id: int | None = None
    outcome: Outcome | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_duration_arg(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip())
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})


def run_command(core: Core, text: str, actor: Actor) -> Reply:
    text = (text or "").strip()[:MAX_COMMAND_CHARS]
    parts = text.split(maxsplit=2)
    if not parts or parts[0].lower() in ("help", "?", "-h", "--help"):
        return Reply(messages.HELP)
    verb = parts[0].lower()
    rest = parts[1:]
    if verb == "list":
        return _list(core, text.split()[1:], actor)
    if verb == "show":
        return _show(core, rest[0] if rest else "")
    if verb in ("silence", "silences", "unsilence"):
        return core.silence_command(verb, text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else "", actor)
    if verb not in ("claim", "unclaim", "resolve", "dismiss", "reassign", "snooze", "reopen"):
        return Reply(messages.unknown_verb(verb), ok=False)
    if not rest:
        return Reply(f"Say which mention: {verb} M-12", ok=False)
    ref, tail = rest[0], (rest[1] if len(rest) > 1 else "").strip()
    action = Action(verb, ref, actor, note=tail if verb in ("resolve", "dismiss", "reopen") else "")
    if verb == "reassign":
        action = Action(verb, ref, actor, department=tail.split()[0].lower().lstrip("#") if tail else "")
    elif verb == "snooze":
        delta = parse_duration_arg(tail) if tail else None
        if delta is None:
            return Reply(messages.snooze_needs_time(), ok=False)
        action = Action(verb, ref, actor, until=core.clock.now() + delta)
    outcome = core.act(action)
    return Reply(outcome.message, ok=outcome.ok, mention_id=outcome.mention_id, outcome=outcome)


def _list(core: Core, args: list[str], actor: Actor) -> Reply:
    department = status = claimed_by = None
    for arg in args:
        word = arg.lower().lstrip("#")
        if word == "mine":
            claimed_by = actor.key
        elif word in STATES or word == "open":
            status = word
        elif word in core.config.department_names:
            department = word
        else:
            return Reply(f'"{arg[:40]}" is not a department, "mine" or a status ({", ".join(STATES)}).', ok=False)
    rows = core.store.list_mentions(
        status=None if status == "open" else status, department=department, claimed_by=claimed_by, limit=200
    )
    rows = [
        r
        for r in rows
        if r["status"] != "grouped" and (status != "open" or r["status"] in ("new", "alerted", "claimed", "snoozed"))
    ]
    if status is None and claimed_by is None:
        rows = [r for r in rows if r["status"] in ("new", "alerted", "claimed", "snoozed")]
    if not rows:
        return Reply("Nothing matches.")
    lines = [summary_line(r) for r in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(f"… and {len(rows) - LIST_LIMIT} more (narrow it with a department or status).")
    return Reply("\n".join(lines))


def summary_line(row: dict[str, Any]) -> str:
    who = f" · {row['claimed_by_name']}" if row["status"] == "claimed" and row["claimed_by_name"] else ""
    snippet = " ".join((row["text"] or "").split())[:80]
    return (
        f"{short_id(row['id'])} · {row['urgency']} · {row['intent']} · {row['department']} · "
        f"{row['status']}{who} · {snippet}"
    )


def _show(core: Core, ref: str) -> Reply:
    row = resolve_mention(core.store, ref) if ref else None
    if row is None:
        return Reply(messages.unknown_mention(ref) if ref else "Say which mention: show M-12", ok=False)
    lines = [
        f"{short_id(row['id'])} · {row['status']} · {row['urgency']} {row['intent']} · {row['department']}",
        f"{row['author_handle']} ({row['author_followers'] if row['author_followers'] is not None else '?'} "
        f"followers) on {row['source']}: {row['url'] or ''}",
        " ".join((row["text"] or "").split())[:600],
        f"Why: {row['route']}",
        "History:",
    ]
    for event in core.store.events(row["id"])[-12:]:
        lines.append(
            f"  {_time(event['at'])} {event['actor_name'] or event['actor']}: {event['action']}"
            + _event_detail(event["detail"])
        )
    return Reply("\n".join(lines), mention_id=row["id"])


def _time(value: str) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")


def _event_detail(detail: dict[str, Any]) -> str:
    for key in ("note", "reason", "to_department", "line"):
        if detail.get(key):
            return f" ({str(detail[key])[:80]})"
    return ""
