"""``siloless.TextCatNBNgrams.v1``: the TF-IDF n-gram textcat on top of a naive-Bayes prior.

Why: a linear model over n-grams trained to convergence lands where TF-IDF + logistic regression
does, whatever the optimiser (docs/classifier.md). What a plain linear model lacks on a few
thousand short posts is a sensible starting point for the many n-grams it sees only a handful of
times. Naive Bayes has one for free: each feature's log-count ratio for a class,

    r[f, c] = log( (p_c[f] / |p_c|) / (q_c[f] / |q_c|) ),

where ``p_c[f]`` is ``alpha`` + the number of class-``c`` training posts containing feature ``f`` and
``q_c[f]`` the same over the posts of every other class (the NBSVM ratios of Wang & Manning, 2012).
Here the ratios are a fixed *prior* and the trained weights a correction on top of it:

    score[c] = b[c] + sum_f (W[f, c] + prior_weight * r[f, c]) * x[f]

``W`` starts at zero and is what spaCy's training (Adam with weight decay) learns, so weight decay
pulls the model towards naive Bayes rather than towards zero: a rare n-gram keeps the evidence its
few posts give it instead of being either ignored or over-fitted. ``prior_weight`` sets how much
the prior counts (0 gives a plain hashed linear model, like ``siloless.TextCatHashedNgrams.v2``;
1 lets naive Bayes' overconfident ratios dominate); it was chosen on dev, as was the architecture
(docs/classifier.md).

Layer: ``hashed_ngram_features`` (``intents.ngrams``, TF-IDF weighted) >> ``nb_prior_linear`` >> softmax.
``nb_prior_linear`` folds each feature hash into ``length`` rows (``hash % length``) of a
``(rows, nO)`` weight table ``W`` and ratio table ``R``; a collision shares a row, as in any hashing
model. Until ``fit_nb_ratios`` runs, every ratio is 0 and the layer is a plain hashed linear model.
The ratio table is a parameter without a gradient (like the IDF table), so it is saved with the model;
it is stored in half precision (ratios are a few units at most, so 3 significant digits are plenty),
which keeps the model at about 5.5 MB instead of 7.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from intents.ngrams import Features, check_ngram_settings, doc_hashes, hashed_ngram_features, linear_textcat

NB_LAYER = "nb_prior_linear"


@registry.architectures("siloless.TextCatNBNgrams.v1")
def build_nb_ngram_textcat(
    exclusive_classes: bool = True,
    word_ngram_size: int = 2,
    char_ngram_min: int = 2,
    char_ngram_max: int = 5,
    length: int = 65536,
    sublinear_tf: bool = True,
    idf_length: int = 65536,
    prior_weight: float = 0.2,
    alpha: float = 1.0,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    check_ngram_settings("siloless.TextCatNBNgrams.v1", exclusive_classes, char_ngram_min, char_ngram_max)
    if prior_weight < 0 or alpha <= 0:
        raise ValueError(f"prior_weight must be >= 0 and alpha > 0 (got {prior_weight}, {alpha}); try 0.2 and 1.0")
    features = hashed_ngram_features(word_ngram_size, char_ngram_min, char_ngram_max, 1.0,
                                     sublinear_tf=sublinear_tf, idf_length=idf_length)
    return linear_textcat(features, nb_prior_linear(nO=nO, length=length, prior_weight=prior_weight, alpha=alpha))


def nb_prior_linear(
    nO: int | None = None, length: int = 65536, prior_weight: float = 0.2, alpha: float = 1.0
) -> Model[Features, Floats2d]:
    """A hashed sparse linear layer whose weights are a learned correction to fixed NB log-count ratios."""
    rows = 2 ** (length - 1).bit_length()
    return Model(NB_LAYER, _forward, init=_init, dims={"nO": nO, "rows": rows},
                 params={"W": None, "R": None, "b": None}, attrs={"prior_weight": prior_weight, "alpha": alpha})


def _init(model: Model[Features, Floats2d], X: Any = None, Y: Any = None) -> Model[Features, Floats2d]:
    if Y is not None:
        model.set_dim("nO", int(Y.shape[1]))
    shape = (model.get_dim("rows"), model.get_dim("nO"))
    model.set_param("W", model.ops.alloc2f(*shape))
    model.set_param("R", np.zeros(shape, dtype="float16"))  # read-only: half precision halves its size
    model.set_param("b", model.ops.alloc1f(shape[1]))
    return model


def _forward(model: Model[Features, Floats2d], X: Features, is_train: bool) -> tuple[Floats2d, Callable[..., Any]]:
    keys, values, lengths = X
    W, R, b = model.get_param("W"), model.get_param("R"), model.get_param("b")
    rows, n_out = W.shape
    n_docs = len(lengths)
    idx = (np.asarray(keys, dtype="uint64") % np.uint64(rows)).astype("int64")
    doc_of = np.repeat(np.arange(n_docs), lengths)
    weights = W[idx] + float(model.attrs["prior_weight"]) * R[idx]  # (features, nO)
    contrib = weights * values[:, None]
    Y = np.empty((n_docs, n_out), dtype="float32")
    for c in range(n_out):  # a per-class bincount is a segment sum per document, without scipy
        Y[:, c] = np.bincount(doc_of, weights=contrib[:, c], minlength=n_docs)
    Y += b

    def backprop(dY: Floats2d) -> Features:
        per_feature = dY[doc_of] * values[:, None]
        dW = np.empty_like(W)
        for c in range(n_out):
            dW[:, c] = np.bincount(idx, weights=per_feature[:, c], minlength=rows)
        model.inc_grad("W", dW)
        model.inc_grad("b", dY.sum(axis=0).astype("float32"))
        return X  # the feature layer has no trainable parameters; nothing flows further down

    return Y, backprop


def fit_nb_ratios(model: Model[Any, Any], docs: Sequence[Doc], labels: Sequence[int]) -> int:
    """Fill the ratio table of every NB layer in ``model`` from labelled ``docs``; how many layers were set.

    ``labels[i]`` is the output column of ``docs[i]``'s class. What is counted is the *presence* of
    each hashed feature row in a post (not how often), smoothed by the layer's ``alpha``, as NBSVM does.
    """
    features = next((node for node in model.walk() if node.name == "hashed_ngram_features"), None)
    fitted = 0
    for node in model.walk():
        if node.name != NB_LAYER:
            continue
        if features is None:
            raise ValueError("an NB layer needs a hashed_ngram_features layer before it in the same model")
        rows, n_out = node.get_dim("rows"), node.get_dim("nO")
        size, lo, hi = features.attrs["word_ngram_size"], features.attrs["char_min"], features.attrs["char_max"]
        present = np.zeros((rows, n_out), dtype="float64")
        for doc, label in zip(docs, labels, strict=True):
            words, chars = doc_hashes(doc, size, lo, hi)
            present[np.unique(np.asarray(words + chars, dtype="uint64") % np.uint64(rows)).astype("int64"), label] += 1
        alpha = float(node.attrs["alpha"])
        in_class = present + alpha
        elsewhere = present.sum(axis=1, keepdims=True) - present + alpha
        ratios = np.log(in_class / in_class.sum(axis=0)) - np.log(elsewhere / elsewhere.sum(axis=0))
        node.set_param("R", ratios.astype("float16"))
        fitted += 1
    return fitted
