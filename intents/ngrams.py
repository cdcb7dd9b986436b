"""``siloless.TextCatHashedNgrams.v1``: a linear textcat over hashed word *and character* n-grams.

Why a fourth candidate next to spaCy's three: on ~1,500 short, noisy training posts spaCy's
``TextCatBOW.v3`` overfits within two epochs (it sees case-sensitive whole tokens only, so
"Refund", "refund" and "refunded" are three unrelated features), and the tok2vec models have too
little data to learn embeddings from scratch. What generalises here is what a TF-IDF baseline
uses: lower-cased, accent-free words and the character n-grams inside them, which tie together
typos, inflections and Dutch compounds ("terugbetaling", "terugbetalen", "geld terug").
docs/classifier.md has the measured comparison.

The model is ``features >> SparseLinear_v2 >> softmax``: the same sparse linear layer and softmax
spaCy's BOW uses, fed by a different, parameter-free feature extractor:

* word n-grams (1..``word_ngram_size``) over normalised tokens: folded text, with URLs, @handles
  and numbers mapped to one placeholder each (a brand's handle says nothing about intent);
* character n-grams (``char_ngram_min``..``char_ngram_max``) of each word padded with ``<``/``>``;
* values are counts scaled to unit length per document, so long posts do not shout louder.

Keys are 64-bit hashes (murmurhash via ``spacy.strings.hash_string``), folded into ``length``
rows by the sparse layer; character n-grams of a word are cached, because words repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from spacy.strings import hash_string
from spacy.tokens import Doc, Token
from spacy.util import registry
from thinc.api import Model, SparseLinear_v2, chain, softmax_activation
from thinc.types import Floats2d

from intents.text import fold

Features = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys (uint64), values (float32), lengths (int32)


@registry.architectures("siloless.TextCatHashedNgrams.v1")
def build_hashed_ngram_textcat(
    exclusive_classes: bool = True,
    word_ngram_size: int = 2,
    char_ngram_min: int = 3,
    char_ngram_max: int = 5,
    length: int = 262144,
    word_weight: float = 1.0,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    if not exclusive_classes:
        raise ValueError("siloless.TextCatHashedNgrams.v1 is for exclusive classes (one intent per post)")
    if not 1 <= char_ngram_min <= char_ngram_max:
        raise ValueError(f"char n-gram range {char_ngram_min}..{char_ngram_max} is empty; use e.g. 3..5")
    features = hashed_ngram_features(word_ngram_size, char_ngram_min, char_ngram_max, word_weight)
    linear = SparseLinear_v2(nO=nO, length=2 ** (length - 1).bit_length())
    model: Model[list[Doc], Floats2d] = chain(features, linear, softmax_activation())
    model.set_ref("output_layer", linear)
    model.attrs["multi_label"] = False
    return model


def hashed_ngram_features(
    word_ngram_size: int, char_min: int, char_max: int, word_weight: float = 1.0
) -> Model[list[Doc], Features]:
    attrs = {"word_ngram_size": word_ngram_size, "char_min": char_min, "char_max": char_max, "word_weight": word_weight}
    return Model("hashed_ngram_features", _forward, attrs=attrs)


def _forward(model: Model[list[Doc], Features], docs: list[Doc], is_train: bool) -> tuple[Features, Callable[..., Any]]:
    size, lo, hi = model.attrs["word_ngram_size"], model.attrs["char_min"], model.attrs["char_max"]
    weight = float(model.attrs.get("word_weight", 1.0))
    per_doc = [doc_features(doc, size, lo, hi, weight) for doc in docs]
    lengths = np.asarray([len(keys) for keys, _ in per_doc], dtype="int32")
    if per_doc:
        keys = np.concatenate([k for k, _ in per_doc]).astype("uint64")
        values = np.concatenate([v for _, v in per_doc]).astype("float32")
    else:
        keys, values = np.zeros((0,), dtype="uint64"), np.zeros((0,), dtype="float32")

    def backprop(d_output: Any) -> list[Doc]:
        return []  # no parameters below this layer

    return (keys, values, lengths), backprop


def doc_features(
    doc: Doc, word_ngram_size: int, char_min: int, char_max: int, word_weight: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Unique feature hashes of one doc, with counts scaled to unit length per block (words, characters).

    Scaling the two blocks separately keeps the ~10 character n-grams per word from drowning
    the word features (a TF-IDF feature union does the same).
    """
    norms = [normalise(token) for token in doc if not token.is_space]
    words: list[int] = []
    for n in range(1, word_ngram_size + 1):
        words.extend(hash_string(f"w{n}|" + " ".join(norms[i : i + n])) for i in range(len(norms) - n + 1))
    chars: list[int] = []
    for norm in norms:
        if not norm.startswith("<"):
            chars.extend(char_ngrams(norm, char_min, char_max))
    blocks = [_unit_counts(words, word_weight), _unit_counts(chars, 1.0)]
    return np.concatenate([k for k, _ in blocks]), np.concatenate([v for _, v in blocks])


def _unit_counts(hashes: list[int], weight: float) -> tuple[np.ndarray, np.ndarray]:
    if not hashes:
        return np.zeros((0,), dtype="uint64"), np.zeros((0,), dtype="float32")
    keys, counts = np.unique(np.asarray(hashes, dtype="uint64"), return_counts=True)
    values = counts.astype("float32")
    values *= weight / np.sqrt((values * values).sum())
    return keys, values


def normalise(token: Token) -> str:
    """One token as the model sees it: folded, with URLs, handles and numbers as placeholders."""
    text = token.text
    if token.like_url:
        return "<url>"
    if text.startswith("@") and len(text) > 1:
        return "<at>"
    if token.like_num or text.isdigit():
        return "<num>"
    return fold(text)


@lru_cache(maxsize=100_000)
def char_ngrams(word: str, lo: int, hi: int) -> tuple[int, ...]:
    padded = f"<{word}>"
    return tuple(
        hash_string(f"c|{padded[i : i + n]}") for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)
    )
