"""Where the model and its config live. No spaCy import here, so ``import intents`` stays light."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The model shipped with the package; ``siloless train`` rebuilds it.
DEFAULT_MODEL_DIR = PACKAGE_DIR / "model"
#: Point classification at another trained model (e.g. one retrained with people's feedback).
MODEL_ENV = "SILOLESS_INTENTS_MODEL"
BASE_CONFIG = PACKAGE_DIR / "config.cfg"
#: Merged over the base config to train the learned critical detector, shipped in ``<model>/critical``.
CRITICAL_CONFIG = PACKAGE_DIR / "config.critical.cfg"
CRITICAL_SUBDIR = "critical"
#: Textcat architectures with a ``config.<arch>.cfg`` block that ``siloless train --arch`` swaps in.
ARCHITECTURES: tuple[str, ...] = (
    "bow", "ensemble", "reduce", "ngrams", "ngrams-tfidf", "ngrams-tok2vec", "ngrams-nb",
)
#: Short names for the registered architectures, as ``Verdict.model`` and the docs say them.
ARCH_NAMES: dict[str, str] = {
    "spacy.TextCatBOW.v3": "bow",
    "spacy.TextCatEnsemble.v2": "ensemble",
    "spacy.TextCatReduce.v1": "reduce",
    "siloless.TextCatHashedNgrams.v1": "ngrams",
    "siloless.TextCatHashedNgrams.v2": "ngrams-tfidf",
    "siloless.TextCatNgramsTok2Vec.v1": "ngrams-tok2vec",
    "siloless.TextCatNBNgrams.v1": "ngrams-nb",
}


def model_dir() -> Path:
    """Where ``classify`` loads its model from: ``$SILOLESS_INTENTS_MODEL`` or the shipped one."""
    override = os.environ.get(MODEL_ENV)
    return Path(override).expanduser() if override else DEFAULT_MODEL_DIR


def is_model_dir(path: Path) -> bool:
    """A trained spaCy pipeline directory (what ``nlp.to_disk`` writes)."""
    return (path / "config.cfg").is_file() and (path / "meta.json").is_file()
