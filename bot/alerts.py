"""The alert as plain data: everything a platform needs to render one mention's message.

Built from the store at send time, never stored: an update always shows the mention's current
state, so retried or coalesced edits converge on the truth. Platforms render it (Block Kit,
Adaptive Card, terminal) and must escape every field marked untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import parse_iso
from bot.config import Config
from bot.grouping import case_summary
from bot.store import Store, short_id

AUTHOR_HISTORY_DAYS = 90


@dataclass(frozen=True)
class AlertView:
    mention_id: int
    short_id: str
    status: str
    #: the department that owns the mention now
    department: str
    #: the department of the channel this copy sits in (differs after a reassign)
    copy_department: str
    brand: str
    intent: str
    top_intents: tuple[tuple[str, float], ...]
    urgency: str
    urgency_reasons: tuple[str, ...]
    route_reason: str
    # untrusted, from the public post: escape before rendering
    text: str
    author_handle: str
    author_name: str
    url: str
    # trusted metadata
    author_followers: int | None
    source: str
    lang: str
    created_at: datetime | None
    claimed_by_name: str = ""
    claimed_at: datetime | None = None
    resolved_by_name: str = ""
    resolved_at: datetime | None = None
    note: str = ""  # untrusted (typed by a person)
    dismissed_reason: str = ""  # untrusted
    snoozed_until: datetime | None = None
    escalation_level: int = 0
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    #: "+37 similar in the last 10 minutes, 3 sources" (filled by grouping)
    case_summary: str = ""
    #: newest similar posts in the case: (author handle, text) pairs, untrusted
    case_examples: tuple[tuple[str, str], ...] = ()
    #: "3rd mention in 30 days; last one resolved by billing in 2 h"
    author_history: str = ""
    #: departments a person can reassign to (all but the current one)
    reassign_options: tuple[str, ...] = ()
    #: "alert" for the department's copy, "escalation" for the escalation channel's copy
    purpose: str = "alert"
    extra: dict[str, Any] = field(default_factory=dict)

    #: set on a copy whose department handed the mention on: the department that has it now
    moved_to: str = ""
    #: the same for every attempt to post this copy: platforms put it in the message (Slack metadata) so
    #: ``find_posted`` can tell after a crash whether the post landed
    idempotency_key: str = ""

    @property
    def open(self) -> bool:
        return self.status in ("new", "alerted", "claimed", "snoozed")


def build_view(
    store: Store, config: Config, mention_id: int, *, alert_id: int | None = None, now: datetime | None = None
) -> AlertView | None:
    row = store.mention(mention_id)
    if row is None:
        return None
    copy_department = row["department"] or ""
    purpose = "alert"
    if alert_id is not None:
        alert = store.alert(alert_id)
        if alert is not None:
            copy_department = alert["department"] or copy_department
            purpose = alert["purpose"]
    summary, examples = case_summary(store, row["id"], now or datetime.now(UTC))
    scores = row["intent_scores"] or {}
    top = tuple(sorted(((k, float(v)) for k, v in scores.items()), key=lambda kv: -kv[1])[:3])
    return AlertView(
        mention_id=row["id"],
        short_id=short_id(row["id"]),
        status=row["status"],
        department=row["department"] or "",
        copy_department=copy_department,
        brand=row["brand"] or "",
        intent=row["intent"] or "other",
        top_intents=top,
        urgency=row["urgency"] or "normal",
        urgency_reasons=tuple(row["urgency_reasons"] or ()),
        route_reason=row["route"] or "",
        text=row["text"] or "",
        author_handle=row["author_handle"] or "",
        author_name=row["author_name"] or "",
        url=row["url"] or "",
        author_followers=row["author_followers"],
        source=row["source"],
        lang=row["lang"] or "und",
        created_at=parse_iso(row["created_at"]),
        claimed_by_name=row["claimed_by_name"] or "",
        claimed_at=parse_iso(row["claimed_at"]),
        resolved_by_name=row["resolved_by_name"] or "",
        resolved_at=parse_iso(row["resolved_at"]),
        note=row["note"] or "",
        dismissed_reason=row["dismissed_reason"] or "",
        snoozed_until=parse_iso(row["snoozed_until"]),
        escalation_level=row["escalation_level"] or 0,
        edited_at=parse_iso(row["edited_at"]),
        deleted_at=parse_iso(row["deleted_at"]),
        author_history=author_history(store, row, now=now),
        case_summary=summary,
        case_examples=examples,
        reassign_options=tuple(d for d in config.department_names if d != row["department"]),
        purpose=purpose,
        moved_to=_moved_to(store, row, copy_department),
    )


def _moved_to(store: Store, row: dict[str, Any], copy_department: str) -> str:
    if not copy_department or copy_department == row["department"]:
        return ""
    for event in store.events(row["id"]):
        if event["action"] == "reassign" and event["detail"].get("from_department") == copy_department:
            return row["department"] or ""
    return ""


def author_history(store: Store, row: dict[str, Any], *, now: datetime | None) -> str:
    """One line of social-CRM context: how often this author wrote lately and how it ended."""
    handle = row["author_handle"]
    received = parse_iso(row["received_at"])
    if not handle or received is None:
        return ""
    since = (now or received) - timedelta(days=AUTHOR_HISTORY_DAYS)
    earlier = [m for m in store.mentions_by_author(handle, since, row["id"]) if m["id"] < row["id"]]
    if not earlier:
        return ""
    count = len(earlier) + 1
    line = f"{_ordinal(count)} mention from this author in {AUTHOR_HISTORY_DAYS} days"
    last = earlier[0]
    if last["status"] == "resolved" and last["resolved_at"]:
        took = parse_iso(last["resolved_at"]) - parse_iso(last["received_at"])  # type: ignore[operator]
        line += f"; last one ({short_id(last['id'])}) resolved by {last['department']} in {_duration(took)}"
    else:
        line += f"; last one ({short_id(last['id'])}) is {last['status']}"
    return line


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
