"""The contract strings: intent labels and urgency levels (DESIGN.md). Change only deliberately."""

from __future__ import annotations

INTENTS: tuple[str, ...] = (
    "complaint",
    "question",
    "outage",
    "billing",
    "security",
    "legal",
    "press",
    "praise",
    "sales",
    "feature_request",
    "careers",
    "other",
)

#: Lowest first; ``URGENCY_RANK[u]`` compares levels.
URGENCIES: tuple[str, ...] = ("low", "normal", "high", "critical")
URGENCY_RANK: dict[str, int] = {level: rank for rank, level in enumerate(URGENCIES)}

LANGUAGES: tuple[str, ...] = ("en", "nl")
UNKNOWN_LANG = "und"


def raise_urgency(level: str, steps: int = 1) -> str:
    """``level`` moved up ``steps`` levels, capped at critical."""
    return URGENCIES[min(URGENCY_RANK[level] + steps, len(URGENCIES) - 1)]
