"""Silences: mute matching mentions for a while without ever dropping them.

A silenced mention is stored, classified and routed like any other, with status ``silenced`` and
the silence's id; it is not posted and no deadline runs. ``siloless mentions list --silenced``
shows them, and ``reopen M-12`` brings one back (it is then posted). Created, listed and ended
from Slack, Teams and the CLI with the same words:

    silence brand:parcelo intent:complaint 2h [reason…]
    silences
    unsilence S-3
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.clock import Clock, parse_iso
from bot.commands import Reply, parse_duration_arg
from bot.config import Config
from bot.lifecycle import Actor
from bot.store import Store
from intents.labels import INTENTS

FIELDS = ("brand", "term", "author", "intent", "department")
_SILENCE_ID = re.compile(r"^\s*s-?(\d{1,9})\s*$", re.IGNORECASE)
USAGE = (
    "Usage: silence brand:NAME | term:WORD | author:@handle | intent:LABEL | department:NAME … DURATION "
    '[reason], e.g. "silence term:giveaway 2h spam wave".'
)


def matching_silence(store: Store, now: datetime, record: dict[str, Any]) -> int | None:
    """The id of the first active silence that matches a mention record, or None."""
    text = (record.get("text") or "").casefold()
    for silence in store.active_silences(now):
        if silence["brand"] and silence["brand"] != record.get("brand"):
            continue
        if silence["intent"] and silence["intent"] != record.get("intent"):
            continue
        if silence["department"] and silence["department"] != record.get("department"):
            continue
        if silence["author"] and silence["author"].casefold() != (record.get("author_handle") or "").casefold():
            continue
        if silence["term"] and silence["term"].casefold() not in text:
            continue
        return int(silence["id"])
    return None


def describe(silence: dict[str, Any]) -> str:
    parts = [f"{name}:{silence[name]}" for name in FIELDS if silence.get(name)]
    until = parse_iso(silence["expires_at"])
    when = until.strftime("%Y-%m-%d %H:%M UTC") if until else "?"
    reason = f" ({silence['reason']})" if silence.get("reason") else ""
    return f"S-{silence['id']} · {' '.join(parts)} · until {when} · by {silence['created_by_name']}{reason}"


def run_silence_command(store: Store, config: Config, clock: Clock, verb: str, args: str, actor: Actor) -> Reply:
    now = clock.now()
    if verb == "silences":
        active = store.active_silences(now)
        return Reply("\n".join(describe(s) for s in active) if active else "No active silences.")
    if verb == "unsilence":
        match = _SILENCE_ID.match(args)
        if not match:
            return Reply('Say which silence: "unsilence S-3" (see "silences").', ok=False)
        silence_id = int(match.group(1))
        silence = store.silence(silence_id)
        if silence is None:
            return Reply(f"There is no silence S-{silence_id}.", ok=False)
        with store.atomic():
            if not store.end_silence(silence_id, now):
                return Reply(f"S-{silence_id} had already ended.")
            store.add_event(
                None,
                at=now,
                actor=actor.key,
                actor_name=actor.display,
                action="unsilence",
                detail={"silence": silence_id},
            )
        return Reply(f"S-{silence_id} ended.")
    return _create(store, config, clock, args, actor)


def _create(store: Store, config: Config, clock: Clock, args: str, actor: Actor) -> Reply:
    fields: dict[str, str] = {}
    duration = None
    reason_words: list[str] = []
    for word in args.split():
        name, sep, value = word.partition(":")
        if sep and name.lower() in FIELDS and duration is None:
            problem = _check_field(config, name.lower(), value)
            if problem:
                return Reply(problem, ok=False)
            fields[name.lower()] = value if name.lower() in ("term", "author") else value.lower()
        elif duration is None and parse_duration_arg(word) is not None:
            duration = parse_duration_arg(word)
        elif duration is not None:
            reason_words.append(word)
        else:
            return Reply(f'"{word[:40]}" is not a silence field. {USAGE}', ok=False)
    if not fields:
        return Reply(f"Say what to silence. {USAGE}", ok=False)
    if duration is None:
        return Reply(f"Say for how long. {USAGE}", ok=False)
    now = clock.now()
    with store.atomic():
        silence_id = store.add_silence(
            fields=fields,
            reason=" ".join(reason_words)[:200],
            created_by=actor.key,
            created_by_name=actor.display,
            now=now,
            expires_at=now + duration,
        )
        store.add_event(
            None,
            at=now,
            actor=actor.key,
            actor_name=actor.display,
            action="silence",
            detail={"silence": silence_id, **fields},
        )
    silence = store.silence(silence_id)
    assert silence is not None
    return Reply(f"Silenced: {describe(silence)}. Matching mentions are stored but not posted.")


def _check_field(config: Config, name: str, value: str) -> str:
    if not value:
        return f"{name}: needs a value. {USAGE}"
    if name == "intent" and value.lower() not in INTENTS:
        return f'"{value[:40]}" is not an intent; intents: {", ".join(INTENTS)}.'
    if name == "department" and value.lower() not in config.department_names:
        return f'There is no department "{value[:40]}"; departments: {", ".join(config.department_names)}.'
    if name == "brand" and value.lower() not in {b.name.lower() for b in config.brands}:
        return f'There is no brand "{value[:40]}"; brands: {", ".join(b.name for b in config.brands)}.'
    return ""
