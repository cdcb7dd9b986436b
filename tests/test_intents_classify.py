"""The contract the core relies on: ``classify`` / ``classify_many`` and the ``Verdict`` they return."""

from __future__ import annotations

from pathlib import Path

import pytest

import intents
from intents import Post, Verdict, classify, classify_many
from intents.labels import INTENTS, URGENCIES
from intents.paths import DEFAULT_MODEL_DIR, MODEL_ENV, is_model_dir


@pytest.fixture(autouse=True)
def fresh_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    intents.reset()
    yield
    intents.reset()


def test_the_model_ships_with_the_package() -> None:
    assert is_model_dir(DEFAULT_MODEL_DIR), "run `siloless train` to build intents/model/"


def test_verdict_shape_and_scores_over_all_labels() -> None:
    verdict = classify(Post("Bankly charged me twice this month, I want a refund", followers=120))
    assert isinstance(verdict, Verdict)
    assert set(verdict.intent_scores) == set(INTENTS)
    assert sum(verdict.intent_scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert verdict.intent == max(verdict.intent_scores, key=verdict.intent_scores.__getitem__)
    assert verdict.urgency in URGENCIES
    assert verdict.lang == "en"
    assert verdict.model.startswith("spacy-textcat:")


def test_classify_many_keeps_order_and_accepts_strings() -> None:
    texts = ["Love the new app, thank you!", "Mijn advocaat neemt contact op over de schade",
             "Journalist here, can I get a comment on the outage for tonight's story?"]
    verdicts = classify_many([texts[0], Post(texts[1]), texts[2]])
    assert [v.lang for v in verdicts] == ["en", "nl", "en"]
    assert verdicts[0].urgency == "low"
    assert verdicts[1].urgency == "critical"  # the legal threat holds whatever intent the model picks
    assert classify_many([]) == []


def test_metadata_raises_urgency() -> None:
    angry = "Worst service I have ever had, still no refund after six weeks. Unacceptable."
    assert classify(Post(angry, followers=300_000)).urgency == "critical"


def test_source_language_tag_is_a_hint() -> None:
    assert classify(Post("top!", lang="nl")).lang == "nl"


def test_missing_model_falls_back_to_keywords_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "no-model-here"))
    intents.reset()
    verdict = classify("My lawyer will sue Bankly")
    assert verdict.model.startswith("keyword-baseline (fallback: no trained model at")
    assert verdict.intent == "legal"
    assert sum(verdict.intent_scores.values()) == pytest.approx(1.0)


def test_broken_model_directory_is_an_error_not_a_silent_fallback(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    intents.reset()
    with pytest.raises(FileNotFoundError, match="siloless train"):
        classify("hello there friends")


def test_model_loads_once() -> None:
    first = intents.default_classifier()
    classify("one two three")
    assert intents.default_classifier() is first
