"""Text folding shared by every lexicon match (brand terms, urgency cues, sentiment).

Posts spell the same word many ways: ``Bánkly``, ``BANKLY``, ``bankly``; ``doesn’t`` with a curly
apostrophe; double spaces. Every matcher in this package compares *folded* text against *folded*
terms, so one definition of folding keeps them consistent. ASCII text, the common case on a
firehose, takes a fast path (``str.lower`` only).
"""

from __future__ import annotations

import unicodedata

# Typographic variants people type (or phones insert) for the same character.
_PUNCT = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Lower-case, accent-free, whitespace-collapsed form of ``text``.

    ``casefold`` (not ``lower``) so ``ß`` matches ``ss``; NFKD then dropping combining marks so
    ``é`` matches ``e``; runs of whitespace become one space so multi-word terms match.
    """
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCT).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def is_word_char(ch: str) -> bool:
    """What counts as part of a word for boundary checks (letters, digits, underscore)."""
    return ch.isalnum() or ch == "_"
