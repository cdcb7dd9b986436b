"""Hostile input on every surface the core owns: a clear 4xx or error, never a 500, a crash or raw SQL.

Slack and Teams payloads are fuzzed in their own test files; source streams in the adapter tests.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import Mention, MentionError
from adapters.replay import LineError, read_mentions
from adapters.webhook import sign
from bot.clock import FakeClock
from bot.config import ConfigError, parse_config
from bot.lifecycle import Actor
from bot.platforms.console import ConsolePlatform
from bot.service import Service
from tests.conftest import fixed_classifier
from tests.fakes.server_thread import ServerThread

SECRET = "fuzzing-webhook-secret-0123"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
mention_like = st.fixed_dictionaries(
    {"source": st.one_of(st.text(max_size=10), st.integers(), st.none()),
     "id": st.one_of(st.text(max_size=10), st.integers(), st.none()),
     "text": st.one_of(st.text(max_size=200), st.integers(), st.none())},
    optional={"author": json_values, "metrics": json_values, "created_at": json_values, "kind": json_values,
              "url": json_values, "in_reply_to": json_values},
)


@pytest.fixture
def server(write_config) -> Iterator[ServerThread]:
    config = write_config(f'\n[[sources]]\ntype = "webhook"\nsecret = "{SECRET}"\nmax_body_bytes = 20000\n')
    with ServerThread(lambda _ctx: Service(config, clock=FakeClock(), console=ConsolePlatform(quiet=True),
                                      classifier=fixed_classifier({}, default=("question", "normal")))) as running:
        yield running


@FUZZ
@given(payload=st.one_of(st.binary(max_size=3000), json_values.map(lambda v: json.dumps(v).encode()),
                         st.lists(mention_like, max_size=4).map(lambda v: json.dumps(v).encode()),
                         mention_like.map(lambda v: json.dumps(v).encode())),
       signing=st.sampled_from(["valid", "missing", "wrong", "garbage"]))
def test_ingest_answers_every_body_with_202_or_a_clear_4xx(server: ServerThread, payload: bytes, signing: str) -> None:
    headers = {"Content-Type": "application/json"}
    if signing == "valid":
        headers["X-Siloless-Signature"] = sign(SECRET, payload)
    elif signing == "wrong":
        headers["X-Siloless-Signature"] = sign("another-secret-entirely!", payload)
    elif signing == "garbage":
        headers["X-Siloless-Signature"] = "sha256=zz\u00e9"[:10].encode("ascii", "ignore").decode()
    status, body = server.post("/ingest", payload, headers)
    assert status in (202, 400, 401, 413), (status, body)
    if status == 202:
        assert signing == "valid" and isinstance(body["mentions"], list)
    else:
        assert isinstance(body["error"], str) and body["error"]
    if signing != "valid":
        assert status in (401, 413)


def test_oversized_body_is_413_without_reading_it_all(server: ServerThread) -> None:
    payload = b"x" * 2_000_000
    status, body = server.post("/ingest", payload, {"X-Siloless-Signature": sign(SECRET, payload)})
    assert status == 413 and "larger than" in body["error"]


@FUZZ
@given(lines=st.lists(st.one_of(st.text(max_size=80), json_values.map(json.dumps),
                                mention_like.map(json.dumps)), max_size=10))
def test_replay_files_never_crash(lines: list[str]) -> None:
    text = "\n".join(line.replace("\n", " ") for line in lines)
    results = list(read_mentions(io.StringIO(text)))
    assert all(isinstance(item, Mention | LineError) for _n, item in results)
    for number, item in results:
        if isinstance(item, LineError):
            assert item.line == number and item.message


@FUZZ
@given(obj=st.one_of(json_values, mention_like))
def test_mention_parsing_raises_only_mention_error(obj: Any) -> None:
    try:
        Mention.from_json(obj)
    except MentionError as exc:
        assert str(exc)


config_tables = st.dictionaries(
    st.sampled_from(["store", "server", "slack", "teams", "brands", "departments", "routes", "escalation",
                     "sources", "grouping", "outbox", "console", "slak", "x"]),
    json_values, max_size=6)


@FUZZ
@given(raw=config_tables)
def test_config_structures_raise_only_config_error(raw: dict[str, Any]) -> None:
    try:
        parse_config(raw, env={})
    except ConfigError as exc:
        assert str(exc)


@FUZZ
@given(text=st.text(max_size=300))
def test_config_text_raises_only_config_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from bot.config import load_config

    path = Path(tmp_path_factory.mktemp("cfg")) / "c.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, env={})
    except ConfigError as exc:
        assert str(exc)


@pytest.fixture
def command_core(write_config):  # type: ignore[no-untyped-def]
    from bot.clock import FakeClock
    from bot.core import Core
    from bot.store import Store

    config = write_config()
    store = Store.open(config.store.path)
    store.insert_mention({"source": "t", "source_id": "1", "text": "Parcelo", "received_at": "2026-11-23T09:00:00Z",
                          "department": "support", "intent": "question", "urgency": "normal", "status": "alerted"})
    statements: list[str] = []
    store.db._tracer = lambda sql, _params: statements.append(sql)  # the SQL text before parameters are bound
    yield Core(config, store, FakeClock()), statements
    store.close()


@FUZZ
@given(verb=st.sampled_from(["claim", "resolve", "dismiss", "reassign", "snooze", "show", "list", "unclaim",
                             "reopen", "silence", "unsilence", "silences", "help", "x"]),
       rest=st.one_of(st.text(min_size=6, max_size=60),
                      st.sampled_from(["M-1'; DROP TABLE mentions;--", "1 OR 1=1", "M-1 billing\"); --",
                                       "term:x' OR '1'='1 2h", "M-1 support UNION SELECT * FROM events"])))
def test_commands_never_crash_and_never_reach_sql_unparameterised(command_core, verb: str, rest: str) -> None:
    core, statements = command_core
    statements.clear()
    reply = core.command(f"{verb} {rest}", Actor("slack", "U1", "Fuzz"))
    assert isinstance(reply.text, str) and reply.text
    typed = rest.strip()
    for statement in statements:
        assert len(typed) < 6 or typed not in statement, f"user text reached SQL: {statement[:200]}"
        assert "DROP" not in statement and "UNION" not in statement
