"""Language detection: restricted, noise-stripped, and honest about short posts."""

from __future__ import annotations

import pytest

from intents.langid import clean_for_detection, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the app is down again and nobody answers the phone", "en"),
        ("de app ligt er weer uit en niemand neemt de telefoon op", "nl"),
        ("@bankly_help https://t.co/abc de app ligt er weer uit", "nl"),
        ("l'application ne fonctionne plus depuis ce matin", "fr"),
    ],
)
def test_detects_supported_languages(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_fewer_than_three_words_is_undetermined() -> None:
    assert detect_language("love it") == "und"
    assert detect_language("@bankly https://x.co/a 👍 !!") == "und"


def test_hint_fills_in_for_short_posts_and_wins_outside_the_detector() -> None:
    assert detect_language("top service", hint="nl-BE") == "nl"
    assert detect_language("the app is down again today", hint="es") == "es"  # detector cannot say "es"
    assert detect_language("de app ligt er weer uit", hint="en") == "nl"  # detection beats a wrong default tag


def test_cleaning_removes_urls_handles_and_hash_signs() -> None:
    assert clean_for_detection("@a_b hoi #storing https://x.nl/y").split() == ["hoi", "storing"]
