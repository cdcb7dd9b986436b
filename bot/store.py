"""The store: every table Siloless keeps, behind one small interface.

SQLite through sqlite-utils is the embedded default. Everything else in the core talks to
``Store`` methods, never to SQL, so a PostgreSQL backend can be added by implementing the same
methods (outbox claimed with ``FOR UPDATE SKIP LOCKED`` there). Every method that changes state
is safe to call inside ``store.atomic()``, so a state change, its audit event and its outbox rows
commit together or not at all.

Durability: WAL journal with ``synchronous=FULL`` (a committed transaction survives SIGKILL and
power loss; see docs/reliability.md), ``busy_timeout`` so a CLI command and the service can share
the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.clock import iso
from bot.schema import MIGRATIONS, SCHEMA_VERSION

_SHORT_ID = re.compile(r"^\s*#?(?:m-?)?(\d{1,12})\s*$", re.IGNORECASE)


def short_id(mention_id: int) -> str:
    """The human id used in alerts and commands: ``M-42``."""
    return f"M-{mention_id}"


def parse_short_id(text: str) -> int | None:
    """``"M-42"``, ``"m42"``, ``"#42"`` or ``"42"`` → 42; anything else → None (never reaches SQL)."""
    match = _SHORT_ID.match(text or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class InsertResult:
    mention_id: int
    created: bool


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _load(value: str | None, default: Any) -> Any:
    if value in (None, ""):
        return default
    return json.loads(value)


_JSON_COLUMNS = {
    "mentions": ("metrics", "extra", "intent_scores", "urgency_reasons"),
    "events": ("detail",),
    "deliveries": ("body",),
    "alerts": ("ref",),
    "mention_versions": ("metrics",),
    "conversations": ("reference",),
    "timers": ("detail",),
}


class Store:
    """SQLite-backed store. One instance per process, used from the event loop's thread."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str) -> Store:
        db = sqlite_utils.Database(path) if path != ":memory:" else sqlite_utils.Database(memory=True)
        db.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        MIGRATIONS.apply(db)
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    @property
    def schema_version(self) -> int:
        return len(MIGRATIONS.applied(self.db))

    @property
    def schema_current(self) -> bool:
        return self.schema_version == SCHEMA_VERSION

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.db.atomic():
            yield

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def _decode(self, table: str, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        for column in _JSON_COLUMNS.get(table, ()):
            if column in row:
                row[column] = _load(row[column], [] if column == "urgency_reasons" else {})
        return row

    # -- mentions --------------------------------------------------------------------------

    def insert_mention(self, record: dict[str, Any]) -> InsertResult:
        """Insert unless ``(source, source_id)`` is already stored; either way return its id."""
        values = dict(record)
        for column in _JSON_COLUMNS["mentions"]:
            if column in values:
                values[column] = _json(values[column])
        columns = ", ".join(values)
        placeholders = ", ".join(f":{c}" for c in values)
        cursor = self.db.execute(
            f"INSERT INTO mentions ({columns}) VALUES ({placeholders}) ON CONFLICT(source, source_id) DO NOTHING",
            values,
        )
        if cursor.rowcount:
            return InsertResult(int(cursor.lastrowid or 0), True)
        existing = self.find_mention(record["source"], record["source_id"])
        assert existing is not None
        return InsertResult(existing["id"], False)

    def find_mention(self, source: str, source_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM mentions WHERE source = ? AND source_id = ?", (source, source_id))
        return self._decode("mentions", rows[0] if rows else None)

    def mention(self, mention_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM mentions WHERE id = ?", (mention_id,))
        return self._decode("mentions", rows[0] if rows else None)

    def update_mention(self, mention_id: int, changes: dict[str, Any], now: datetime, *,
                       expect_revision: int | None = None) -> bool:
        """Change a mention. With ``expect_revision``, only if nobody changed it since it was read (another
        process, e.g. the CLI beside the service): False then, and the caller reads again."""
        values = dict(changes)
        for column in _JSON_COLUMNS["mentions"]:
            if column in values:
                values[column] = _json(values[column])
        values["updated_at"] = iso(now)
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        guard = " AND revision = :_revision" if expect_revision is not None else ""
        cursor = self.db.execute(
            f"UPDATE mentions SET {assignments}, revision = revision + 1 WHERE id = :_id{guard}",
            {**values, "_id": mention_id, "_revision": expect_revision},
        )
        return bool(cursor.rowcount)

    def list_mentions(
        self,
        *,
        status: str | None = None,
        department: str | None = None,
        claimed_by: str | None = None,
        silenced: bool | None = None,
        case_id: int | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        if status:
            clauses.append("status = ?")
            params.append(status)
        if department:
            clauses.append("department = ?")
            params.append(department)
        if claimed_by:
            clauses.append("claimed_by = ?")
            params.append(claimed_by)
        if silenced is True:
            clauses.append("silence_id IS NOT NULL")
        elif silenced is False:
            clauses.append("silence_id IS NULL")
        if case_id is not None:
            clauses.append("case_id = ?")
            params.append(case_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(f"SELECT * FROM mentions {where} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [self._decode("mentions", r) for r in rows]  # type: ignore[misc]

    def count_mentions(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM mentions").fetchone()[0])

    def mentions_by_author(self, handle: str, since: datetime, exclude_id: int) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM mentions WHERE author_handle = ? AND received_at >= ? AND id != ? ORDER BY id DESC LIMIT 20",
            (handle, iso(since), exclude_id),
        )
        return [self._decode("mentions", r) for r in rows]  # type: ignore[misc]

    def summary(self) -> list[dict[str, Any]]:
        """Mentions per department and urgency (the demo's and replay's closing table)."""
        return self._rows(
            "SELECT coalesce(department, '(not routed)') AS department, urgency, count(*) AS n FROM mentions "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        )

    # -- versions (evidence kept on edit/delete) -------------------------------------------

    def add_version(
        self, mention_id: int, *, at: datetime, kind: str, text: str, url: str, metrics: dict[str, int]
    ) -> None:
        self.db.execute(
            "INSERT INTO mention_versions (mention_id, at, kind, text, url, metrics) VALUES (?, ?, ?, ?, ?, ?)",
            (mention_id, iso(at), kind, text, url, _json(metrics)),
        )

    def versions(self, mention_id: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM mention_versions WHERE mention_id = ? ORDER BY id", (mention_id,))
        return [self._decode("mention_versions", r) for r in rows]  # type: ignore[misc]

    # -- events (append-only audit) ---------------------------------------------------------

    def add_event(
        self,
        mention_id: int | None,
        *,
        at: datetime,
        actor: str,
        action: str,
        actor_name: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO events (mention_id, at, actor, actor_name, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (mention_id, iso(at), actor, actor_name, action, _json(detail or {})),
        )

    def events(self, mention_id: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM events WHERE mention_id = ? ORDER BY id", (mention_id,))
        return [self._decode("events", r) for r in rows]  # type: ignore[misc]

    def events_by_action(self, actions: Sequence[str]) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in actions)
        rows = self._rows(f"SELECT * FROM events WHERE action IN ({marks}) ORDER BY id", list(actions))
        return [self._decode("events", r) for r in rows]  # type: ignore[misc]

    def feedback_examples(self) -> list[dict[str, Any]]:
        """People's corrections as labelled examples: reassignments and 'not relevant' dismissals.

        The label is written into the event's detail when the action happens (``learned_intent``);
        the latest correction of a mention wins.
        """
        latest: dict[int, dict[str, Any]] = {}
        for event in self.events_by_action(("reassign", "dismiss")):
            label = event["detail"].get("learned_intent")
            if label and event["mention_id"] is not None:
                latest[event["mention_id"]] = event
        out = []
        for mention_id, event in latest.items():
            mention = self.mention(mention_id)
            if mention:
                out.append(
                    {
                        "text": mention["text"],
                        "lang": mention["lang"],
                        "intent": event["detail"]["learned_intent"],
                        "mention_id": mention_id,
                    }
                )
        return out

    # -- alert copies (one per platform channel a mention was posted to) --------------------

    def record_alert(
        self,
        mention_id: int,
        *,
        platform: str,
        channel: str,
        purpose: str,
        ref: dict[str, Any],
        message_key: str,
        department: str,
        at: datetime,
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO alerts (mention_id, platform, channel, purpose, ref, message_key, department, posted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (mention_id, platform, channel, purpose, _json(ref), message_key, department, iso(at)),
        )
        return int(cursor.lastrowid or 0)

    def alerts(self, mention_id: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM alerts WHERE mention_id = ? ORDER BY id", (mention_id,))
        return [self._decode("alerts", r) for r in rows]  # type: ignore[misc]

    def alert(self, alert_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return self._decode("alerts", rows[0] if rows else None)

    def find_alert(self, platform: str, message_key: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM alerts WHERE platform = ? AND message_key = ?", (platform, message_key))
        return self._decode("alerts", rows[0] if rows else None)

    def has_alert(self, mention_id: int, platform: str, channel: str, purpose: str) -> bool:
        return bool(
            self.db.execute(
                "SELECT 1 FROM alerts WHERE mention_id = ? AND platform = ? AND channel = ? AND purpose = ?",
                (mention_id, platform, channel, purpose),
            ).fetchone()
        )

    # -- deliveries (the outbox) -----------------------------------------------------------

    def enqueue(
        self,
        mention_id: int,
        *,
        platform: str,
        channel: str,
        kind: str,
        at: datetime,
        alert_id: int | None = None,
        body: dict[str, Any] | None = None,
        purpose: str = "alert",
    ) -> int | None:
        """Add an outbox row. A pending ``update`` of the same alert copy absorbs a new one (coalescing):
        updates render the mention's state at send time, so one pending update is always enough."""
        if kind == "update" and alert_id is not None:
            existing = self.db.execute(
                "SELECT id FROM deliveries WHERE alert_id = ? AND kind = 'update' AND status = 'pending'", (alert_id,)
            ).fetchone()
            if existing:
                return None
        cursor = self.db.execute(
            "INSERT INTO deliveries (mention_id, platform, channel, kind, purpose, alert_id, body, status, attempts, "
            "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
            (mention_id, platform, channel, kind, purpose, alert_id, _json(body or {}), iso(at), iso(at), iso(at)),
        )
        return int(cursor.lastrowid or 0)

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id "
            "LIMIT ?",
            (iso(now), limit),
        )
        return [self._decode("deliveries", r) for r in rows]  # type: ignore[misc]

    def next_delivery_due(self) -> datetime | None:
        row = self.db.execute("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def delivery(self, delivery_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return self._decode("deliveries", rows[0] if rows else None)

    def set_delivery(self, delivery_id: int, changes: dict[str, Any], now: datetime) -> None:
        values = {**changes, "updated_at": iso(now)}
        for key in ("next_attempt_at", "delivered_at"):
            if isinstance(values.get(key), datetime):
                values[key] = iso(values[key])
        if "body" in values:
            values["body"] = _json(values["body"])
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        self.db.execute(f"UPDATE deliveries SET {assignments} WHERE id = :_id", {**values, "_id": delivery_id})

    def defer_posts(self, platform: str, channel: str, until: datetime, now: datetime) -> None:
        """Pacing: pending posts to a busy channel wait until it is free (attempts are not spent)."""
        self.db.execute(
            "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE status = 'pending' AND kind = 'post' "
            "AND platform = ? AND channel = ? AND next_attempt_at < ?",
            (iso(until), iso(now), platform, channel, iso(until)),
        )

    def defer_updates(self, alert_id: int, until: datetime, now: datetime) -> None:
        self.db.execute(
            "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE status = 'pending' AND kind = 'update' "
            "AND alert_id = ? AND next_attempt_at < ?",
            (iso(until), iso(now), alert_id, iso(until)),
        )

    def deliveries(self, mention_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        clauses, params = [], []
        if mention_id is not None:
            clauses.append("mention_id = ?")
            params.append(mention_id)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(f"SELECT * FROM deliveries {where} ORDER BY id", params)
        return [self._decode("deliveries", r) for r in rows]  # type: ignore[misc]

    def delivery_counts(self) -> dict[str, int]:
        return {
            row["status"]: row["n"] for row in self._rows("SELECT status, count(*) AS n FROM deliveries GROUP BY 1")
        }

    # -- cursors ----------------------------------------------------------------------------

    def cursor(self, source: str) -> str | None:
        row = self.db.execute("SELECT value FROM cursors WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, source: str, value: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO cursors (source, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (source, value, iso(now)),
        )

    # -- platform conversations (Teams channel references) -----------------------------------

    def save_conversation(
        self,
        *,
        platform: str,
        channel_id: str,
        channel_name: str,
        team_id: str,
        team_name: str,
        tenant_id: str,
        reference: dict[str, Any],
        now: datetime,
    ) -> None:
        self.db.execute(
            "INSERT INTO conversations (platform, channel_id, channel_name, team_id, team_name, tenant_id, reference, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(platform, channel_id) DO UPDATE SET "
            "channel_name = excluded.channel_name, team_id = excluded.team_id, team_name = excluded.team_name, "
            "tenant_id = excluded.tenant_id, reference = excluded.reference, updated_at = excluded.updated_at",
            (platform, channel_id, channel_name, team_id, team_name, tenant_id, _json(reference), iso(now)),
        )

    def conversations(self, platform: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM conversations WHERE platform = ? ORDER BY channel_name", (platform,))
        return [self._decode("conversations", r) for r in rows]  # type: ignore[misc]

    # -- processed inbound events (platform retries) -----------------------------------------

    def first_time_seen(self, key: str, now: datetime) -> bool:
        """Record an inbound event key (e.g. Slack event_id); False when it was seen before."""
        cursor = self.db.execute(
            "INSERT INTO processed_events (key, at) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, iso(now))
        )
        return bool(cursor.rowcount)

    def forget_processed_before(self, when: datetime) -> None:
        self.db.execute("DELETE FROM processed_events WHERE at < ?", (iso(when),))

    # -- timers -------------------------------------------------------------------------------

    def add_timer(
        self, mention_id: int, *, kind: str, due_at: datetime, now: datetime, detail: dict[str, Any] | None = None
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO timers (mention_id, kind, due_at, created_at, detail) VALUES (?, ?, ?, ?, ?)",
            (mention_id, kind, iso(due_at), iso(now), _json(detail or {})),
        )
        return int(cursor.lastrowid or 0)

    def due_timers(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (iso(now), limit),
        )
        return [self._decode("timers", r) for r in rows]  # type: ignore[misc]

    def next_timer_due(self) -> datetime | None:
        row = self.db.execute(
            "SELECT min(due_at) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL"
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def timers(self, mention_id: int, *, open_only: bool = True) -> list[dict[str, Any]]:
        extra = "AND fired_at IS NULL AND cancelled_at IS NULL" if open_only else ""
        rows = self._rows(f"SELECT * FROM timers WHERE mention_id = ? {extra} ORDER BY due_at, id", (mention_id,))
        return [self._decode("timers", r) for r in rows]  # type: ignore[misc]

    def mark_timer_fired(self, timer_id: int, now: datetime) -> bool:
        """Mark fired once; False if another worker (or an earlier run) already fired it."""
        cursor = self.db.execute(
            "UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
            (iso(now), timer_id),
        )
        return bool(cursor.rowcount)

    def cancel_timers(self, mention_id: int, now: datetime, kinds: Sequence[str] | None = None) -> int:
        params: list[Any] = [iso(now), mention_id]
        extra = ""
        if kinds:
            extra = f"AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        cursor = self.db.execute(
            "UPDATE timers SET cancelled_at = ? WHERE mention_id = ? AND fired_at IS NULL AND cancelled_at IS NULL "
            + extra,
            params,
        )
        return cursor.rowcount

    # -- silences -------------------------------------------------------------------------------

    def add_silence(
        self,
        *,
        fields: dict[str, str],
        reason: str,
        created_by: str,
        created_by_name: str,
        now: datetime,
        expires_at: datetime,
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO silences (brand, term, author, intent, department, reason, created_by, created_by_name, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                fields.get("brand"),
                fields.get("term"),
                fields.get("author"),
                fields.get("intent"),
                fields.get("department"),
                reason,
                created_by,
                created_by_name,
                iso(now),
                iso(expires_at),
            ),
        )
        return int(cursor.lastrowid or 0)

    def active_silences(self, now: datetime) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM silences WHERE ended_at IS NULL AND expires_at > ? ORDER BY id", (iso(now),))

    def silence(self, silence_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM silences WHERE id = ?", (silence_id,))
        return rows[0] if rows else None

    def end_silence(self, silence_id: int, now: datetime) -> bool:
        cursor = self.db.execute(
            "UPDATE silences SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (iso(now), silence_id)
        )
        return bool(cursor.rowcount)

    # -- grouping: candidates, volume baseline, spikes -------------------------------------------

    def recent_case_candidates(self, brand: str, since: datetime, limit: int) -> list[dict[str, Any]]:
        """Recent mentions of ``brand`` that are open, or members of an open case: what a new one may join.

        Only the columns grouping compares (this runs for every new mention, so it stays light)."""
        rows = self._rows(
            "SELECT m.id, m.source_id, m.conversation, m.case_id, m.status, m.text, m.url "
            "FROM mentions m LEFT JOIN mentions c ON c.id = m.case_id "
            "WHERE m.brand = ? AND m.received_at >= ? AND (m.status IN ('new', 'alerted', 'claimed', 'snoozed') "
            "OR (m.status = 'grouped' AND c.status IN ('new', 'alerted', 'claimed', 'snoozed'))) "
            "ORDER BY m.received_at DESC LIMIT ?",  # the (brand, received_at) index: stops after ``limit``
            (brand, iso(since), limit),
        )
        return rows

    def case_member_count(self, case_id: int, since: datetime | None = None) -> int:
        if since is None:
            return int(self.db.execute("SELECT count(*) FROM mentions WHERE case_id = ?", (case_id,)).fetchone()[0])
        return int(self.db.execute("SELECT count(*) FROM mentions WHERE case_id = ? AND received_at >= ?",
                                   (case_id, iso(since))).fetchone()[0])

    def bump_volume(self, department: str, intent: str, hour: datetime) -> int:
        self.db.execute(
            "INSERT INTO volume (department, intent, hour, count) VALUES (?, ?, ?, 1) "
            "ON CONFLICT(department, intent, hour) DO UPDATE SET count = count + 1",
            (department, intent, iso(hour)),
        )
        row = self.db.execute("SELECT count FROM volume WHERE department = ? AND intent = ? AND hour = ?",
                              (department, intent, iso(hour))).fetchone()
        return int(row[0])

    def volume_history(self, department: str, intent: str, since: datetime, before: datetime) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT hour, count FROM volume WHERE department = ? AND intent = ? AND hour >= ? AND hour < ?",
            (department, intent, iso(since), iso(before)),
        ).fetchall()
        return {hour: count for hour, count in rows}

    def open_spike(self, department: str, intent: str, now: datetime) -> int | None:
        row = self.db.execute(
            "SELECT s.case_id FROM spikes s JOIN mentions m ON m.id = s.case_id WHERE s.department = ? "
            "AND s.intent = ? AND s.until > ? AND m.status IN ('new', 'alerted', 'claimed', 'snoozed') "
            "ORDER BY s.id DESC LIMIT 1",
            (department, intent, iso(now)),
        ).fetchone()
        return int(row[0]) if row else None

    def add_spike(self, department: str, intent: str, case_id: int, now: datetime, until: datetime) -> None:
        self.db.execute("INSERT INTO spikes (department, intent, case_id, started_at, until) VALUES (?, ?, ?, ?, ?)",
                        (department, intent, case_id, iso(now), iso(until)))
