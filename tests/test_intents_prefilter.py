"""The brand prefilter: one multi-pattern pass, case/accent-insensitive, whole words only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intents.prefilter import BrandMatcher

BRANDS = {
    "Bankly": ["Bankly", "@bankly", "#bankly", "bankley"],
    "Smul Snel": ["Smul Snel"],
    "Café Noir": ["Café Noir"],
}


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher(BRANDS)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("I love BANKLY!", "Bankly"),
        ("#Bankly is down?", "Bankly"),
        ("@bankly help", "Bankly"),
        ("bankley took my money", "Bankly"),  # a configured misspelling
        ("Bánkly", "Bankly"),  # accents folded
        ("support@bankly.com replied", "Bankly"),
        ("bankly's app", "Bankly"),
        ("@smulsnel koud eten", "Smul Snel"),  # multi-word name squashed like a handle
        ("smul-snel weer te laat", "Smul Snel"),
        ("Smul   Snel", "Smul Snel"),  # runs of spaces
        ("cafe noir rocks", "Café Noir"),
    ],
)
def test_matches_brand_terms(matcher: BrandMatcher, text: str, brand: str) -> None:
    assert matcher.match(text) == brand
    assert matcher.matches(text)


@pytest.mark.parametrize("text", ["bankl", "bankllyx is weird", "xbankly", "bankly_x", "nothing here", ""])
def test_word_boundaries_stop_partial_hits(matcher: BrandMatcher, text: str) -> None:
    assert matcher.match(text) is None
    assert not matcher.matches(text)


def test_first_brand_in_text_wins_and_all_are_listed(matcher: BrandMatcher) -> None:
    text = "Switching from Smul Snel to Bankly"
    assert matcher.match(text) == "Smul Snel"
    assert matcher.brands_in(text) == {"Smul Snel", "Bankly"}


def test_no_brands_matches_nothing() -> None:
    assert BrandMatcher({}).match("Bankly") is None


def test_empty_term_is_refused_with_a_fix() -> None:
    with pytest.raises(ValueError, match="at least one letter"):
        BrandMatcher({"Bankly": ["  "]})


@given(st.text(alphabet=" .,!?@#", max_size=5), st.text(alphabet=" .,!?", max_size=5))
def test_term_between_separators_always_matches(before: str, after: str) -> None:
    assert BrandMatcher({"Bankly": ["bankly"]}).matches(f"{before} bankly{after}")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=4))
def test_term_glued_to_word_characters_never_matches(glue: str) -> None:
    matcher = BrandMatcher({"Bankly": ["bankly"]})
    assert not matcher.matches(f"bankly{glue}")
    assert not matcher.matches(f"{glue}bankly")
