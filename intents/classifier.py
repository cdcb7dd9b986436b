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
from typing import TYPE_CHECKING, Any

from intents import baseline
from intents.labels import INTENTS
from intents.langid import detect_language
from intents.paths import CRITICAL_SUBDIR, is_model_dir
from intents.urgency import assess_urgency
from intents.verdict import Post, Verdict

if TYPE_CHECKING:
    from spacy.language import Language

BATCH_SIZE = 256
KEYWORD_BASELINE = "keyword-baseline"

ScoreFn = Callable[[list[str]], list[dict[str, float]]]
#: Intent tables and critical chances (``None`` without a detector) for a batch of texts, in one pass.
AnalyseFn = Callable[[list[str]], tuple[list[dict[str, float]], list[float | None]]]


class Classifier:
    """One intent model plus the shared language and urgency steps."""

    def __init__(
        self, score: ScoreFn | None, name: str, pick: Callable[[dict[str, float]], str] | None = None,
        *, analyse: AnalyseFn | None = None,
    ) -> None:
        """``score`` gives intent tables only (no detector); ``analyse`` gives tables and critical chances."""
        if analyse is None:
            if score is None:
                raise ValueError("a Classifier needs score (texts -> intent tables) or analyse")
            analyse = _without_detector(score)
        self._analyse = analyse
        self._pick = pick or _top
        self.name = name
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    @classmethod
    def from_dir(cls, path: Path) -> Classifier:
        """The trained spaCy pipeline in ``path`` (``FileNotFoundError`` says how to build one)."""
        from intents.pipeline import load_model, model_label

        nlp = load_model(path)
        detector = _critical_detector(path / CRITICAL_SUBDIR, nlp)

        def analyse(texts: list[str]) -> tuple[list[dict[str, float]], list[float | None]]:
            tables: list[dict[str, float]] = []
            chances: list[float | None] = []
            for start in range(0, len(texts), BATCH_SIZE):  # a batch's Docs at a time, never all of them
                docs = list(nlp.pipe(texts[start : start + BATCH_SIZE], batch_size=BATCH_SIZE))
                tables.extend(_normalised(doc.cats) for doc in docs)  # before the detector adds its own cats
                if detector is None:
                    chances.extend([None] * len(docs))
                    continue
                # The detector shares the intent model's vocab, so it reads these same Docs: each post
                # is tokenised and its n-grams hashed once for both models (ngrams.doc_hashes caches them).
                chances.extend(float(doc.cats.get("critical", 0.0)) for doc in detector.pipe(docs))
            return tables, chances

        return cls(None, model_label(nlp), analyse=analyse)

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
            tables, chances = self._analyse(texts)
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


def _critical_detector(path: Path, intent_nlp: Language) -> Language | None:
    """The learned critical detector in ``path`` on ``intent_nlp``'s vocab, or ``None`` when the model has none."""
    from intents.pipeline import load_model

    if not is_model_dir(path):
        return None
    return load_model(path, vocab=intent_nlp.vocab)


def _without_detector(score: ScoreFn) -> AnalyseFn:
    def analyse(texts: list[str]) -> tuple[list[dict[str, float]], list[float | None]]:
        return score(texts), [None] * len(texts)

    return analyse


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
