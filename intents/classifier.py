"""Text + metadata → ``Verdict``: language, intent scores from the model, urgency from rules.

A ``Classifier`` wraps one trained spaCy pipeline (or, when none is installed, the keyword
baseline) and classifies posts in batches through ``nlp.pipe``. When the model folder also holds
the learned critical detector (``<model>/critical``, trained by ``siloless train``), its probability
that a post is critical goes to the urgency rules as one more never-miss signal. ``intents.classify`` keeps one
process-wide instance; tools that compare models (``siloless eval --model``, the benchmarks)
build their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from intents import baseline
from intents.labels import INTENTS
from intents.langid import detect_language
from intents.paths import CRITICAL_SUBDIR, is_model_dir
from intents.urgency import assess_urgency
from intents.verdict import Post, Verdict

BATCH_SIZE = 256
KEYWORD_BASELINE = "keyword-baseline"

ScoreFn = Callable[[list[str]], list[dict[str, float]]]
CriticalFn = Callable[[list[str]], list[float]]


class Classifier:
    """One intent model plus the shared language and urgency steps."""

    def __init__(
        self, score: ScoreFn, name: str, pick: Callable[[dict[str, float]], str] | None = None,
        critical: CriticalFn | None = None,
    ) -> None:
        self._score = score
        self._pick = pick or _top
        self._critical = critical
        self.name = name
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    @classmethod
    def from_dir(cls, path: Path) -> Classifier:
        """The trained spaCy pipeline in ``path`` (``FileNotFoundError`` says how to build one)."""
        from intents.pipeline import load_model, model_label

        nlp = load_model(path)

        def score(texts: list[str]) -> list[dict[str, float]]:
            return [_normalised(doc.cats) for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)]

        return cls(score, model_label(nlp), critical=_critical_detector(path / CRITICAL_SUBDIR))

    @classmethod
    def keyword_baseline(cls, note: str = "") -> Classifier:
        """The keyword rules (``intents.baseline``); ``note`` says why, e.g. the model is missing."""
        name = f"{KEYWORD_BASELINE} ({note})" if note else KEYWORD_BASELINE
        return cls(lambda texts: [baseline.scores(t) for t in texts], name, pick=baseline.best)

    def classify_many(self, posts: Sequence[Post | str]) -> list[Verdict]:
        items = [p if isinstance(p, Post) else Post(text=p) for p in posts]
        if not items:
            return []
        texts = [p.text for p in items]
        with self._lock:
            tables = self._score(texts)
            chances: list[float | None] = list(self._critical(texts)) if self._critical else [None] * len(items)
        return [self._verdict(post, table, chance) for post, table, chance in zip(items, tables, chances, strict=True)]

    def classify(self, post: Post | str) -> Verdict:
        return self.classify_many([post])[0]

    def _verdict(self, post: Post, table: dict[str, float], critical_chance: float | None = None) -> Verdict:
        lang = detect_language(post.text, hint=post.lang)
        intent = self._pick(table)
        level, reasons = assess_urgency(post, intent, lang, critical_chance=critical_chance)
        extra: dict[str, Any] = {"intent_confidence": table[intent]}
        if critical_chance is not None:
            extra["critical_chance"] = round(critical_chance, 4)
        return Verdict(lang=lang, intent=intent, intent_scores=table, urgency=level,
                       urgency_reasons=reasons, model=self.name, extra=extra)


def _critical_detector(path: Path) -> CriticalFn | None:
    """The learned critical detector in ``path``, or ``None`` when the model was shipped without one."""
    from intents.pipeline import load_model

    if not is_model_dir(path):
        return None
    nlp = load_model(path)

    def chances(texts: list[str]) -> list[float]:
        return [float(doc.cats.get("critical", 0.0)) for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)]

    return chances


def _normalised(cats: dict[str, float]) -> dict[str, float]:
    """Exactly the 12 intent labels, in contract order, summing to 1 (softmax output already does)."""
    table = {label: float(cats.get(label, 0.0)) for label in INTENTS}
    total = sum(table.values())
    if total <= 0:
        return {label: float(label == "other") for label in INTENTS}
    return {label: value / total for label, value in table.items()}


def _top(table: dict[str, float]) -> str:
    """Highest score; ties go to the label listed first in ``INTENTS``."""
    return max(INTENTS, key=lambda label: table[label])
