"""Training end to end on a tiny set, reproducibility, and learning from people's corrections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intents.classifier import Classifier
from intents.dataset import DATA_DIR, LabelledPost, read_labelled
from intents.feedback import examples_from_feedback
from intents.labels import INTENTS
from intents.train import train_model


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four posts per intent from the real train split, one per intent for dev."""
    folder = tmp_path_factory.mktemp("tiny")
    posts = read_labelled(DATA_DIR / "train.jsonl")
    chosen = {intent: [p for p in posts if p.intent == intent][:5] for intent in INTENTS}
    with (folder / "train.jsonl").open("w") as train, (folder / "dev.jsonl").open("w") as dev:
        for group in chosen.values():
            for post in group[:4]:
                train.write(json.dumps(post.record) + "\n")
            dev.write(json.dumps(group[4].record) + "\n")
    return folder


@pytest.fixture(scope="module")
def tiny_model(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model"
    result = train_model(data_dir=tiny_data, output=out, max_steps=30, progress=False)
    assert result.train_examples == 48
    return out


def test_trains_loads_and_classifies(tiny_model: Path) -> None:
    classifier = Classifier.from_dir(tiny_model)
    [verdict] = classifier.classify_many(["Bankly app is down again, nobody can log in"])
    assert set(verdict.intent_scores) == set(INTENTS)
    assert sum(verdict.intent_scores.values()) == pytest.approx(1.0, abs=1e-4)
    meta = json.loads((tiny_model / "meta.json").read_text())
    assert meta["name"] == "siloless_intents"
    assert meta["siloless"]["seed"] == 0


def test_same_seed_same_model(tiny_data: Path, tiny_model: Path, tmp_path: Path) -> None:
    again = train_model(data_dir=tiny_data, output=tmp_path / "again", max_steps=30, progress=False)
    assert (again.output / "textcat" / "model").read_bytes() == (tiny_model / "textcat" / "model").read_bytes()


@pytest.mark.parametrize("arch", ["bow", "ngrams-tok2vec", "ngrams-nb"])
def test_architecture_candidates_train(tiny_data: Path, tmp_path: Path, arch: str) -> None:
    result = train_model(data_dir=tiny_data, output=tmp_path / arch, arch=arch, max_steps=10, progress=False)
    assert result.arch == arch
    assert Classifier.from_dir(result.output).name.startswith(f"spacy-textcat:{arch}@")


def test_naive_bayes_ratios_are_fitted_from_train_and_saved(tiny_data: Path, tmp_path: Path) -> None:
    from intents.pipeline import load_model

    result = train_model(data_dir=tiny_data, output=tmp_path / "nb", arch="ngrams-nb", max_steps=10, progress=False)
    textcat = load_model(result.output).get_pipe("textcat")
    ratios = textcat.model.get_ref("output_layer").get_param("R")
    assert ratios.shape == (65536, len(INTENTS))
    assert ratios.max() > 0 > ratios.min()  # fitted (an unfitted table is all zeros) and loaded back
    refund = Classifier.from_dir(result.output).classify_many(["refund refund refund invoice charged twice"])[0]
    assert refund.intent_scores["billing"] > 1 / len(INTENTS)  # the prior already points somewhere sensible


def test_idf_table_is_fitted_from_train_and_saved(tiny_model: Path) -> None:
    from intents.pipeline import load_model

    nlp = load_model(tiny_model)
    idf = nlp.get_pipe("textcat").model.get_ref("features").get_param("idf")
    assert Classifier.from_dir(tiny_model).name.startswith("spacy-textcat:ngrams-nb@")  # the shipped architecture
    assert idf.min() >= 1.0
    assert idf.min() < idf.max()  # rare n-grams weigh more than the ones every post has


def test_idf_down_weights_what_every_post_shares() -> None:
    import spacy

    from intents.ngrams import doc_features, fit_idf, hashed_ngram_features

    nlp = spacy.blank("xx")
    docs = [nlp.make_doc(t) for t in ("the app is down", "the refund is late", "the staff were rude")]
    layer = hashed_ngram_features(1, 3, 3, sublinear_tf=True, idf_length=2**16)
    layer.initialize()
    assert fit_idf(layer, docs) == 1
    keys, values = doc_features(docs[0], 1, 3, 3, sublinear=True, idf=layer.get_param("idf"))
    weight = dict(zip(keys.tolist(), values.tolist(), strict=True))
    from spacy.strings import hash_string

    assert weight[hash_string("w1|the")] < weight[hash_string("w1|down")]


def test_ngram_hashes_are_cached_per_doc_and_per_setting() -> None:
    import spacy

    from intents.ngrams import doc_hashes

    nlp = spacy.blank("xx")
    doc = nlp.make_doc("the refund is late")
    first = doc_hashes(doc, 2, 2, 5)
    assert doc_hashes(doc, 2, 2, 5) is first  # the second model reading this Doc does not hash again
    words, chars = doc_hashes(doc, 1, 3, 3)  # another setting is computed, not served from the cache
    assert len(words) == 4 and len(words) < len(first[0]) and len(chars) < len(first[1])
    assert doc_hashes(nlp.make_doc("the refund is late"), 2, 2, 5) == first  # same text, same hashes


def test_unknown_architecture_names_the_choices(tiny_data: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="choose one of"):
        train_model(data_dir=tiny_data, output=tmp_path / "x", arch="transformer", progress=False)


def test_feedback_rows_become_examples() -> None:
    held_out = [LabelledPost(id="d1", text="Already in dev", intent="praise")]
    rows = [
        {"text": "Refund me now", "lang": "en", "intent": "complaint", "mention_id": 7},
        {"text": "Refund me now", "lang": "en", "intent": "billing", "mention_id": 7},  # corrected again: last wins
        {"text": "", "lang": "en", "intent": "other", "mention_id": 8},
        {"text": "lol", "lang": "en", "intent": "spam", "mention_id": 9},
        {"text": "already in DEV", "lang": "en", "intent": "other", "mention_id": 10},
        {"text": "Werkt niet", "lang": "nl", "intent": "outage", "mention_id": 11},
    ]
    feedback = examples_from_feedback(rows, held_out=held_out, weight=2)
    assert feedback.unique == 2
    assert [(p.text, p.intent) for p in feedback.examples] == [("Refund me now", "billing")] * 2 + \
        [("Werkt niet", "outage")] * 2
    assert len(feedback.skipped) == 3
    assert any("not one of the 12 labels" in line for line in feedback.skipped)
    assert any("dev/test" in line for line in feedback.skipped)


def test_training_with_feedback_examples(tiny_data: Path, tmp_path: Path) -> None:
    rows = [{"text": f"zorgpunt declaratieportaal doet raar nummer {i}", "lang": "nl", "intent": "outage",
             "mention_id": i} for i in range(5)]
    feedback = examples_from_feedback(rows)
    result = train_model(data_dir=tiny_data, output=tmp_path / "fb", extra=feedback.examples, max_steps=30,
                         progress=False)
    assert result.extra_examples == 15  # 5 corrections x default weight 3
    meta = json.loads((result.output / "meta.json").read_text())
    assert meta["siloless"]["feedback_examples"] == 15


def test_critical_detector_ships_with_the_model_and_feeds_urgency(tiny_model: Path) -> None:
    from intents.pipeline import load_model

    detector = load_model(tiny_model / "critical")
    assert detector.get_pipe("textcat").labels == ("low", "normal", "high", "critical")
    assert json.loads((tiny_model / "critical" / "meta.json").read_text())["name"] == "siloless_intents_critical"
    [verdict] = Classifier.from_dir(tiny_model).classify_many(["Gas leak in the hallway and the app is down"])
    assert 0.0 <= verdict.extra["critical_chance"] <= 1.0


def test_detector_reading_the_intent_models_docs_scores_as_it_does_alone(tiny_model: Path) -> None:
    """The classifier hands the intent model's Docs to the detector (one tokenisation, one hashing);
    that must not change a single probability."""
    from intents.pipeline import load_model

    texts = ["Gas leak in the hallway and the app is down", "love the new app", "ik ruik gas", "refund pls"]
    verdicts = Classifier.from_dir(tiny_model).classify_many(texts)
    alone = load_model(tiny_model / "critical")
    assert [v.extra["critical_chance"] for v in verdicts] == [round(d.cats["critical"], 4) for d in alone.pipe(texts)]
    intent_alone = load_model(tiny_model)
    for verdict, doc in zip(verdicts, intent_alone.pipe(texts), strict=True):
        assert set(verdict.intent_scores) == set(INTENTS)  # the detector's own labels did not leak in
        assert verdict.intent == max(doc.cats, key=doc.cats.__getitem__)


def test_training_without_the_detector_ships_none(tiny_data: Path, tmp_path: Path) -> None:
    result = train_model(data_dir=tiny_data, output=tmp_path / "plain", max_steps=10, progress=False, critical=False)
    assert not (result.output / "critical").exists()
    assert result.critical_dev_macro_f1 is None
    [verdict] = Classifier.from_dir(result.output).classify_many(["Gas leak in the hallway"])
    assert "critical_chance" not in verdict.extra


def test_corpus_reader_labels_for_the_urgency_and_critical_targets(tmp_path: Path) -> None:
    import spacy

    from intents.pipeline import mentions_corpus_v2

    path = tmp_path / "posts.jsonl"
    rows = [{"id": "a", "text": "gas leak", "intent": "outage", "urgency": "critical", "lang": "en"},
            {"id": "b", "text": "nice app", "intent": "praise", "urgency": "low", "lang": "en"},
            {"id": "c", "text": "fix it", "intent": "complaint", "lang": "en"}]  # no urgency: no critical label
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    nlp = spacy.blank("xx")
    examples = list(mentions_corpus_v2(path, target="critical")(nlp))
    assert [e.reference.cats for e in examples] == [{"critical": 1.0, "not_critical": 0.0},
                                                   {"critical": 0.0, "not_critical": 1.0}]
    urgency = [e.reference.cats for e in mentions_corpus_v2(path, target="urgency")(nlp)]
    assert urgency == [{"low": 0.0, "normal": 0.0, "high": 0.0, "critical": 1.0},
                       {"low": 1.0, "normal": 0.0, "high": 0.0, "critical": 0.0}]
    assert len(list(mentions_corpus_v2(path, target="intent")(nlp))) == 3
    from intents.pipeline import mentions_corpus  # v1, for older configs: the intent target

    [first, *_] = list(mentions_corpus(path)(nlp))
    assert first.reference.cats == {label: float(label == "outage") for label in INTENTS}
    with pytest.raises(ValueError, match="unknown training target"):
        mentions_corpus_v2(path, target="severity")
