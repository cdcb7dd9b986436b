"""The SQLite schema as named migrations (sqlite-utils ``Migrations``), applied at open.

Each migration runs in one transaction with its record in ``_sqlite_migrations``; the schema
version is the number applied. Add a new function at the end to change the schema; never edit
one that has shipped.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("siloless")


@MIGRATIONS(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    _run(
        db,
        """
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'post',
            url TEXT,
            created_at TEXT,
            received_at TEXT NOT NULL,
            author_handle TEXT,
            author_name TEXT,
            author_followers INTEGER,
            text TEXT NOT NULL,
            lang TEXT,
            in_reply_to TEXT,
            conversation TEXT,
            metrics TEXT,
            extra TEXT,
            brand TEXT,
            intent TEXT,
            intent_scores TEXT,
            urgency TEXT,
            urgency_reasons TEXT,
            model TEXT,
            department TEXT,
            route TEXT,
            case_id INTEGER,
            status TEXT NOT NULL DEFAULT 'new',
            claimed_by TEXT,
            claimed_by_name TEXT,
            claimed_at TEXT,
            resolved_by TEXT,
            resolved_by_name TEXT,
            resolved_at TEXT,
            note TEXT,
            dismissed_reason TEXT,
            snoozed_until TEXT,
            escalation_level INTEGER NOT NULL DEFAULT 0,
            silence_id INTEGER,
            edited_at TEXT,
            deleted_at TEXT,
            updated_at TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            UNIQUE (source, source_id)
        );
        CREATE INDEX mentions_status ON mentions (status, department);
        CREATE INDEX mentions_author ON mentions (author_handle, received_at);
        CREATE INDEX mentions_case ON mentions (case_id);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mention_id INTEGER,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_name TEXT,
            action TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX events_mention ON events (mention_id, id);
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mention_id INTEGER NOT NULL REFERENCES mentions(id),
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            purpose TEXT NOT NULL DEFAULT 'alert',
            department TEXT,
            ref TEXT NOT NULL,
            message_key TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            UNIQUE (mention_id, platform, channel, purpose)
        );
        CREATE INDEX alerts_by_message ON alerts (platform, message_key);

        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mention_id INTEGER NOT NULL REFERENCES mentions(id),
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            purpose TEXT NOT NULL DEFAULT 'alert',
            alert_id INTEGER REFERENCES alerts(id),
            body TEXT,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            delivered_at TEXT
        );
        CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
        CREATE INDEX deliveries_alert ON deliveries (alert_id, kind, status);

        CREATE TABLE cursors (
            source TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE conversations (
            platform TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            channel_name TEXT,
            team_id TEXT,
            team_name TEXT,
            tenant_id TEXT,
            reference TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, channel_id)
        );

        CREATE TABLE mention_versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mention_id INTEGER NOT NULL REFERENCES mentions(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT,
            url TEXT,
            metrics TEXT
        );

        CREATE TABLE timers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mention_id INTEGER NOT NULL REFERENCES mentions(id),
            kind TEXT NOT NULL,
            due_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            fired_at TEXT,
            cancelled_at TEXT,
            detail TEXT
        );
        CREATE INDEX timers_due ON timers (fired_at, cancelled_at, due_at);

        CREATE TABLE processed_events (
            key TEXT PRIMARY KEY,
            at TEXT NOT NULL
        );
        """,
    )


@MIGRATIONS(name="0002_silences")
def _silences(db: sqlite_utils.Database) -> None:
    _run(
        db,
        """
        CREATE TABLE silences (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            brand TEXT,
            term TEXT,
            author TEXT,
            intent TEXT,
            department TEXT,
            reason TEXT,
            created_by TEXT NOT NULL,
            created_by_name TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE INDEX silences_active ON silences (ended_at, expires_at);
        """,
    )


@MIGRATIONS(name="0003_volume_and_spikes")
def _volume(db: sqlite_utils.Database) -> None:
    _run(db, """
        CREATE TABLE volume (
            department TEXT NOT NULL,
            intent TEXT NOT NULL,
            hour TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (department, intent, hour)
        );
        CREATE TABLE spikes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            department TEXT NOT NULL,
            intent TEXT NOT NULL,
            case_id INTEGER NOT NULL REFERENCES mentions(id),
            started_at TEXT NOT NULL,
            until TEXT NOT NULL
        );
        CREATE INDEX spikes_open ON spikes (department, intent, until);
        CREATE INDEX mentions_brand_received ON mentions (brand, received_at);
        """)


def _run(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one: ``executescript`` would COMMIT and break the migration's transaction.

    Statements end with ``;`` at the end of a line; trigger bodies keep theirs inside ``BEGIN … END;``.
    """
    statement: list[str] = []
    for line in script.strip().splitlines():
        statement.append(line)
        text = "\n".join(statement).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            db.execute(text)
            statement = []
    if "".join(statement).strip():
        raise ValueError(f"unterminated statement in migration: {statement[0]}")


SCHEMA_VERSION = len(MIGRATIONS._migrations)
