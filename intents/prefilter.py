"""Which configured brand a post names, if any: the fast gate in front of the classifier.

Every post on a firehose passes through here and most are dropped, so this is one Aho-Corasick
pass over all brands' terms at once (``intents.phrases``), case- and accent-insensitive, with word
boundaries ("Bankly" never fires inside "bankllyx"). Terms are the config's names, handles,
hashtags and misspellings; a multi-word name also matches squashed and hyphenated ("Smul Snel"
finds "@smulsnel" and "smul-snel"), because that is how handles and hashtags spell it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from intents.phrases import PhraseIndex
from intents.text import fold


class BrandMatcher:
    """Case- and accent-insensitive whole-word match over every brand's terms."""

    def __init__(self, brands: Mapping[str, Sequence[str]]) -> None:
        self._index: PhraseIndex[str] = PhraseIndex({brand: list(_variants(terms)) for brand, terms in brands.items()})

    def __len__(self) -> int:
        """How many distinct folded terms are configured (variants included)."""
        return len(self._index)

    def match(self, text: str) -> str | None:
        """The brand whose term appears first in ``text``, or None."""
        return self._index.first(fold(text))

    def matches(self, text: str) -> bool:
        """Whether ``text`` names any configured brand (stops at the first hit)."""
        return self.match(text) is not None

    def brands_in(self, text: str) -> set[str]:
        """Every brand ``text`` names (a post can compare two brands)."""
        return self._index.keys_in(fold(text))


def _variants(terms: Sequence[str]) -> Iterator[str]:
    for term in terms:
        yield term
        words = term.split()
        if len(words) > 1:
            yield "".join(words)
            yield "-".join(words)
