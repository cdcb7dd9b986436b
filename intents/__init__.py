"""Intent, urgency and language for a public post: the one entry point the core calls.

``classify(post)`` / ``classify_many(posts)`` return ``Verdict``s. The trained spaCy model shipped
in ``intents/model/`` (or the one ``$SILOLESS_INTENTS_MODEL`` points at) is loaded lazily, once,
on first use. Only when that directory is missing does the keyword baseline (``intents.baseline``)
answer, and ``Verdict.model`` then says so. This package never imports ``bot`` or ``adapters``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version

from intents.classifier import Classifier
from intents.labels import INTENTS, URGENCIES
from intents.paths import model_dir
from intents.verdict import Post, Verdict

__all__ = [
    "INTENTS", "URGENCIES", "Classifier", "Post", "Verdict", "classify", "classify_many", "default_classifier", "reset",
]

try:
    __version__ = version("siloless")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_default: Classifier | None = None


def classify(post: Post | str) -> Verdict:
    return classify_many([post])[0]


def classify_many(posts: Iterable[Post | str]) -> list[Verdict]:
    """Classify in input order, batched through ``nlp.pipe``."""
    return default_classifier().classify_many(list(posts))


def default_classifier() -> Classifier:
    """The process-wide classifier, loaded on first use (double-checked under a lock)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = _load_default()
    return _default


def reset() -> None:
    """Forget the loaded model, so the next call loads again (after ``siloless train``, in tests)."""
    global _default
    with _lock:
        _default = None


def _load_default() -> Classifier:
    path = model_dir()
    if not path.exists():
        note = f"fallback: no trained model at {path}; run `siloless train`"
        _log.warning("intent model missing, using the keyword baseline (%s)", note)
        return Classifier.keyword_baseline(note)
    return Classifier.from_dir(path)
