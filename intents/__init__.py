"""Intent, urgency and language for a public post: the one entry point the core calls.

``classify(post)`` / ``classify_many(posts)`` return ``Verdict``s. When a trained spaCy model is
shipped in ``intents/model/`` it is used; otherwise the keyword baseline (``intents.baseline``)
answers and says so in ``Verdict.model``. This package never imports ``bot`` or ``adapters``.
"""

from __future__ import annotations

from collections.abc import Iterable

from intents import baseline
from intents.labels import INTENTS, URGENCIES
from intents.langid import detect_language
from intents.urgency import assess_urgency
from intents.verdict import Post, Verdict

__all__ = ["INTENTS", "URGENCIES", "Post", "Verdict", "classify", "classify_many"]


def classify(post: Post | str) -> Verdict:
    return classify_many([post])[0]


def classify_many(posts: Iterable[Post | str]) -> list[Verdict]:
    """Classify in order; batched so a trained model can use ``nlp.pipe``."""
    items = [p if isinstance(p, Post) else Post(text=p) for p in posts]
    out: list[Verdict] = []
    for post in items:
        table = baseline.scores(post.text)
        intent = baseline.predict(post.text)
        lang = post.lang or detect_language(post.text)
        level, reasons = assess_urgency(post, intent, lang)
        out.append(Verdict(lang=lang, intent=intent, intent_scores=table, urgency=level,
                           urgency_reasons=reasons, model="keyword-baseline"))
    return out
