"""The naive-Bayes prior layer (``intents.nbweights``): its ratios and its maths (training: test_intents_train)."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.strings import hash_string
from thinc.api import Model

from intents.nbweights import build_nb_ngram_textcat, fit_nb_ratios, nb_prior_linear


def _docs(*texts: str) -> list[spacy.tokens.Doc]:
    nlp = spacy.blank("xx")
    return [nlp.make_doc(t) for t in texts]


def _model(prior_weight: float = 1.0, length: int = 2**12) -> Model:
    model = build_nb_ngram_textcat(word_ngram_size=1, char_ngram_min=3, char_ngram_max=3, length=length,
                                   idf_length=length, prior_weight=prior_weight, nO=2)
    model.initialize()
    return model


def test_ratios_favour_the_class_a_feature_appears_in() -> None:
    docs = _docs("refund please", "refund now", "app is down", "site is down")
    model = _model()
    assert fit_nb_ratios(model, docs, [0, 0, 1, 1]) == 1
    ratios = model.get_ref("output_layer").get_param("R")
    rows = ratios.shape[0]
    refund = int(hash_string("w1|refund") % rows)
    down = int(hash_string("w1|down") % rows)
    assert ratios[refund, 0] > 0 > ratios[refund, 1]
    assert ratios[down, 1] > 0 > ratios[down, 0]


def test_untrained_model_with_the_prior_already_leans_the_right_way() -> None:
    train = _docs("refund please", "refund now", "app is down", "site is down")
    model = _model(prior_weight=1.0)
    fit_nb_ratios(model, train, [0, 0, 1, 1])
    scores = model.predict(_docs("where is my refund", "everything is down"))
    assert scores[0, 0] > scores[0, 1]
    assert scores[1, 1] > scores[1, 0]


def test_zero_prior_weight_is_a_plain_linear_model() -> None:
    model = _model(prior_weight=0.0)
    fit_nb_ratios(model, _docs("refund please", "app is down"), [0, 1])
    scores = model.predict(_docs("refund"))
    assert scores[0, 0] == pytest.approx(0.5)  # W and b are zero: no preference until trained


def test_backprop_matches_finite_differences() -> None:
    layer = nb_prior_linear(nO=3, length=8, prior_weight=0.5)
    layer.initialize()
    rng = np.random.default_rng(0)
    layer.set_param("W", rng.normal(size=(8, 3)).astype("float32"))
    layer.set_param("R", rng.normal(size=(8, 3)).astype("float32"))
    keys = np.array([1, 5, 9, 2, 5], dtype="uint64")  # 9 collides with 1 (mod 8)
    values = rng.uniform(0.1, 1.0, size=5).astype("float32")
    lengths = np.array([3, 2], dtype="int32")
    X = (keys, values, lengths)
    dY = rng.normal(size=(2, 3)).astype("float32")
    _, backprop = layer.begin_update(X)
    backprop(dY)
    analytic = layer.get_grad("W")

    def loss(W: np.ndarray) -> float:
        layer.set_param("W", W)
        return float((layer.predict(X) * dY).sum())

    W0 = layer.get_param("W").copy()
    eps = 1e-2
    for row, col in [(1, 0), (5, 2), (2, 1), (0, 0)]:
        up, down = W0.copy(), W0.copy()
        up[row, col] += eps
        down[row, col] -= eps
        numeric = (loss(up) - loss(down)) / (2 * eps)
        assert analytic[row, col] == pytest.approx(numeric, rel=1e-2, abs=1e-3)


def test_bad_settings_name_the_fix() -> None:
    with pytest.raises(ValueError, match="prior_weight must be >= 0"):
        build_nb_ngram_textcat(prior_weight=-1.0)
    with pytest.raises(ValueError, match=r"char n-gram range 5\.\.3 is empty"):
        build_nb_ngram_textcat(char_ngram_min=5, char_ngram_max=3)
    with pytest.raises(ValueError, match="set exclusive_classes = true"):
        build_nb_ngram_textcat(exclusive_classes=False)
