"""The labelled data: its format checks, the fixed stratified split, and the shipped split files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from intents.dataset import DATA_DIR, RAW_DIR, SPLITS, DataError, LabelledPost, read_labelled, read_raw, split
from intents.labels import INTENTS, URGENCIES


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


def test_shipped_split_is_the_split_of_the_raw_files(shipped: dict[str, list[LabelledPost]]) -> None:
    if not RAW_DIR.is_dir():
        pytest.skip("raw files not present (installed package)")
    expected = split(read_raw())
    assert {k: [p.id for p in v] for k, v in shipped.items()} == {k: [p.id for p in v] for k, v in expected.items()}


def test_no_text_is_in_two_splits(shipped: dict[str, list[LabelledPost]]) -> None:
    seen: dict[str, str] = {}
    for name, posts in shipped.items():
        for post in posts:
            assert seen.setdefault(post.text.casefold(), name) == name, post.id
