"""The store: idempotent ingest key, short ids, append-only audit, migrations, cursors, coalescing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.schema import SCHEMA_VERSION
from bot.store import Store, parse_short_id, short_id

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _record(source_id: str = "1") -> dict[str, object]:
    return {"source": "mastodon", "source_id": source_id, "text": "hi", "received_at": "2026-11-23T09:00:00Z",
            "metrics": {"likes": 1}, "intent_scores": {"question": 0.9}, "urgency_reasons": ["x"]}


def test_insert_is_idempotent_on_source_and_id(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    first = store.insert_mention(_record("1"))
    again = store.insert_mention(_record("1"))
    other = store.insert_mention(_record("2"))
    assert first.created and not again.created
    assert again.mention_id == first.mention_id
    assert other.mention_id != first.mention_id
    assert store.count_mentions() == 2
    row = store.mention(first.mention_id)
    assert row is not None and row["metrics"] == {"likes": 1} and row["urgency_reasons"] == ["x"]


@pytest.mark.parametrize(("text", "expected"), [("M-42", 42), ("m42", 42), ("#42", 42), (" 42 ", 42),
                                                ("M-", None), ("42; DROP TABLE mentions", None), ("", None),
                                                ("M-1e3", None)])
def test_parse_short_id(text: str, expected: int | None) -> None:
    assert parse_short_id(text) == expected
    if expected is not None:
        assert parse_short_id(short_id(expected)) == expected


def test_events_are_append_only(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    mention_id = store.insert_mention(_record()).mention_id
    store.add_event(mention_id, at=NOW, actor="cli", action="claim")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE events SET action = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM events")
    assert [e["action"] for e in store.events(mention_id)] == ["claim"]


def test_schema_version_and_reopen_does_not_migrate_twice(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    store = Store.open(path)
    assert store.schema_version == SCHEMA_VERSION and store.schema_current
    store.insert_mention(_record())
    store.close()
    reopened = Store.open(path)
    assert reopened.schema_version == SCHEMA_VERSION
    assert reopened.count_mentions() == 1
    assert reopened.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cursor_round_trip(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    assert store.cursor("rss") is None
    store.set_cursor("rss", "a", NOW)
    store.set_cursor("rss", "b", NOW)
    assert store.cursor("rss") == "b"


def test_pending_update_absorbs_the_next(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    mention_id = store.insert_mention(_record()).mention_id
    alert_id = store.record_alert(mention_id, platform="console", channel="#s", purpose="alert", ref={},
                                  message_key="k", department="support", at=NOW)
    first = store.enqueue(mention_id, platform="console", channel="#s", kind="update", alert_id=alert_id, at=NOW)
    second = store.enqueue(mention_id, platform="console", channel="#s", kind="update", alert_id=alert_id, at=NOW)
    assert first is not None and second is None
    assert len(store.deliveries(mention_id)) == 1


def test_atomic_rolls_back_everything(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    with pytest.raises(RuntimeError), store.atomic():
        mention_id = store.insert_mention(_record()).mention_id
        store.add_event(mention_id, at=NOW, actor="cli", action="ingest")
        raise RuntimeError("crash in the middle")
    assert store.count_mentions() == 0
    assert store.db.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_timer_fires_once(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    mention_id = store.insert_mention(_record()).mention_id
    timer = store.add_timer(mention_id, kind="claim_deadline", due_at=NOW, now=NOW)
    assert [t["id"] for t in store.due_timers(NOW)] == [timer]
    assert store.mark_timer_fired(timer, NOW)
    assert not store.mark_timer_fired(timer, NOW)
    assert store.due_timers(NOW) == []
