"""The command line: classify's JSONL contract, the demo, and operator commands on mentions."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config
from intents.labels import INTENTS, URGENCIES


def _classify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str,
              *args: str) -> tuple[int, list[dict]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["classify", *args])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_classify_jsonl_contract(monkeypatch, capsys, config: Config) -> None:
    lines = [
        {"id": "a", "text": "Parcelo charged me twice for one delivery, I want a refund"},
        {"text": "De app van Stroomly ligt er al de hele ochtend uit, ik kan niet inloggen", "lang": "nl"},
        {"id": 7, "text": "I'm suing Parcelo, my lawyer will contact you"},
    ]
    code, out = _classify(monkeypatch, capsys, "\n".join(json.dumps(x) for x in lines) + "\n", "--config",
                          str(config.path))
    assert code == 0 and len(out) == 3
    assert [o["id"] for o in out] == ["a", None, "7"]
    for item in out:
        assert set(item) == {"id", "lang", "intent", "intent_scores", "urgency", "department"}
        assert item["intent"] in INTENTS and item["urgency"] in URGENCIES
        assert set(item["intent_scores"]) == set(INTENTS)
        assert abs(sum(item["intent_scores"].values()) - 1) < 0.01
        assert item["department"] in config.department_names
    assert out[1]["lang"] == "nl"


def test_classify_reports_bad_lines_in_place(monkeypatch, capsys) -> None:
    code, out = _classify(monkeypatch, capsys, '{"text": "hello Parcelo"}\n{oops\n{"text": "bye"}\n')
    assert code == 1
    assert [("error" in o) for o in out] == [False, True, False]
    assert out[1]["line"] == 2


def test_classify_text_argument_is_readable(capsys) -> None:
    assert main(["classify", "my Parcelo parcel never arrived and nobody answers"]) == 0
    out = capsys.readouterr().out
    assert "urgency" in out and "scores:" in out


def test_demo_runs_and_leaves_a_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Mentions per department and urgency" in out and "Time taken" in out
    import sqlite_utils

    database = sqlite_utils.Database(db)
    assert database["mentions"].count >= 60
    assert {row["department"] for row in database["mentions"].rows} >= {"support", "billing", "legal", "security"}
    assert database.execute("select count(*) from deliveries where status = 'done'").fetchone()[0] >= 60


def test_operator_commands(config: Config, tmp_path: Path, capsys) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"source": "t", "id": "1", "text": "Parcelo charged me twice"}) + "\n")
    assert main(["replay", "--config", str(config.path), str(path), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["mentions", "claim", "--config", str(config.path), "M-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["mentions", "resolve", "--config", str(config.path), "M-1", "refunded", "by", "phone"]) == 0
    assert main(["mentions", "claim", "--config", str(config.path), "M-1"]) == 1  # illegal: resolved
    assert "reopen M-1" in capsys.readouterr().err
    assert main(["mentions", "claim", "--config", str(config.path), "M-404"]) == 1
    assert 'No mention "M-404"' in capsys.readouterr().err
    assert main(["mentions", "list", "--config", str(config.path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["status"] == "resolved" and rows[0]["note"] == "refunded by phone"
    assert main(["mentions", "show", "--config", str(config.path), "M-1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in shown["events"]] == ["ingest", "alert", "claim", "resolve"]
    assert all(e["actor"] in ("system", "cli") for e in shown["events"])


def test_silences_from_the_cli_store_but_do_not_post(config: Config, tmp_path: Path, capsys) -> None:
    assert main(["silences", "add", "--config", str(config.path), "term:giveaway", "2h", "spam", "wave"]) == 0
    assert "S-1" in capsys.readouterr().out
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"source": "t", "id": "1", "text": "Parcelo giveaway click here"}) + "\n"
                    + json.dumps({"source": "t", "id": "2", "text": "Parcelo lost my parcel"}) + "\n")
    assert main(["replay", "--config", str(config.path), str(path), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["mentions", "list", "--config", str(config.path), "--silenced", "--json"]) == 0
    silenced = json.loads(capsys.readouterr().out)
    assert [(r["source_id"], r["status"], r["silence_id"]) for r in silenced] == [("1", "silenced", 1)]
    from bot.store import Store

    store = Store.open(config.store.path)
    assert [d["mention_id"] for d in store.deliveries() if d["kind"] == "post"] == [2]
    assert main(["silences", "end", "--config", str(config.path), "S-1"]) == 0
    assert main(["silences", "list", "--config", str(config.path)]) == 0
    assert "No active silences" in capsys.readouterr().out


def test_bad_config_is_an_error_not_a_traceback(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("[slak]\n")
    assert main(["doctor", "--config", str(bad)]) == 2
    assert 'unknown key "slak"' in capsys.readouterr().err
