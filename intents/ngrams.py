"""``siloless.TextCatHashedNgrams.v1``/``.v2``: a linear textcat over hashed word *and character* n-grams.

Why our own candidates next to spaCy's three: on a few thousand short, noisy training posts spaCy's
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

``siloless.TextCatHashedNgrams.v2`` weights the same features the way TF-IDF does, which is what
the TF-IDF + logistic regression baseline had over v1 (dev macro-F1 +0.04 in scikit-learn when IDF
is switched on): counts become ``1 + log(count)`` (sublinear TF) and each feature is multiplied by
its inverse document frequency, ``ln((1 + n) / (1 + df)) + 1``, so the character n-grams every
post shares ("e ", "<th") stop dominating the unit-length vector. The IDF table is a parameter of
the feature layer (``idf_length`` floats, indexed by hash, like a hashing TF-IDF), filled from the
training posts once after initialisation by ``siloless.FitNgramIdf.v1`` (``intents.pipeline``) and
saved with the model; until then every IDF is 1. v1 stays registered so older models still load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from spacy.strings import hash_string
from spacy.tokens import Doc, Token
from spacy.util import registry
from thinc.api import (
    Linear,
    Model,
    SparseLinear_v2,
    add,
    chain,
    concatenate,
    list2ragged,
    reduce_max,
    reduce_mean,
    softmax_activation,
)
from thinc.types import Floats2d

from intents.text import fold

Features = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys (uint64), values (float32), lengths (int32)
_HASH_CACHE = "siloless.ngram_hashes"  # doc.user_data key prefix of doc_hashes' cache


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
    check_ngram_settings("siloless.TextCatHashedNgrams.v1", exclusive_classes, char_ngram_min, char_ngram_max)
    features = hashed_ngram_features(word_ngram_size, char_ngram_min, char_ngram_max, word_weight)
    return linear_textcat(features, SparseLinear_v2(nO=nO, length=2 ** (length - 1).bit_length()))


@registry.architectures("siloless.TextCatHashedNgrams.v2")
def build_hashed_ngram_textcat_v2(
    exclusive_classes: bool = True,
    word_ngram_size: int = 2,
    char_ngram_min: int = 2,
    char_ngram_max: int = 5,
    length: int = 65536,
    word_weight: float = 1.0,
    sublinear_tf: bool = True,
    idf_length: int = 65536,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """v1's model with TF-IDF weighting (sublinear counts, IDF per hashed feature; see the module docstring)."""
    check_ngram_settings("siloless.TextCatHashedNgrams.v2", exclusive_classes, char_ngram_min, char_ngram_max)
    features = hashed_ngram_features(word_ngram_size, char_ngram_min, char_ngram_max, word_weight,
                                     sublinear_tf=sublinear_tf, idf_length=idf_length)
    return linear_textcat(features, SparseLinear_v2(nO=nO, length=2 ** (length - 1).bit_length()))


@registry.architectures("siloless.TextCatNgramsTok2Vec.v1")
def build_ngrams_tok2vec_textcat(
    tok2vec: Model[list[Doc], list[Floats2d]],
    exclusive_classes: bool = True,
    word_ngram_size: int = 2,
    char_ngram_min: int = 2,
    char_ngram_max: int = 5,
    length: int = 65536,
    idf_length: int = 65536,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """A candidate, not shipped: v2's linear TF-IDF scores plus a tok2vec's (mean+max pooled) scores, one softmax.

    Unlike spaCy's TextCatEnsemble.v2, which feeds the linear model's *probabilities* into a second
    softmax, the two parts add their logits ("wide and deep"), so each can correct the other.
    """
    check_ngram_settings("siloless.TextCatNgramsTok2Vec.v1", exclusive_classes, char_ngram_min, char_ngram_max)
    features = hashed_ngram_features(word_ngram_size, char_ngram_min, char_ngram_max, 1.0,
                                     sublinear_tf=True, idf_length=idf_length)
    linear = SparseLinear_v2(nO=nO, length=2 ** (length - 1).bit_length())
    deep = chain(tok2vec, list2ragged(), concatenate(reduce_mean(), reduce_max()), Linear(nO=nO))
    model: Model[list[Doc], Floats2d] = chain(add(chain(features, linear), deep), softmax_activation())
    model.set_ref("output_layer", linear)
    model.set_ref("features", features)
    model.set_ref("tok2vec", tok2vec)
    model.attrs["multi_label"] = False
    return model


def linear_textcat(
    features: Model[list[Doc], Features], linear: Model[Features, Floats2d]
) -> Model[list[Doc], Floats2d]:
    """``features >> linear >> softmax`` with the refs spaCy's textcat and our fitting callbacks look up."""
    model: Model[list[Doc], Floats2d] = chain(features, linear, softmax_activation())
    model.set_ref("output_layer", linear)
    model.set_ref("features", features)
    model.attrs["multi_label"] = False
    return model


def check_ngram_settings(arch: str, exclusive_classes: bool, char_min: int, char_max: int) -> None:
    """The settings every n-gram architecture shares, checked with an error that says the fix."""
    if not exclusive_classes:
        raise ValueError(f"{arch} is for exclusive classes (one intent per post); set exclusive_classes = true")
    if not 1 <= char_min <= char_max:
        raise ValueError(f"char n-gram range {char_min}..{char_max} is empty; use e.g. 2..5")


def hashed_ngram_features(
    word_ngram_size: int, char_min: int, char_max: int, word_weight: float = 1.0, *,
    sublinear_tf: bool = False, idf_length: int = 0,
) -> Model[list[Doc], Features]:
    attrs: dict[str, Any] = {"word_ngram_size": word_ngram_size, "char_min": char_min, "char_max": char_max,
                             "word_weight": word_weight, "sublinear_tf": sublinear_tf}
    if not idf_length:
        return Model("hashed_ngram_features", _forward, attrs=attrs)
    rows = 2 ** (idf_length - 1).bit_length()
    return Model("hashed_ngram_features", _forward, init=_init_idf, params={"idf": None}, dims={"idf_length": rows},
                 attrs=attrs)


def _init_idf(model: Model[list[Doc], Features], X: Any = None, Y: Any = None) -> Model[list[Doc], Features]:
    if not model.has_param("idf"):
        model.set_param("idf", model.ops.xp.ones((model.get_dim("idf_length"),), dtype="float32"))
    return model


def fit_idf(model: Model[Any, Any], docs: list[Doc]) -> int:
    """Set the IDF table of every TF-IDF feature layer in ``model`` from ``docs``; how many layers were set."""
    fitted = 0
    for node in model.walk():
        if node.name != "hashed_ngram_features" or not node.has_dim("idf_length"):
            continue
        rows = node.get_dim("idf_length")
        size, lo, hi = node.attrs["word_ngram_size"], node.attrs["char_min"], node.attrs["char_max"]
        df = np.zeros((rows,), dtype="float64")
        for doc in docs:
            words, chars = doc_hashes(doc, size, lo, hi)
            present = np.unique(np.asarray(words + chars, dtype="uint64") % np.uint64(rows)).astype("int64")
            df[present] += 1
        idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
        node.set_param("idf", node.ops.asarray1f(idf.astype("float32")))
        fitted += 1
    return fitted


def _forward(model: Model[list[Doc], Features], docs: list[Doc], is_train: bool) -> tuple[Features, Callable[..., Any]]:
    size, lo, hi = model.attrs["word_ngram_size"], model.attrs["char_min"], model.attrs["char_max"]
    weight = float(model.attrs.get("word_weight", 1.0))
    sublinear = bool(model.attrs.get("sublinear_tf", False))
    idf = model.get_param("idf") if model.has_param("idf") else None
    per_doc = [doc_features(doc, size, lo, hi, weight, sublinear=sublinear, idf=idf) for doc in docs]
    lengths = np.asarray([len(keys) for keys, _ in per_doc], dtype="int32")
    if per_doc:
        keys = np.concatenate([k for k, _ in per_doc]).astype("uint64")
        values = np.concatenate([v for _, v in per_doc]).astype("float32")
    else:
        keys, values = np.zeros((0,), dtype="uint64"), np.zeros((0,), dtype="float32")

    def backprop(d_output: Any) -> list[Doc]:
        return []  # no parameters below this layer

    return (keys, values, lengths), backprop


def doc_hashes(doc: Doc, word_ngram_size: int, char_min: int, char_max: int) -> tuple[list[int], list[int]]:
    """The word n-gram and character n-gram hashes of one doc, repeats included (callers must not change them).

    Cached on the Doc (``doc.user_data``) per setting, because hashing is most of a prediction's cost
    and the same Doc is read more than once: by the intent model and then the critical detector
    (``intents.classifier``), and by the IDF and naive-Bayes fits at initialisation.
    """
    key = (_HASH_CACHE, word_ngram_size, char_min, char_max)
    cached = doc.user_data.get(key)
    if cached is not None:
        return cached
    norms = [normalise(token) for token in doc if not token.is_space]
    words: list[int] = []
    for n in range(1, word_ngram_size + 1):
        words.extend(hash_string(f"w{n}|" + " ".join(norms[i : i + n])) for i in range(len(norms) - n + 1))
    chars: list[int] = []
    for norm in norms:
        if not norm.startswith("<"):
            chars.extend(char_ngrams(norm, char_min, char_max))
    hashes = doc.user_data[key] = (words, chars)
    return hashes


def doc_features(
    doc: Doc, word_ngram_size: int, char_min: int, char_max: int, word_weight: float = 1.0, *,
    sublinear: bool = False, idf: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique feature hashes of one doc, with counts scaled to unit length per block (words, characters).

    Scaling the two blocks separately keeps the ~10 character n-grams per word from drowning
    the word features (a TF-IDF feature union does the same). ``sublinear`` uses ``1 + log(count)``,
    ``idf`` (a table indexed by hash) multiplies each feature by its inverse document frequency.
    """
    words, chars = doc_hashes(doc, word_ngram_size, char_min, char_max)
    blocks = [_unit_counts(words, word_weight, sublinear, idf), _unit_counts(chars, 1.0, sublinear, idf)]
    return np.concatenate([k for k, _ in blocks]), np.concatenate([v for _, v in blocks])


def _unit_counts(
    hashes: list[int], weight: float, sublinear: bool = False, idf: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    if not hashes:
        return np.zeros((0,), dtype="uint64"), np.zeros((0,), dtype="float32")
    keys, counts = np.unique(np.asarray(hashes, dtype="uint64"), return_counts=True)
    values = counts.astype("float32")
    if sublinear:
        values = 1.0 + np.log(values)
    if idf is not None:
        values *= idf[(keys % np.uint64(len(idf))).astype("int64")]
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
