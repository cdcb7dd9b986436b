"""Labelled posts: reading them, checking them, and the fixed train/dev/test split.

A labelled post is a Mention (DESIGN.md's JSON Lines contract) plus ``intent`` and ``urgency``.
The split is deterministic and stratified: inside each language × intent group, posts are ordered
by the SHA-256 of their id and cut 70/15/15. The same raw files always give the same split, and
every label is represented in each part.

The data came in batches (``raw/`` first, then ``raw2/`` to ``raw8/``), and **each batch is
split on its own**, its parts appended after the earlier batches' parts. Adding a batch therefore never moves an
earlier post between train, dev and test: a post that was test stays test, so numbers measured on
the old test split stay comparable and no old dev/test post ever leaks into training.
(``tests/test_intents_dataset.py`` pins the split of every published batch.) ``python -m intents.dataset``
rebuilds the three files from the raw folders and prints the counts the data card quotes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intents.labels import INTENTS, URGENCIES
from intents.text import fold
from intents.verdict import Post

DATA_DIR = Path(__file__).resolve().parent / "data"
RAW_DIR = DATA_DIR / "raw"
#: The labelled batches, oldest first; each is split alone (see the module docstring).
BATCH_DIRS: tuple[Path, ...] = (
    RAW_DIR, DATA_DIR / "raw2", DATA_DIR / "raw3", DATA_DIR / "raw4", DATA_DIR / "raw5", DATA_DIR / "raw6",
    DATA_DIR / "raw7", DATA_DIR / "raw8",
)
SPLITS: tuple[str, ...] = ("train", "dev", "test")
_FRACTIONS = {"train": 0.70, "dev": 0.15}  # test gets the rest


class DataError(ValueError):
    """A labelled file that does not follow the format; the message names file, line and fix."""


@dataclass(frozen=True)
class LabelledPost:
    id: str
    text: str
    intent: str
    lang: str | None = None
    urgency: str | None = None
    followers: int | None = None
    reposts: int | None = None
    likes: int | None = None
    record: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_post(self) -> Post:
        """What the classifier sees: text and metadata, never the labels."""
        return Post(text=self.text, lang=self.lang, followers=self.followers, reposts=self.reposts, likes=self.likes)


def parse_record(record: dict[str, Any], where: str) -> LabelledPost:
    """One JSON object → ``LabelledPost``; ``where`` ("file:line") goes into error messages."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{where}: missing or empty 'text'; every labelled post needs the post's text")
    intent = record.get("intent")
    if intent not in INTENTS:
        raise DataError(f"{where}: intent {intent!r} is not a label; use one of {', '.join(INTENTS)}")
    urgency = record.get("urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise DataError(f"{where}: urgency {urgency!r} is not a level; use one of {', '.join(URGENCIES)}")
    author = record.get("author") if isinstance(record.get("author"), dict) else {}
    metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
    return LabelledPost(
        id=str(record.get("id") or _text_id(text)),
        text=text,
        intent=str(intent),
        lang=record.get("lang") or None,
        urgency=urgency,
        followers=_int_or_none(author.get("followers")),
        reposts=_int_or_none(metrics.get("reposts")),
        likes=_int_or_none(metrics.get("likes")),
        record=record,
    )


def read_labelled(path: Path) -> list[LabelledPost]:
    """Every labelled post in a JSONL file, in file order; blank lines are skipped."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; give a JSONL file of labelled mentions (see intents/data/README.md)")
    posts = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not valid JSON ({exc.msg}); one JSON object per line") from exc
            if not isinstance(record, dict):
                raise DataError(f"{path}:{number}: expected a JSON object with 'text' and 'intent'")
            posts.append(parse_record(record, f"{path}:{number}"))
    return posts


def read_raw(raw_dir: Path = RAW_DIR, seen: set[str] | None = None) -> list[LabelledPost]:
    """All raw files, duplicates (same folded text) dropped keeping the first by file and line.

    ``seen`` holds the folded texts of earlier batches: a post repeating one of them is dropped
    too (and the set grows with this batch's texts), so no text can sit in two splits.
    """
    files = sorted(raw_dir.glob("*.jsonl"))
    if not files:
        raise DataError(f"{raw_dir}: no *.jsonl files; the labelled raw data goes there")
    seen = set() if seen is None else seen
    posts = []
    for path in files:
        for post in read_labelled(path):
            key = fold(post.text)
            if key not in seen:
                seen.add(key)
                posts.append(post)
    return posts


def split(posts: Iterable[LabelledPost]) -> dict[str, list[LabelledPost]]:
    """Stratified by language × intent; inside a group, order by id hash and cut 70/15/15."""
    groups: dict[tuple[str, str], list[LabelledPost]] = {}
    for post in posts:
        groups.setdefault((post.lang or "und", post.intent), []).append(post)
    parts: dict[str, list[LabelledPost]] = {name: [] for name in SPLITS}
    for key in sorted(groups):
        ordered = sorted(groups[key], key=lambda p: _hash(p.id))
        n_train = round(len(ordered) * _FRACTIONS["train"])
        n_dev = round(len(ordered) * _FRACTIONS["dev"])
        parts["train"] += ordered[:n_train]
        parts["dev"] += ordered[n_train : n_train + n_dev]
        parts["test"] += ordered[n_train + n_dev :]
    for name in SPLITS:
        parts[name].sort(key=lambda p: _hash(p.id))  # mix labels; no order for a trainer to learn
    return parts


def read_batches(dirs: Sequence[Path] = BATCH_DIRS) -> list[list[LabelledPost]]:
    """Every batch's posts, oldest first; a text already in an earlier batch is dropped from the later one."""
    seen: set[str] = set()
    return [read_raw(folder, seen) for folder in dirs]


def split_batches(batches: Sequence[Sequence[LabelledPost]]) -> dict[str, list[LabelledPost]]:
    """Split each batch alone and append its parts after the earlier batches' parts."""
    parts: dict[str, list[LabelledPost]] = {name: [] for name in SPLITS}
    for batch in batches:
        for name, posts in split(batch).items():
            parts[name] += posts
    return parts


def write_jsonl(posts: Sequence[LabelledPost], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for post in posts:
            handle.write(json.dumps(post.record, ensure_ascii=False) + "\n")


def counts_table(parts: dict[str, list[LabelledPost]]) -> str:
    """Markdown table: posts per intent × split × language, and totals (the data card's numbers)."""
    every = [p for name in SPLITS for p in parts[name]]
    langs = sorted({p.lang or "und" for p in every})
    by = Counter((p.intent, name, p.lang or "und") for name in SPLITS for p in parts[name])
    columns = [(name, lang) for name in SPLITS for lang in langs]
    head = "| intent | " + " | ".join(f"{name} {lang}" for name, lang in columns) + " | total |"
    rows = [head, "|" + "---|" * (len(columns) + 2)]
    for intent in INTENTS:
        cells = [str(by[(intent, name, lang)]) for name, lang in columns]
        total = sum(by[(intent, name, lang)] for name, lang in columns)
        rows.append(f"| {intent} | " + " | ".join(cells) + f" | {total} |")
    totals = [str(sum(by[(intent, name, lang)] for intent in INTENTS)) for name, lang in columns]
    rows.append("| **all** | " + " | ".join(totals) + f" | {len(every)} |")
    return "\n".join(rows)


def batch_table(batches: Sequence[Sequence[LabelledPost]], dirs: Sequence[Path] = BATCH_DIRS) -> str:
    """Markdown table: each batch's size per split (each batch is split alone)."""
    rows = ["| batch | " + " | ".join(SPLITS) + " | total |", "|" + "---|" * (len(SPLITS) + 2)]
    for folder, batch in zip(dirs, batches, strict=True):
        parts = split(batch)
        rows.append(f"| `{folder.name}/` | " + " | ".join(str(len(parts[name])) for name in SPLITS)
                    + f" | {len(batch)} |")
    return "\n".join(rows)


def urgency_table(parts: dict[str, list[LabelledPost]]) -> str:
    every = [p for name in SPLITS for p in parts[name]]
    langs = sorted({p.lang or "und" for p in every})
    by = Counter((p.urgency, p.lang or "und") for p in every)
    rows = ["| urgency | " + " | ".join(langs) + " | total |", "|" + "---|" * (len(langs) + 2)]
    for level in URGENCIES:
        rows.append(f"| {level} | " + " | ".join(str(by[(level, lang)]) for lang in langs)
                    + f" | {sum(by[(level, lang)] for lang in langs)} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild ``intents/data/{train,dev,test}.jsonl`` from the raw batches and print the counts."""
    try:
        batches = read_batches()
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    parts = split_batches(batches)
    for name in SPLITS:
        write_jsonl(parts[name], DATA_DIR / f"{name}.jsonl")
    print(batch_table(batches))
    print()
    print(counts_table(parts))
    print()
    print(urgency_table(parts))
    return 0


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _text_id(text: str) -> str:
    return "t-" + _hash(text)[:16]


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return None


if __name__ == "__main__":
    raise SystemExit(main())
