"""The metrics behind ``siloless eval``, against numbers worked out by hand."""

from __future__ import annotations

import pytest

from intents.classifier import Classifier
from intents.dataset import LabelledPost
from intents.evaluate import evaluate, label_report, urgency_report


def test_label_report_matches_hand_computation() -> None:
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    report = label_report(gold, pred, ["a", "b", "c"])
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["labels"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["labels"]["b"]["precision"] == pytest.approx(2 / 3)
    assert report["labels"]["b"]["f1"] == pytest.approx(0.8)
    assert report["labels"]["c"]["f1"] == 0.0
    assert report["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert report["confusion"]["matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]


def test_labels_absent_from_gold_and_predictions_do_not_count() -> None:
    report = label_report(["a", "b"], ["a", "b"], ["a", "b", "c"])
    assert report["macro_f1"] == 1.0


def test_urgency_report_counts_under_calls_and_urgent_recall() -> None:
    report = urgency_report(["critical", "high", "low", "normal"], ["high", "critical", "low", "low"])
    assert report["recall"]["critical"] == 0.0
    assert report["high_or_critical_recall"] == 1.0
    assert report["under_called"] == 2


def test_evaluate_groups_by_language() -> None:
    posts = [LabelledPost(id="1", text="thanks, great help", intent="praise", lang="en", urgency="low"),
             LabelledPost(id="2", text="bedankt, top service", intent="praise", lang="nl", urgency="low"),
             LabelledPost(id="3", text="my lawyer will sue you", intent="legal", lang="en", urgency="critical")]
    result = evaluate(Classifier.keyword_baseline(), posts, data="x")
    assert set(result["intent"]) == {"all", "en", "nl"}
    assert result["intent"]["all"]["n"] == 3
    assert result["intent"]["all"]["accuracy"] == 1.0
    assert result["urgency"]["all"]["recall"]["critical"] == 1.0
    assert result["model"] == "keyword-baseline"
