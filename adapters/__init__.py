"""Source adapters: each turns one public source into an async stream of mentions."""

from adapters.base import (
    Author,
    Emitted,
    Mention,
    MentionError,
    Source,
    SourceContext,
    SourceCounters,
    SourceMisconfigured,
    SourceUnavailable,
)

__all__ = [
    "Author",
    "Emitted",
    "Mention",
    "MentionError",
    "Source",
    "SourceContext",
    "SourceCounters",
    "SourceMisconfigured",
    "SourceUnavailable",
]
