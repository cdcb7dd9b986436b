"""Words and symbols every platform uses for the same facts, so Slack, Teams and the terminal agree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

URGENCY_EMOJI = {"critical": "🔴", "high": "🟠", "normal": "🟡", "low": "⚪"}
URGENCY_SLACK = {"critical": ":red_circle:", "high": ":large_orange_circle:", "normal": ":large_yellow_circle:",
                 "low": ":white_circle:"}
INTENT_WORDS = {
    "complaint": "Complaint",
    "question": "Question",
    "outage": "Outage",
    "billing": "Billing",
    "security": "Security",
    "legal": "Legal threat",
    "press": "Press",
    "praise": "Praise",
    "sales": "Sales lead",
    "feature_request": "Feature request",
    "careers": "Careers",
    "other": "Other",
}
STATUS_WORDS = {
    "new": "New",
    "alerted": "Unclaimed",
    "claimed": "Claimed",
    "snoozed": "Snoozed",
    "resolved": "Resolved",
    "dismissed": "Dismissed",
    "silenced": "Silenced",
}
LANG_WORDS = {"en": "English", "nl": "Dutch", "fr": "French", "de": "German", "und": "unknown language"}


def followers(count: int | None) -> str:
    if count is None:
        return "reach unknown"
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M followers"
    if count >= 10_000:
        return f"{count // 1000}k followers"
    if count >= 1000:
        return f"{count / 1000:.1f}k followers"
    return f"{count} followers"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "time unknown"


def scores(top: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{label} {score:.0%}" for label, score in top)


def cut(text: str, limit: int) -> tuple[str, bool]:
    """Cut at a word boundary before ``limit`` characters; say whether anything was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text, False
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit * 0.6:
        head = head[:space]
    return head.rstrip() + "…", True
