"""Phrase matching under every lexicon: folding, boundaries, and the ``*`` wildcards."""

from __future__ import annotations

from intents.phrases import PhraseIndex
from intents.text import fold


def test_wildcards_open_one_boundary() -> None:
    index = PhraseIndex({"hack": ["hack*"], "fraud": ["*fraude"], "exact": ["leak"]})
    assert index.search("Ik ben GEHACKT") == set()  # "hack*" keeps its left boundary
    assert index.search("we got hacked") == {"hack"}
    assert index.search("bankfraude!") == {"fraud"}
    assert index.search("leaked") == set()
    assert index.search("a leak.") == {"exact"}


def test_hits_report_phrase_and_position() -> None:
    index = PhraseIndex({"k": ["niet blij"]})
    folded = fold("Ik ben NIET  blij")
    assert list(index.hits(folded)) == [("k", "niet blij", 7)]


def test_same_term_listed_twice_counts_once() -> None:
    index = PhraseIndex({"pos": ["perfect", "Perfect"]})
    assert len(list(index.hits("perfect"))) == 1


def test_fold_handles_case_accents_quotes_and_spaces() -> None:
    assert fold("Doesn’t  WORK   één") == "doesn't work een"
    assert fold("Straße") == "strasse"
