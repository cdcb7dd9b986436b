"""One-pass, word-bounded matching of many phrases: brand terms, urgency cues, sentiment words.

A regex alternation over hundreds of terms re-scans the text per alternative; an Aho-Corasick
automaton (pyahocorasick, C) finds every occurrence of every phrase in one pass, which is what lets
the prefilter keep up with a firehose. The automaton knows nothing about words, so each raw hit is
then checked for word boundaries: "bankly" must not fire inside "bankllyx".

Phrases are written the way people read them, folded here (``intents.text.fold``). A trailing
``*`` drops the right boundary (``hack*`` matches "hacked", "hackers"); a leading ``*`` drops the
left one, for Dutch compounds (``*fraude`` matches "bankfraude").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from intents.text import fold, is_word_char

K = TypeVar("K")


@dataclass(frozen=True)
class _Entry(Generic[K]):
    key: K
    phrase: str
    open_left: bool
    open_right: bool


class PhraseIndex(Generic[K]):
    """Which keys have a phrase in a text; every key owns one or more phrases."""

    def __init__(self, phrases: Mapping[K, Iterable[str]]) -> None:
        table: dict[str, list[_Entry[K]]] = {}
        for key, terms in phrases.items():
            for term in terms:
                entry = _parse(key, term)
                entries = table.setdefault(entry.phrase, [])
                if entry not in entries:  # the same word listed twice (e.g. in two languages) counts once
                    entries.append(entry)
        self._size = len(table)
        self._automaton = ahocorasick.Automaton()
        for phrase, entries in table.items():
            self._automaton.add_word(phrase, tuple(entries))
        if table:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def hits(self, folded: str) -> Iterator[tuple[K, str, int]]:
        """``(key, phrase, start)`` for every word-bounded occurrence, left to right by end position.

        ``folded`` must already be folded (callers fold once and query several indexes).
        """
        if not self._size:
            return
        for end, entries in self._automaton.iter(folded):
            for entry in entries:
                start = end - len(entry.phrase) + 1
                if (entry.open_left or _boundary(folded, start)) and (
                    entry.open_right or _boundary(folded, end + 1)
                ):
                    yield entry.key, entry.phrase, start

    def keys_in(self, folded: str) -> set[K]:
        return {key for key, _, _ in self.hits(folded)}

    def first(self, folded: str) -> K | None:
        return next((key for key, _, _ in self.hits(folded)), None)

    def search(self, text: str) -> set[K]:
        """Convenience: fold ``text`` and return the keys found."""
        return self.keys_in(fold(text))


def _parse(key: K, term: str) -> _Entry[K]:
    open_left = term.startswith("*")
    open_right = term.endswith("*")
    phrase = fold(term.strip("*"))
    if not phrase:
        raise ValueError(f"empty phrase {term!r} for {key!r}: give at least one letter or digit")
    return _Entry(key=key, phrase=phrase, open_left=open_left, open_right=open_right)


def _boundary(text: str, index: int) -> bool:
    """True when position ``index`` is not inside a word (like regex ``\\b`` between the chars)."""
    if index <= 0 or index >= len(text):
        return True
    return not (is_word_char(text[index - 1]) and is_word_char(text[index]))
