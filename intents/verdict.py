"""The classifier's answer and its input, as plain data (no spaCy types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Post:
    """What the classifier needs to know about a post: its text and the metadata urgency uses."""

    text: str
    lang: str | None = None
    followers: int | None = None
    reposts: int | None = None
    likes: int | None = None


@dataclass(frozen=True)
class Verdict:
    lang: str
    intent: str
    intent_scores: dict[str, float]
    urgency: str
    urgency_reasons: tuple[str, ...] = ()
    #: which model produced it, e.g. "keyword-baseline" or "spacy-textcat:bow"
    model: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def top_intents(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.intent_scores.items(), key=lambda kv: -kv[1])[:n]
