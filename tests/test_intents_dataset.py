"""The labelled data: its format checks, the fixed stratified split, and the shipped split files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from intents.dataset import (
    BATCH_DIRS,
    DATA_DIR,
    SPLITS,
    DataError,
    LabelledPost,
    read_batches,
    read_labelled,
    split,
    split_batches,
)
from intents.labels import INTENTS, URGENCIES

#: SHA-256 of each published batch's post ids per split (sorted, one per line): batch 1 as first
#: published with 2,160 posts, batch 2 as published with 5,040. A batch's test numbers are only
#: comparable, and its dev/test posts only unseen by training, while this holds: a later batch is
#: split on its own and never moves an earlier post.
PINNED_SPLITS = {
    ("en-", "nl-"): {
        "train": (1512, "4b36b4fbc9adb32c3ae97cd85becd807a108279810dd59933d8b1309b3ba1516"),
        "dev": (336, "dc8200728e57792c7790bf466ef834b89ae33ef4789ca3718d971dc55bf48d7d"),
        "test": (312, "244cc2bbbbbdb0c30b456d87014e76e36bbc90928fa8a8ea8ca45e365db2ef3b"),
    },
    ("en2-", "nl2-"): {
        "train": (2016, "5a0b68baa8a4f98ea69743ddff0b49deac6770f58755874450f289c93c5f2556"),
        "dev": (432, "5bd8aa4d5cf304dabf60c81374fbe923e78afd54c8e6c9eef9c61a676a66d82e"),
        "test": (432, "914d3a8d280fdc007011ae40fb9ad6a14eacec476a543b8fc5a86ecac8909454"),
    },
    ("en3-", "nl3-"): {
        "train": (2517, "11a077ec1e0c74d16dd93cd1527d8f9ff96d94cdca3fa9c669c2571c347218ac"),
        "dev": (540, "0425026ff2fd6787931a7273fa6fb03b85c1e7b21270f3e61968a9ce3232ab3d"),
        "test": (540, "ef3162d38b63c04bede6c7df40c31979955e17aea077c73654a79b14399ab0e0"),
    },
    ("en4-", "nl4-"): {
        "train": (1758, "b380fb6145d6efdf0ed2b75284ad486064568ab6634b64ac2d5f3837aea2ed05"),
        "dev": (372, "e62a1b7499e4b2a3e2e0940cbc54092af50debd2ac452b6dc3955e76f0ab967e"),
        "test": (382, "639dc8b8ccc5c228274b8edd2da358fef54c563e6918d0f7c335d1850598451c"),
    },
    ("en5-", "nl5-"): {
        "train": (1253, "b207ba14b3c06010eb343c758fbd357fbec4d316e619522a8b22f4a9797d421c"),
        "dev": (275, "0f1f17c52ce7469189358a13fb8885108faeb3acf6cdeb1e66e3e0e57b621b4a"),
        "test": (265, "8e6d95bdc233b03ac3dcf9b2c81418ba35409914747e201ece662f77f430d777"),
    },
    ("en6-", "nl6-"): {
        "train": (744, "9e1b5ddceddfb821cf30360a4209bd4b30660f918e27d5f61a20bf236ca7167a"),
        "dev": (168, "ca9c27d8818eee8e933901baafdb582e6ed2e5a7bb94b46abb425dc00cab7ff7"),
        "test": (164, "da933c2b5b765bd26ac46a077c915a3ab35df7969ff9b4796e16ffd30ca88256"),
    },
    ("en7-", "nl7-"): {
        "train": (1329, "b879ddb7ca09f4b01ca5fe592eedec58eecabc5dcf8054c2a1688ada918e30ad"),
        "dev": (287, "24e933258c210d3584848ca52ce8117f35b810bd333e6568b88897cf3e0a0f0c"),
        "test": (285, "f36136b895193901523b8eb84948164e9949aedf20732b866d03dc62302762d7"),
    },
    ("en8-", "nl8-"): {
        "train": (1165, "29a4047ed54f477c01482c533562148d0debadebed67643b947b96a2cffb7666"),
        "dev": (240, "23ba5d4d204fcaeae661d11d5725a5b3b34dad5260d0069c7112fe95fcf46a34"),
        "test": (260, "75af6567934d1ca7517a78bd5d35f4e980739fae648fc532bd443b5f3bf5879e"),
    },
}


def _fingerprint(ids: list[str]) -> tuple[int, str]:
    return len(ids), hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _write(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_reads_mentions_with_labels(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.jsonl", {"id": "1", "text": "App down", "lang": "en", "intent": "outage",
                                         "urgency": "high", "author": {"followers": 12}, "metrics": {"reposts": 3}})
    [post] = read_labelled(path)
    assert (post.intent, post.urgency, post.followers, post.reposts) == ("outage", "high", 12, 3)
    assert post.to_post().text == "App down"


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"text": "x", "intent": "angry"}', "not a label"), ('{"intent": "other"}', "missing or empty 'text'"),
     ('{"text": "x", "intent": "other", "urgency": "huge"}', "not a level"), ("{oops", "not valid JSON"),
     ("[1]", "expected a JSON object")],
)
def test_bad_lines_name_file_line_and_fix(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "intent": "other"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        read_labelled(path)
    assert f"{path}:2" in str(info.value)


def test_missing_file_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_labelled(tmp_path / "nope.jsonl")


def _posts(n: int, intent: str, lang: str) -> list[LabelledPost]:
    return [LabelledPost(id=f"{lang}-{intent}-{i}", text=f"{intent} {i}", intent=intent, lang=lang) for i in range(n)]


def test_split_is_deterministic_stratified_and_disjoint() -> None:
    posts = [p for intent in ("outage", "praise") for lang in ("en", "nl") for p in _posts(20, intent, lang)]
    first, second = split(posts), split(list(reversed(posts)))
    assert {k: [p.id for p in v] for k, v in first.items()} == {k: [p.id for p in v] for k, v in second.items()}
    for name, size in (("train", 14), ("dev", 3), ("test", 3)):
        assert Counter((p.lang, p.intent) for p in first[name]) == {(lang, intent): size for lang in ("en", "nl")
                                                                    for intent in ("outage", "praise")}
    ids = [p.id for name in SPLITS for p in first[name]]
    assert len(ids) == len(set(ids)) == len(posts)


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[LabelledPost]]:
    return {name: read_labelled(DATA_DIR / f"{name}.jsonl") for name in SPLITS}


def test_shipped_data_meets_the_data_card(shipped: dict[str, list[LabelledPost]]) -> None:
    every = [p for posts in shipped.values() for p in posts]
    assert len(every) >= 2000
    per_intent = Counter(p.intent for p in every)
    assert set(per_intent) == set(INTENTS)
    assert min(per_intent.values()) >= 100
    langs = Counter(p.lang for p in every)
    assert abs(langs["en"] - langs["nl"]) <= len(every) * 0.1
    assert all(p.urgency in URGENCIES for p in every)


def test_each_batch_is_split_alone_and_appended() -> None:
    old = [p for intent in ("outage", "praise") for p in _posts(20, intent, "en")]
    new = [LabelledPost(id=f"b2-{p.id}", text=f"new {p.text}", intent=p.intent, lang=p.lang) for p in old]
    parts = split_batches([old, new])
    alone = split(old)
    for name in SPLITS:
        # the first batch keeps its split and its order; the second follows, split by the same rule
        assert [p.id for p in parts[name][: len(alone[name])]] == [p.id for p in alone[name]]
        assert [p.id for p in parts[name][len(alone[name]) :]] == [p.id for p in split(new)[name]]


def test_a_later_batch_repeating_an_earlier_text_is_dropped(tmp_path: Path) -> None:
    first, second = tmp_path / "raw", tmp_path / "raw2"
    first.mkdir()
    second.mkdir()
    _write(first / "en_outage.jsonl", {"id": "a", "text": "App is DOWN", "intent": "outage", "lang": "en"})
    _write(second / "en_outage.jsonl", {"id": "b", "text": "app is down", "intent": "outage", "lang": "en"},
           {"id": "c", "text": "site is down", "intent": "outage", "lang": "en"})
    assert [[p.id for p in batch] for batch in read_batches([first, second])] == [["a"], ["c"]]


@pytest.mark.parametrize("prefixes", list(PINNED_SPLITS))
def test_published_batches_never_change_split(
    shipped: dict[str, list[LabelledPost]], prefixes: tuple[str, ...]
) -> None:
    """No post of a published batch may change split: the pinned fingerprints, in the rule and in the files."""
    pinned = PINNED_SPLITS[prefixes]
    index = list(PINNED_SPLITS).index(prefixes)
    if all(folder.is_dir() for folder in BATCH_DIRS):
        from_rule = split_batches(read_batches())
        assert {name: _fingerprint([p.id for p in from_rule[name] if p.id.startswith(prefixes)])
                for name in SPLITS} == pinned
    batch = {name: [p for p in shipped[name] if p.id.startswith(prefixes)] for name in SPLITS}
    assert {name: _fingerprint([p.id for p in batch[name]]) for name in SPLITS} == pinned
    # earlier batches come first, in their original order (the files were appended to)
    offset = {name: sum(pinned_other[name][0] for pinned_other in list(PINNED_SPLITS.values())[:index])
              for name in SPLITS}
    for name in SPLITS:
        window = shipped[name][offset[name] : offset[name] + pinned[name][0]]
        assert [p.id for p in window] == [p.id for p in batch[name]]


def test_shipped_split_is_the_split_of_the_raw_files(shipped: dict[str, list[LabelledPost]]) -> None:
    if not all(folder.is_dir() for folder in BATCH_DIRS):
        pytest.skip("raw files not present (installed package)")
    expected = split_batches(read_batches())
    assert {k: [p.id for p in v] for k, v in shipped.items()} == {k: [p.id for p in v] for k, v in expected.items()}


def test_no_text_is_in_two_splits(shipped: dict[str, list[LabelledPost]]) -> None:
    seen: dict[str, str] = {}
    for name, posts in shipped.items():
        for post in posts:
            assert seen.setdefault(post.text.casefold(), name) == name, post.id
