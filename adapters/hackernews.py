"""Hacker News: stories and comments naming the brand, from the Algolia ``search_by_date`` API.

The official Firebase API has items but no search, so we ask Algolia once per query and interval
for items created since the cursor (``numericFilters=created_at_i>=T``), newest first, page by
page, and emit them oldest first. The cursor is a ``SeenWindow``: the last creation time plus the
ids created at or after ``T - window_seconds``. With a window of 0 that is "last second plus the
ids at that second", enough to avoid both loss and repeats when several items share a second;
the default window also catches items Algolia indexes a little late.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp

from adapters.backoff import Backoff
from adapters.base import (
    Emitted,
    Mention,
    MentionError,
    SourceContext,
    SourceCounters,
    SourceMisconfigured,
    SourceUnavailable,
)
from adapters.html import html_to_text
from adapters.http import Refused, client_session, fetch
from adapters.seen import SeenWindow
from adapters.settings import load, setting

log = logging.getLogger(__name__)

ITEM_URL = "https://news.ycombinator.com/item?id="
PAGE = 100
MAX_PAGES = 10  # Algolia returns at most 1,000 hits per query


@dataclass(frozen=True)
class HackerNewsSettings:
    queries: tuple[str, ...] = setting((), doc="what to search for, one query each (default: the brand terms)")
    api_url: str = setting("https://hn.algolia.com/api/v1", url=True, doc="the Algolia HN Search API base")
    tags: str = setting("(story,comment)", doc="Algolia tag filter: which item types to read")
    interval: float = setting(
        60.0, min=5, max=86_400, doc="seconds between polls (Algolia allows ~10,000 requests/hour)")
    lookback_seconds: float = setting(3600.0, min=0, max=30 * 86_400, doc="on the first run only: how far back to look")
    window_seconds: float = setting(
        300.0, min=0, max=86_400, doc="re-read this much before the newest item, for items indexed late (0: none)")


class HackerNewsSource:
    type: ClassVar[str] = "hackernews"

    def __init__(self, settings: HackerNewsSettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> HackerNewsSource:
        parsed = load(HackerNewsSettings, settings, cls.type, queries=tuple(context.terms))
        if not parsed.queries:
            raise SourceMisconfigured("queries", "nothing to search for: set queries, or brand terms in [brands]")
        return cls(parsed, context)

    async def check(self) -> None:
        """Run the first query once."""
        async with client_session(self.context) as session:
            try:
                await self._search(session, self.settings.queries[0], self.context.now() - 60, 0, hits=1)
            except Refused as exc:
                raise SourceMisconfigured("api_url", f"{exc}; is this the Algolia HN Search API?") from exc

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        window = self._read_cursor(cursor)
        backoff = Backoff(self.context.sleep)
        async with client_session(self.context) as session:
            while True:
                try:
                    for hit in await self._new_hits(session, window):
                        window.add(hit["objectID"], float(hit["created_at_i"]))
                        mention = self._to_mention(hit)
                        if mention is not None:
                            yield Emitted(mention, self._write_cursor(window))
                    if window.newest is not None:
                        yield Emitted(None, self._write_cursor(window))
                    backoff.reset()
                    await self.context.sleep(self.settings.interval)
                except SourceUnavailable as exc:
                    self.counters.retries += 1
                    log.warning("%s: %s; retrying", self.context.name, exc)
                    await backoff.wait(exc.retry_after)

    async def _new_hits(self, session: aiohttp.ClientSession, window: SeenWindow) -> list[dict[str, Any]]:
        """Every query's unseen hits since the window's floor, merged by id, oldest first."""
        floor = int(window.floor(self.context.now(), self.settings.lookback_seconds))
        found: dict[str, dict[str, Any]] = {}
        for query in self.settings.queries:
            for page in range(MAX_PAGES):
                body = await self._search(session, query, floor, page)
                for hit in body["hits"]:
                    self.counters.received += 1
                    if not (isinstance(hit, dict) and isinstance(hit.get("objectID"), str)
                            and isinstance(hit.get("created_at_i"), int)):
                        self._malformed("a hit without objectID or created_at_i")
                    elif window.is_new(hit["objectID"], hit["created_at_i"], floor):
                        found[hit["objectID"]] = hit
                if page + 1 >= _int(body.get("nbPages")):
                    break
        return sorted(found.values(), key=lambda h: (h["created_at_i"], _int(h["objectID"]), h["objectID"]))

    async def _search(self, session: aiohttp.ClientSession, query: str, floor: float, page: int,
                      hits: int = PAGE) -> dict[str, Any]:
        params = {"query": query, "tags": self.settings.tags, "numericFilters": f"created_at_i>={int(floor)}",
                  "hitsPerPage": str(hits), "page": str(page)}
        reply = await fetch(session, self.settings.api_url.rstrip("/") + "/search_by_date", params=params,
                            now=self.context.now)
        body = reply.json()
        if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
            raise SourceUnavailable("search_by_date: the reply has no hits list")
        return body

    def _to_mention(self, hit: Mapping[str, Any]) -> Mention | None:
        tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
        if "comment" in tags or hit.get("comment_text"):
            text = html_to_text(_str(hit.get("comment_text")))
            extra = {"in_reply_to": _id(hit.get("parent_id")), "story_title": hit.get("story_title")}
        else:  # title, then the link (brands are often named only in it), then any text
            heading = "\n".join(p for p in (_str(hit.get("title")), _str(hit.get("url"))) if p)
            body = html_to_text(_str(hit.get("story_text")))
            text = f"{heading}\n\n{body}" if heading and body else heading or body
            extra = {"metrics": {"points": _int(hit.get("points")), "comments": _int(hit.get("num_comments"))}}
        if not text:
            return self._malformed(f"item {hit['objectID']} has no text")
        if not self.context.matches(text):
            return None
        try:
            mention = Mention.from_json({
                "source": self.context.name, "id": hit["objectID"], "text": text,
                "url": ITEM_URL + hit["objectID"], "created_at": hit["created_at_i"],
                "author": {"handle": hit.get("author") if isinstance(hit.get("author"), str) else ""},
                "conversation": _id(hit.get("story_id")), **extra,
            })
        except MentionError as exc:
            return self._malformed(f"item {hit['objectID']}: {exc}")
        self.counters.matched += 1
        return mention

    def _read_cursor(self, cursor: str | None) -> SeenWindow:
        try:
            obj = json.loads(cursor) if cursor else None
        except ValueError:
            log.warning("%s: unreadable cursor; starting afresh", self.context.name)
            obj = None
        return SeenWindow.from_json(obj, self.settings.window_seconds)

    @staticmethod
    def _write_cursor(window: SeenWindow) -> str:
        return json.dumps(window.to_json(), separators=(",", ":"))

    def _malformed(self, reason: str) -> None:
        self.counters.errors += 1
        log.warning("%s: skipped a malformed hit: %s", self.context.name, reason)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str | None:
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) and value != "" else None
