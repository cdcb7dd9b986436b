"""``siloless train`` and ``siloless eval`` (bot/cli_intents.py): arguments, output, errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import bot.cli_intents as cli
from intents.dataset import DATA_DIR, read_labelled
from intents.labels import INTENTS


def test_register_adds_both_subcommands_with_help() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli.register(sub)
    for name in ("train", "eval"):
        assert sub.choices[name].description
        args = parser.parse_args([name, "--data", "x.jsonl"] if name == "eval" else [name])
        assert callable(args.func)


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("eval") / "small.jsonl"
    posts = read_labelled(DATA_DIR / "dev.jsonl")[:40]
    path.write_text("".join(json.dumps(p.record) + "\n" for p in posts), encoding="utf-8")
    return path


def test_eval_json_is_one_object(small_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--data", str(small_file), "--json", "--misses", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 40
    assert set(result["intent"]["all"]["labels"]) == set(INTENTS)
    assert {"accuracy", "macro_f1", "confusion"} <= set(result["intent"]["en"])
    assert {"accuracy", "recall"} <= set(result["urgency"]["all"])
    assert len(result["misses"]) <= 3


def test_eval_tables(small_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--data", str(small_file), "--keyword-baseline"]) == 0
    out = capsys.readouterr().out
    for heading in ("Intent per label", "Intent confusion", "Urgency", "macro-F1", "keyword-baseline"):
        assert heading in out


def test_eval_bad_file_says_what_to_give(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--data", str(tmp_path / "missing.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_feedback_needs_a_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--with-feedback", "--quiet"]) == 1
    assert "--config" in capsys.readouterr().err


def test_feedback_config_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--with-feedback", "--config", str(tmp_path / "nope.toml"), "--quiet"]) == 1
    assert "not found" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    posts = read_labelled(DATA_DIR / "train.jsonl")
    by_intent = {i: [p for p in posts if p.intent == i][:4] for i in INTENTS}
    for name, part in (("train", slice(0, 3)), ("dev", slice(3, 4))):
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(p.record) + "\n" for group in by_intent.values() for p in group[part]), "utf-8")
    return folder


def test_train_with_feedback_shows_dev_before_and_after(tiny_data: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"text": "the Bankly app shows a blank screen", "lang": "en", "intent": "outage", "mention_id": 1}]
    monkeypatch.setattr(cli, "load_feedback_rows", lambda path: rows)
    code = cli.main(["train", "--with-feedback", "--config", "unused.toml", "--data-dir", str(tiny_data),
                     "--output", str(tmp_path / "model"), "--max-steps", "12", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "1 corrections from the store" in out
    assert "macro-F1 before" in out and "macro-F1 after" in out
    assert "SILOLESS_INTENTS_MODEL" in out
    assert (tmp_path / "model" / "meta.json").is_file()


def test_feedback_rows_come_from_the_configured_store(tmp_path: Path) -> None:
    config = tmp_path / "siloless.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "s.db"}"\n\n[brands.bankly]\nterms = ["Bankly"]\n\n'
                      '[[departments]]\nname = "support"\nintents = ["complaint"]\nslack_channel = "#support"\n'
                      'default = true\n', encoding="utf-8")
    assert cli.load_feedback_rows(config) == []


def test_bad_config_is_reported_with_the_core_message(tmp_path: Path) -> None:
    config = tmp_path / "siloless.toml"
    config.write_text('[store]\npath = "x.db"\n', encoding="utf-8")
    with pytest.raises(cli.FeedbackUnavailable, match="departments"):
        cli.load_feedback_rows(config)
