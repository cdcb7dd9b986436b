"""The small two-language sentiment lexicon that urgency uses."""

from __future__ import annotations

import pytest

from intents.sentiment import sentiment


@pytest.mark.parametrize(
    "text",
    ["This is unacceptable, worst service ever", "Dit is echt schandalig", "not happy at all",
     "niet tevreden over de service", "waiting AGAIN, NOBODY answers", "🤬", "ik ben er kapot van"],
)
def test_negative(text: str) -> None:
    assert sentiment(text).is_negative


@pytest.mark.parametrize("text", ["Thanks Bankly, great help! 👍", "Top service, dank je wel", "chapeau!"])
def test_positive(text: str) -> None:
    result = sentiment(text)
    assert not result.is_negative
    assert result.score > 0


def test_no_cues_is_neutral() -> None:
    assert sentiment("de vergadering is om drie uur").score == 0.0
