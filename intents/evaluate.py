"""Scores for a labelled file: intent and urgency, overall and per language. Pure Python, no sklearn.

``evaluate(classifier, posts)`` runs the classifier the way production does (text + metadata +
the source's language tag, never the labels) and returns one JSON-ready dict, which
``siloless eval`` prints as rich tables or as JSON. Definitions follow scikit-learn's so numbers
compare with the TF-IDF baseline's: macro-F1 is the unweighted mean over every label that
occurs in the gold *or* the predictions; a label never predicted has precision 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from intents.dataset import LabelledPost
from intents.labels import INTENTS, URGENCIES
from intents.verdict import Post, Verdict


class Classifies(Protocol):
    name: str

    def classify_many(self, posts: Sequence[Post]) -> list[Verdict]: ...


def label_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label precision/recall/F1/support and the confusion matrix (rows = gold)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g]][index[p]] += 1
    per_label: dict[str, dict[str, float]] = {}
    present = []
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support or predicted:
            present.append(f1)
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(matrix[i][i] for i in range(len(labels))) / n if n else 0.0,
        "macro_f1": sum(present) / len(present) if present else 0.0,
        "labels": per_label,
        "confusion": {"labels": list(labels), "matrix": matrix},
    }


def urgency_report(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy and recall per level, plus recall of high+critical together (what matters most)."""
    report = label_report(gold, pred, URGENCIES)
    report["recall"] = {level: report["labels"][level]["recall"] for level in URGENCIES}
    urgent = [(g, p) for g, p in zip(gold, pred, strict=True) if g in ("high", "critical")]
    report["high_or_critical_recall"] = (
        sum(1 for g, p in urgent if p in ("high", "critical")) / len(urgent) if urgent else 0.0
    )
    report["under_called"] = sum(1 for g, p in zip(gold, pred, strict=True) if URGENCIES.index(p) < URGENCIES.index(g))
    return report


def evaluate(classifier: Classifies, posts: Sequence[LabelledPost], data: str = "") -> dict[str, Any]:
    """Every number ``siloless eval`` shows, for ``posts``, overall and per gold language."""
    verdicts = classifier.classify_many([post.to_post() for post in posts])
    langs = sorted({post.lang or "und" for post in posts})
    groups: dict[str, list[int]] = {"all": list(range(len(posts)))}
    for lang in langs:
        groups[lang] = [i for i, post in enumerate(posts) if (post.lang or "und") == lang]
    result: dict[str, Any] = {"data": data, "model": classifier.name, "n": len(posts), "intent": {}, "urgency": {}}
    for group, idx in groups.items():
        result["intent"][group] = label_report(
            [posts[i].intent for i in idx], [verdicts[i].intent for i in idx], INTENTS
        )
        with_urgency = [i for i in idx if posts[i].urgency]
        result["urgency"][group] = urgency_report(
            [str(posts[i].urgency) for i in with_urgency], [verdicts[i].urgency for i in with_urgency]
        )
    tagged = [i for i, post in enumerate(posts) if post.lang]
    agree = sum(1 for i in tagged if verdicts[i].lang == posts[i].lang)
    result["language"] = {"n": len(tagged), "detected_equals_tag": agree / len(tagged) if tagged else 0.0}
    return result


def mistakes(classifier: Classifies, posts: Sequence[LabelledPost]) -> list[dict[str, Any]]:
    """Every post whose intent or urgency was wrong, for reading (docs/classifier.md's misses)."""
    out = []
    for post, verdict in zip(posts, classifier.classify_many([p.to_post() for p in posts]), strict=True):
        if verdict.intent != post.intent or (post.urgency and verdict.urgency != post.urgency):
            out.append({"id": post.id, "lang": post.lang, "text": post.text, "intent": post.intent,
                        "predicted_intent": verdict.intent, "urgency": post.urgency,
                        "predicted_urgency": verdict.urgency, "reasons": list(verdict.urgency_reasons)})
    return out
