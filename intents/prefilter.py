"""Which configured brand a post names, if any (placeholder; the classifier issue makes it fast)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class BrandMatcher:
    """Case- and accent-insensitive whole-word match over every brand's terms."""

    def __init__(self, brands: Mapping[str, Sequence[str]]) -> None:
        self._brand_of: dict[str, str] = {}
        for brand, terms in brands.items():
            for term in terms:
                self._brand_of[_fold(term)] = brand
        alternatives = sorted(self._brand_of, key=len, reverse=True)
        pattern = "|".join(re.escape(t) for t in alternatives) or r"(?!x)x"
        self._regex = re.compile(rf"(?<!\w)({pattern})(?!\w)")

    def match(self, text: str) -> str | None:
        found = self._regex.search(_fold(text))
        return self._brand_of[found.group(1)] if found else None
