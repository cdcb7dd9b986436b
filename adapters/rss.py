"""RSS and Atom feeds (news searches, Google Alerts, Talkwalker Alerts), polled politely.

Each poll is a conditional GET (``If-None-Match`` / ``If-Modified-Since``), so an unchanged feed
costs the publisher a 304. We fetch with aiohttp ourselves and hand feedparser the bytes, which
keeps every request on our session, our User-Agent and our timeouts. Entries are deduplicated by
id (hashed short) in a bounded set that lives in the cursor, and the new ETag is saved only after
the last new entry of a poll: a crash half-way through refetches the feed instead of skipping the
rest. Google Alerts wraps each link in a ``google.com/url?...&url=<target>`` redirect; we unwrap it.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import feedparser

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
from adapters.http import Refused, Reply, client_session, fetch
from adapters.seen import RecentIds
from adapters.settings import load, setting

log = logging.getLogger(__name__)

SEEN_MIN = 500  # entry ids remembered; always at least twice what the feed holds
_GOOGLE = re.compile(r"(www\.)?google(\.[a-z]{2,3}){1,2}")


@dataclass(frozen=True)
class RssSettings:
    url: str = setting(doc="the feed's URL (RSS or Atom; for Google Alerts choose 'Deliver to: RSS feed')", url=True)
    interval: float = setting(900.0, min=10, max=7 * 86_400, doc="seconds between polls (be polite: 300 or more)")
    lookback_seconds: float = setting(
        86_400.0, min=0, max=365 * 86_400,
        doc="on the first run only: older dated entries are marked seen instead of alerting")


class _State:
    """The cursor: validators of the last fully handled fetch, and the ids already seen."""

    def __init__(self, cursor: str | None) -> None:
        self.etag: str | None = None
        self.modified: str | None = None
        self.seen = RecentIds(SEEN_MIN)
        if cursor:
            try:
                obj = json.loads(cursor)
                self.etag, self.modified = obj.get("etag"), obj.get("modified")
                self.seen = RecentIds(max(SEEN_MIN, len(obj.get("seen", []))), map(str, obj.get("seen", [])))
            except (ValueError, AttributeError, TypeError):
                log.warning("rss: unreadable cursor %r; starting afresh", cursor[:80])

    def dump(self) -> str:
        return json.dumps({"etag": self.etag, "modified": self.modified, "seen": self.seen.to_list()},
                          separators=(",", ":"))

    def conditional(self) -> dict[str, str]:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        return headers | ({"If-Modified-Since": self.modified} if self.modified else {})


class RssSource:
    type: ClassVar[str] = "rss"

    def __init__(self, settings: RssSettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> RssSource:
        return cls(load(RssSettings, settings, cls.type), context)

    async def check(self) -> None:
        """Fetch the feed once and make sure it parses as RSS or Atom."""
        async with client_session(self.context) as session:
            try:
                reply = await fetch(session, self.settings.url, now=self.context.now)
            except Refused as exc:
                raise SourceMisconfigured("url", f"{exc}; check the feed URL") from exc
        parsed = feedparser.parse(reply.body, response_headers=_headers(reply))
        if not parsed.version and not parsed.entries:
            reason = parsed.get("bozo_exception") or "no <rss> or <feed> element"
            raise SourceMisconfigured("url", f"not an RSS or Atom feed: {reason}")

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        state = _State(cursor)
        first_run = cursor is None
        backoff = Backoff(self.context.sleep)
        async with client_session(self.context) as session:
            while True:
                try:
                    reply = await fetch(session, self.settings.url, headers=state.conditional(), ok=(200, 304),
                                        now=self.context.now)
                except SourceUnavailable as exc:
                    self.counters.retries += 1
                    log.warning("%s: %s; retrying", self.context.name, exc)
                    await backoff.wait(exc.retry_after)
                    continue
                backoff.reset()
                if reply.status == 200:
                    for item in self._poll(reply, state, first_run):
                        yield item
                    first_run = False
                await self.context.sleep(self.settings.interval)

    def _poll(self, reply: Reply, state: _State, first_run: bool) -> Iterator[Emitted]:
        """New entries, oldest first, each with a cursor that still holds the previous validators."""
        parsed = feedparser.parse(reply.body, response_headers=_headers(reply))
        if not parsed.version and not parsed.entries:  # an error page, or not XML at all
            self._malformed(f"the feed did not parse: {parsed.get('bozo_exception') or 'not RSS or Atom'}")
            return
        entries = list(reversed(parsed.entries))  # feeds list newest first
        state.seen.limit = max(SEEN_MIN, 2 * len(entries))
        floor = self.context.now() - self.settings.lookback_seconds if first_run else None
        feed_title = html_to_text(parsed.feed.get("title", ""))
        for entry in entries:
            self.counters.received += 1
            ident = entry.get("id") or entry.get("link") or entry.get("title")
            if not ident:
                self._malformed("an entry with no id, link or title")
                continue
            key = hashlib.blake2b(ident.encode(), digest_size=8).hexdigest()
            is_new = key not in state.seen
            state.seen.add(key)  # refresh even when known, so entries still in the feed never expire
            if not is_new or (floor is not None and (_published(entry) or floor) < floor):
                continue
            mention = self._to_mention(entry, ident, feed_title)
            if mention is not None and self.context.matches(mention.text):
                self.counters.matched += 1
                yield Emitted(mention, state.dump())
        state.etag = reply.headers.get("ETag")
        state.modified = reply.headers.get("Last-Modified")
        yield Emitted(None, state.dump())

    def _to_mention(self, entry: Mapping[str, Any], ident: str, feed_title: str) -> Mention | None:
        title = html_to_text(entry.get("title", ""))
        contents = entry.get("content") or []
        body = html_to_text(contents[0].get("value", "") if contents else entry.get("summary", ""))
        text = f"{title}\n\n{body}" if body and body != title else title or body
        published = _published(entry)
        link = entry.get("link") or ""
        try:
            return Mention.from_json({
                "source": self.context.name, "id": ident, "text": text, "url": unwrap_redirect(link),
                "created_at": published, "author": {"name": entry.get("author") or ""},
                "feed": feed_title,
            })
        except MentionError as exc:
            return self._malformed(f"entry {ident[:80]}: {exc}")

    def _malformed(self, reason: str) -> None:
        self.counters.errors += 1
        log.warning("%s: skipped: %s", self.context.name, reason)


def unwrap_redirect(url: str) -> str:
    """The real target of a Google redirect link (``https://www.google.com/url?...&url=<target>``)."""
    parts = urlsplit(url)
    if parts.path == "/url" and _GOOGLE.fullmatch(parts.netloc):
        query = parse_qs(parts.query)
        for name in ("url", "q"):
            target = (query.get(name) or [""])[0]
            if target.startswith(("http://", "https://")):
                return target
    return url


def _published(entry: Mapping[str, Any]) -> float | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return float(calendar.timegm(stamp)) if stamp else None


def _headers(reply: Reply) -> dict[str, str]:
    return {"content-type": reply.headers.get("Content-Type", ""), "content-location": reply.url}
