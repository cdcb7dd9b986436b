"""The spaCy side: loading a trained pipeline, and the parts ``config.cfg`` names.

``intents/config.cfg`` is declarative, so everything it refers to beyond spaCy's built-ins is
registered here under versioned names (a config written today keeps meaning the same thing):

* ``siloless.MentionsCorpus.v2`` reads our labelled JSONL (Mention + ``intent`` + ``urgency``) straight
  into training examples, so there is no ``.spacy`` conversion step to forget to rerun; its ``target``
  says what the examples teach: the 12 intents, the four urgency levels (what the learned critical
  detector is trained on, ``intents.urgency``), or ``critical`` vs ``not_critical`` (the detector's
  first, two-label form); v1 (intents only) stays so older configs load;
* ``siloless.RichLogger.v1`` shows training progress with rich (``intents.progress``);
* ``siloless.TextCatHashedNgrams.v1`` / ``.v2`` (``intents.ngrams``), textcat architectures;
* ``siloless.TextCatNBNgrams.v1`` (``intents.nbweights``), the same features over a naive-Bayes prior;
* ``siloless.FitNgramStats.v1``, an ``[initialize] after_init`` callback that fills the IDF table and
  the naive-Bayes ratio table from the labelled training posts (each step a no-op for architectures
  without that table); ``siloless.FitNgramIdf.v1``, its IDF-only predecessor, stays so older models load.

spaCy's own CLI can train from the same file: ``python -m spacy train intents/config.cfg
--code intents/pipeline.py``. Loading a trained model needs the architecture registered, which
importing this module (``load_model`` lives here) does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import registry
from spacy.vocab import Vocab

from intents import (
    nbweights,  # registers siloless.TextCatNBNgrams.v1
    ngrams,  # registers siloless.TextCatHashedNgrams.v1 and .v2
)
from intents.labels import INTENTS, URGENCIES
from intents.paths import ARCH_NAMES, MODEL_ENV, is_model_dir


def load_model(path: Path, vocab: Vocab | bool = True) -> Language:
    """Load a trained pipeline. Only the textcat runs, so loading is quick (no vectors, no parser).

    ``vocab`` is another pipeline's vocab when this one must read that pipeline's Docs (the critical detector).
    """
    if not is_model_dir(path):
        raise FileNotFoundError(
            f"no trained intent model in {path}: run `siloless train` to build one, "
            f"or unset {MODEL_ENV} to use the shipped model"
        )
    return spacy.load(path, vocab=vocab)


def model_label(nlp: Language) -> str:
    """What ``Verdict.model`` says: the architecture and the model's version, e.g. ``spacy-textcat:bow@0.1.0``."""
    arch = str(nlp.config["components"]["textcat"]["model"]["@architectures"])
    short = ARCH_NAMES.get(arch, arch)
    return f"spacy-textcat:{short}@{nlp.meta.get('version', '0.0.0')}"


#: What a training run can learn, and the labels of each (``[initialize.components.textcat] labels``).
TARGET_LABELS: dict[str, tuple[str, ...]] = {
    "intent": INTENTS, "urgency": URGENCIES, "critical": ("critical", "not_critical"),
}


def target_label(post: Any, target: str) -> str | None:
    """The label ``post`` teaches for ``target``; ``None`` when it has none (feedback rows carry no urgency)."""
    if target not in TARGET_LABELS:
        raise ValueError(f"unknown training target {target!r}: use one of {', '.join(TARGET_LABELS)}")
    if target == "intent":
        return str(post.intent)
    if post.urgency is None:
        return None
    if target == "critical":
        return "critical" if post.urgency == "critical" else "not_critical"
    return str(post.urgency)


@registry.readers("siloless.MentionsCorpus.v1")
def mentions_corpus(path: Path, limit: int = 0) -> Callable[[Language], Iterator[Example]]:
    """v2 with ``target = "intent"``, the only target v1 knew (kept so older configs still train)."""
    return mentions_corpus_v2(path, limit, target="intent")


@registry.readers("siloless.MentionsCorpus.v2")
def mentions_corpus_v2(path: Path, limit: int = 0, target: str = "intent") -> Callable[[Language], Iterator[Example]]:
    """Training examples from a labelled JSONL file, labelled for ``target`` (see ``TARGET_LABELS``)."""
    from intents.dataset import read_labelled

    labels = TARGET_LABELS.get(target)
    if labels is None:
        raise ValueError(f"unknown training target {target!r}: use one of {', '.join(TARGET_LABELS)}")

    def read(nlp: Language) -> Iterator[Example]:
        posts = read_labelled(Path(path))
        for post in posts[:limit] if limit else posts:
            label = target_label(post, target)
            if label is not None:
                cats = {name: float(name == label) for name in labels}
                yield Example.from_dict(nlp.make_doc(post.text), {"cats": cats})

    return read


@registry.callbacks("siloless.FitNgramIdf.v1")
def fit_ngram_idf(path: Path) -> Callable[[Language], Language]:
    """After initialisation: IDF of every hashed n-gram over the training posts at ``path``."""
    from intents.dataset import read_labelled

    def fit(nlp: Language) -> Language:
        if "textcat" in nlp.pipe_names:
            docs = [nlp.make_doc(post.text) for post in read_labelled(Path(path))]
            ngrams.fit_idf(nlp.get_pipe("textcat").model, docs)
        return nlp

    return fit


@registry.callbacks("siloless.FitNgramStats.v1")
def fit_ngram_stats(path: Path, target: str = "intent") -> Callable[[Language], Language]:
    """After initialisation: the IDF table, then the naive-Bayes ratios for ``target``, from the posts at ``path``."""
    from intents.dataset import read_labelled

    def fit(nlp: Language) -> Language:
        if "textcat" in nlp.pipe_names:
            textcat = nlp.get_pipe("textcat")
            posts = [(post, label) for post in read_labelled(Path(path))
                     if (label := target_label(post, target)) is not None]
            docs = [nlp.make_doc(post.text) for post, _ in posts]
            ngrams.fit_idf(textcat.model, docs)
            column = {label: i for i, label in enumerate(textcat.labels)}
            nbweights.fit_nb_ratios(textcat.model, docs, [column[label] for _, label in posts])
        return nlp

    return fit


@registry.loggers("siloless.RichLogger.v1")
def rich_logger(progress: bool = True) -> Any:
    """A progress bar over ``training.max_steps`` plus a line per dev evaluation (rich)."""
    from intents.progress import make_rich_logger

    return make_rich_logger(progress=progress)
