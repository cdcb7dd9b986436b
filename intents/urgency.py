"""Urgency from text and metadata (placeholder rules until the classifier issue lands)."""

from __future__ import annotations

from intents.verdict import Post

_LOW_INTENTS = {"praise", "feature_request", "careers", "other"}
_CRITICAL_INTENTS = {"legal", "security"}


def assess_urgency(post: Post, intent: str, lang: str) -> tuple[str, tuple[str, ...]]:
    reasons: list[str] = []
    followers = post.followers or 0
    if intent in _CRITICAL_INTENTS:
        reasons.append(f"{intent} intent")
        return "critical", tuple(reasons)
    if intent in ("outage", "press"):
        reasons.append(f"{intent} intent")
        level = "high"
    elif intent in _LOW_INTENTS:
        level = "low"
    else:
        level = "normal"
    if intent == "complaint" and followers >= 10_000:
        reasons.append(f"author has {_short(followers)} followers")
        level = "high"
    return level, tuple(reasons)


def _short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)
