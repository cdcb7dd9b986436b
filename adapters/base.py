"""What every source adapter shares: the Mention record, the Source protocol and its errors.

Adapters are inbound only. They turn a source into an async stream of ``Emitted`` items and never
hold the core (opsdroid's mistake): the core drives them, stores each mention, and only then saves
the cursor that came with it, so a crash between the two replays an item instead of losing it.
This module must not import ``bot`` or ``intents``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

MentionKind = Literal["post", "edit", "delete"]
MENTION_KINDS: tuple[str, ...] = ("post", "edit", "delete")

#: Keys of the Mention JSON contract (DESIGN.md); anything else is kept in ``extra``.
_KNOWN_KEYS = frozenset(
    {"source", "id", "url", "created_at", "author", "text", "lang", "in_reply_to", "conversation", "metrics", "kind"}
)
MAX_TEXT_CHARS = 40_000


class MentionError(ValueError):
    """A mention that does not follow the JSON contract; the message says which field and why."""


class SourceMisconfigured(ValueError):
    """A ``[[sources]]`` entry that can never work; start-up stops and names ``key``."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.detail = message


class SourceUnavailable(RuntimeError):
    """A transient failure (network, 5xx, rate limit); the runner retries with backoff.

    ``retry_after`` carries a server's ``Retry-After`` (seconds) when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Author:
    handle: str = ""
    name: str = ""
    followers: int | None = None


@dataclass(frozen=True)
class Mention:
    """One public post (or an edit/delete of one), as the JSON Lines contract in DESIGN.md says."""

    source: str
    id: str
    text: str
    url: str = ""
    created_at: datetime | None = None
    author: Author = field(default_factory=Author)
    lang: str | None = None
    in_reply_to: str | None = None
    #: id of the thread's root post when the source knows it (Bluesky reply.root, Reddit link id).
    conversation: str | None = None
    metrics: Mapping[str, int] = field(default_factory=dict)
    #: "post" for a new post; "edit"/"delete" when the source reports a change to post ``id``.
    kind: MentionKind = "post"
    #: Unknown fields from the input, kept verbatim (the contract says they are never dropped).
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, obj: Any, *, require_source: bool = True) -> Mention:
        """Validate one decoded JSON object; raise ``MentionError`` naming the bad field."""
        if not isinstance(obj, dict):
            raise MentionError(f"expected a JSON object, got {type(obj).__name__}")
        text = obj.get("text")
        if not isinstance(text, str):
            raise MentionError("'text' is required and must be a string")
        if len(text) > MAX_TEXT_CHARS:
            raise MentionError(f"'text' is longer than {MAX_TEXT_CHARS} characters")
        source = _opt_str(obj, "source")
        ident = obj.get("id")
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)
        if ident is not None and not isinstance(ident, str):
            raise MentionError("'id' must be a string")
        if require_source and (not source or not ident):
            raise MentionError("'source' and 'id' are required to ingest a mention")
        kind = obj.get("kind", "post")
        if kind not in MENTION_KINDS:
            raise MentionError(f"'kind' must be one of {', '.join(MENTION_KINDS)}")
        return cls(
            source=source or "",
            id=ident or "",
            text=text,
            url=_opt_str(obj, "url") or "",
            created_at=_parse_time(obj.get("created_at")),
            author=_parse_author(obj.get("author")),
            lang=_opt_str(obj, "lang"),
            in_reply_to=_opt_id(obj, "in_reply_to"),
            conversation=_opt_id(obj, "conversation"),
            metrics=_parse_metrics(obj.get("metrics")),
            kind=kind,
            extra={k: v for k, v in obj.items() if k not in _KNOWN_KEYS},
        )

    @classmethod
    def from_json_line(cls, line: str, *, require_source: bool = True) -> Mention:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MentionError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        return cls.from_json(obj, require_source=require_source)

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON form; unknown fields come back out as they went in."""
        out: dict[str, Any] = dict(self.extra)
        out.update(
            source=self.source,
            id=self.id,
            url=self.url,
            created_at=self.created_at.isoformat().replace("+00:00", "Z") if self.created_at else None,
            author={"handle": self.author.handle, "name": self.author.name, "followers": self.author.followers},
            text=self.text,
            lang=self.lang,
            in_reply_to=self.in_reply_to,
            conversation=self.conversation,
            metrics=dict(self.metrics),
            kind=self.kind,
        )
        return out


@dataclass(frozen=True)
class Emitted:
    """What a source yields: a mention, and the cursor to save once that mention is stored.

    ``mention`` may be ``None`` when a source only wants to advance its cursor (a poll that found
    nothing new). ``cursor`` ``None`` means "do not move the cursor".
    """

    mention: Mention | None
    cursor: str | None = None


@dataclass(frozen=True)
class SourceContext:
    """What the core hands an adapter: its name, the brand terms and the prefilter.

    Firehose sources (Bluesky) call ``matches(text)`` before building a Mention, so the expensive
    work happens only for posts that name a brand. Search-based sources (Reddit, HN, Mastodon
    search) put ``terms`` in their queries.
    """

    name: str
    terms: tuple[str, ...] = ()
    matches: Callable[[str], bool] = lambda _text: True
    user_agent: str = "siloless/0.1 (+https://github.com/siloless/siloless)"
    #: Waiting (backoff, poll intervals, Retry-After) goes through here so tests can make it instant.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    #: Wall-clock seconds since the epoch; injectable for the same reason.
    now: Callable[[], float] = time.time
    #: "Has the core stored a mention with this id from this source?" Sources that report edits and
    #: deletes (Mastodon, Bluesky) ask it about posts they do not remember from this run, so a delete
    #: of a post stored before a restart still reaches the core. The default knows nothing.
    known: Callable[[str], bool] = lambda _id: False


@dataclass
class SourceCounters:
    """Per-source counters exposed on ``/metrics``."""

    #: Items read from the source (posts, events, entries), before any filtering.
    received: int = 0
    #: Items that became a Mention (posts naming a brand term, and edits/deletes of known posts).
    matched: int = 0
    #: Malformed items that were logged and skipped.
    errors: int = 0
    #: Transient failures (network, 5xx, 429, dropped stream) that were waited out and retried.
    retries: int = 0


@runtime_checkable
class Source(Protocol):
    """A configured source. Built by ``from_config``; ``check`` is the one-shot test ``doctor`` runs.

    ``stream`` resumes after ``cursor`` (``None`` = first run) and yields forever (or until the
    source is exhausted, as replay is). Transient failures inside the stream are the adapter's to
    retry with backoff; it raises ``SourceUnavailable`` only for what it cannot recover from.
    """

    type: ClassVar[str]
    counters: SourceCounters

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> Source: ...

    async def check(self) -> None: ...

    def stream(self, cursor: str | None) -> AsyncIterator[Emitted]: ...


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MentionError(f"'{key}' must be a string")
    return value


def _opt_id(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _opt_str(obj, key)


def _parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (ValueError, OverflowError, OSError):
            raise MentionError(f"'created_at' {value!r} is not a usable Unix time") from None
    if not isinstance(value, str):
        raise MentionError("'created_at' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MentionError(f"'created_at' is not an ISO 8601 time: {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_author(value: Any) -> Author:
    if value is None:
        return Author()
    if isinstance(value, str):
        return Author(handle=value)
    if not isinstance(value, dict):
        raise MentionError("'author' must be an object with handle, name, followers")
    followers = value.get("followers")
    if followers is not None and (not isinstance(followers, int) or isinstance(followers, bool) or followers < 0):
        raise MentionError("'author.followers' must be a non-negative integer")
    handle, name = value.get("handle", ""), value.get("name", "")
    if not isinstance(handle, str) or not isinstance(name, str):
        raise MentionError("'author.handle' and 'author.name' must be strings")
    return Author(handle=handle, name=name, followers=followers)


def _parse_metrics(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MentionError("'metrics' must be an object of counts")
    out: dict[str, int] = {}
    for key, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool):
            raise MentionError(f"'metrics.{key}' must be an integer")
        out[str(key)] = count
    return out
