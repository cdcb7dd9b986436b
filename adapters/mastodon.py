"""Mastodon: live hashtag and public/local timelines over server-sent events, plus keyword search.

A hashtag stream only sees posts that carry the tag, so keywords are also searched
(``/api/v2/search``) on an interval. Each live stream and each search query is a *feed* with its
own "last status id" in the cursor; on every (re)connect a feed first catches up through the REST
timeline with ``min_id`` and only then reads live events, so a dropped connection or a restart
loses nothing. The ids emitted most recently travel in the cursor too, so a status that arrives
through both the catch-up and the live stream (or through two feeds) is emitted once.

Feeds run as tasks that feed one queue; the generator alone updates the cursor, so the cursor
that comes with an item covers exactly the items yielded before it. Status ids are compared by
(length, text), which orders Mastodon's numeric snowflakes and other servers' sortable ids alike.
This module is longer than most because the live/catch-up hand-over has to live in one place.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

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
from adapters.http import Refused, bearer, client_session, expect_ok, fetch
from adapters.seen import RecentIds
from adapters.settings import load, setting
from adapters.sse import read_events

log = logging.getLogger(__name__)

PAGE = 40  # Mastodon's maximum page size for timelines and search
MAX_PAGES = 20  # per catch-up round; the next round goes on from there, so nothing is skipped
CURSOR_RECENT = 200  # emitted ids carried in the cursor to drop repeats after a restart
MEMORY_RECENT = 20_000  # emitted ids remembered in this run, for edits and deletes
CHECKPOINT_SECONDS = 10.0  # how often a cursor-only Emitted saves progress through non-matching posts
TIMELINES = {"public": "", "local": "/local", "remote": "/remote"}


@dataclass(frozen=True)
class MastodonSettings:
    instance: str = setting(doc='the server to read from, e.g. "https://mastodon.social"', url=True)
    access_token: str | None = setting(
        None, doc="a user access token with read:statuses (servers since 4.2 require one for streaming and search)")
    hashtags: tuple[str, ...] = setting((), doc='hashtags to stream live, without "#"')
    timelines: tuple[str, ...] = setting(
        (), doc='live timelines to stream and match against the brand terms: "public", "local" or "remote"')
    queries: tuple[str, ...] = setting(
        (), doc="keywords to search for on an interval (default: the brand terms; [] for none)")
    streaming_url: str | None = setting(
        None, doc="streaming server base URL (default: configuration.urls.streaming from /api/v2/instance)", url=True)
    search_interval: float = setting(60.0, doc="seconds between keyword searches", min=1, max=86_400)
    lookback_seconds: float = setting(
        3600.0, doc="on the first run only: how far back search results are taken", min=0, max=30 * 86_400)
    idle_timeout: float = setting(
        120.0, doc="reconnect a stream that sent nothing (not even a heartbeat) for this many seconds", min=5, max=3600)


@dataclass(frozen=True)
class _Feed:
    key: str  # its name in the cursor
    rest_path: str
    rest_params: Mapping[str, str]
    stream_path: str | None = None  # None: polled (search)
    stream_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Item:
    feed: str
    kind: str  # "post", "edit" or "delete"
    status: Any  # a status object, or the id string of a delete


def _id_key(status_id: str) -> tuple[int, str]:
    return len(status_id), status_id


def _newer(a: str | None, b: str) -> str:
    return b if a is None or _id_key(b) > _id_key(a) else a


class MastodonSource:
    type: ClassVar[str] = "mastodon"

    def __init__(self, settings: MastodonSettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()
        self._host = urlsplit(settings.instance).netloc
        self._streaming: str | None = settings.streaming_url
        self._pulled: dict[str, str | None] = {}  # feed -> newest id handed to the queue

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> MastodonSource:
        parsed = load(MastodonSettings, settings, cls.type, queries=tuple(context.terms))
        bad = [t for t in parsed.timelines if t not in TIMELINES]
        if bad:
            raise SourceMisconfigured("timelines", f'unknown timeline "{bad[0]}"; use "public", "local" or "remote"')
        if not (parsed.hashtags or parsed.timelines or parsed.queries):
            raise SourceMisconfigured(
                "hashtags", "nothing to read: set hashtags, timelines or queries (queries default to the brand terms)")
        return cls(parsed, context)

    async def check(self) -> None:
        """Reach the server, validate the token, and open one stream the way ``stream`` will."""
        async with client_session(self.context) as session:
            try:
                await fetch(session, self._url("/api/v2/instance"), now=self.context.now)
                if self.settings.access_token:
                    await fetch(session, self._url("/api/v1/accounts/verify_credentials"), now=self.context.now,
                                headers=bearer(self.settings.access_token))
                feed = next((f for f in self._feeds() if f.stream_path), None)
                if feed is not None:
                    base = await self._streaming_base(session)
                    async with session.get(base + (feed.stream_path or ""), params=feed.stream_params,
                                           headers=bearer(self.settings.access_token)) as resp:
                        await expect_ok(resp, self.context.now)
            except Refused as exc:
                if exc.status in (401, 403):
                    raise SourceMisconfigured("access_token", f"{exc}; create a token with read:statuses under "
                                                              "Preferences → Development and set access_token") from exc
                raise SourceMisconfigured("instance", f"{exc}; is this a Mastodon server?") from exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise SourceUnavailable(f"{self.settings.instance}: {exc}") from exc

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        last, recent = _read_cursor(cursor)
        emitted = RecentIds(MEMORY_RECENT, recent)
        self._pulled = dict(last)
        queue: asyncio.Queue[_Item | BaseException] = asyncio.Queue(maxsize=1000)
        checkpoint = self.context.now()
        async with client_session(self.context, headers=bearer(self.settings.access_token)) as session:
            tasks = [asyncio.create_task(self._run_feed(feed, session, queue)) for feed in self._feeds()]
            try:
                while True:
                    item = await queue.get()
                    if isinstance(item, BaseException):
                        raise item
                    mention = self._handle(item, last, emitted)
                    now = self.context.now()
                    if mention is not None:
                        checkpoint = now
                        yield Emitted(mention, _write_cursor(last, emitted))
                    elif now - checkpoint >= CHECKPOINT_SECONDS:
                        checkpoint = now
                        yield Emitted(None, _write_cursor(last, emitted))
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    # -- feeds (producers) ---------------------------------------------------------------------

    def _feeds(self) -> list[_Feed]:
        feeds = [
            _Feed(f"tag:{tag.lstrip('#')}", f"/api/v1/timelines/tag/{quote(tag.lstrip('#'), safe='')}", {},
                  "/api/v1/streaming/hashtag", {"tag": tag.lstrip("#")})
            for tag in self.settings.hashtags
        ]
        for name in self.settings.timelines:
            params = {name: "true"} if name != "public" else {}
            feeds.append(_Feed(name, "/api/v1/timelines/public", params, f"/api/v1/streaming/public{TIMELINES[name]}"))
        feeds += [_Feed(f"search:{q}", "/api/v2/search", {"q": q, "type": "statuses", "resolve": "false"})
                  for q in self.settings.queries]
        return feeds

    async def _run_feed(self, feed: _Feed, session: aiohttp.ClientSession, queue: asyncio.Queue[Any]) -> None:
        """Forever: catch up, then stream live (or wait and search again), retrying with backoff."""
        backoff = Backoff(self.context.sleep)
        floor = self.context.now() - self.settings.lookback_seconds
        try:
            while True:
                try:
                    if feed.stream_path is None:
                        await self._pull(feed, session, queue, floor)
                        backoff.reset()
                        await self.context.sleep(self.settings.search_interval)
                    else:
                        if await self._follow(feed, session, queue):
                            backoff.reset()
                        log.info("%s: %s stream ended; reconnecting", self.context.name, feed.key)
                        self.counters.retries += 1
                        await backoff.wait()
                except (TimeoutError, SourceUnavailable, aiohttp.ClientError) as exc:
                    self.counters.retries += 1
                    log.warning("%s: %s: %s; retrying", self.context.name, feed.key, exc)
                    await backoff.wait(getattr(exc, "retry_after", None))
        except Exception as exc:  # a bug: surface it in the consumer instead of hanging (cancellation passes)
            await queue.put(exc)

    async def _follow(self, feed: _Feed, session: aiohttp.ClientSession, queue: asyncio.Queue[Any]) -> bool:
        """One connection: open the stream first, then catch up, so nothing falls between the two.

        Returns whether the connection was healthy (it carried an event or lasted a minute), so a
        server that accepts and drops at once is retried with a growing delay, not in a tight loop.
        """
        opened = self.context.now()
        healthy = False
        base = await self._streaming_base(session)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=self.settings.idle_timeout)
        async with session.get(base + (feed.stream_path or ""), params=feed.stream_params, timeout=timeout,
                               headers={"Accept": "text/event-stream"}) as resp:
            await expect_ok(resp, self.context.now)
            if self._pulled.get(feed.key) is not None:
                await self._pull(feed, session, queue, floor=0.0)
            async for event in read_events(resp.content, on_error=self._malformed):
                healthy = True
                item = self._parse_event(feed.key, event.event, event.data)
                if item is not None:
                    await queue.put(item)
        return healthy or self.context.now() - opened >= 60

    async def _pull(self, feed: _Feed, session: aiohttp.ClientSession, queue: asyncio.Queue[Any],
                    floor: float) -> None:
        """Statuses newer than the feed's last id, oldest first (first run: the newest page since ``floor``)."""
        for _ in range(MAX_PAGES):
            last = self._pulled.get(feed.key)
            params = {**feed.rest_params, "limit": str(PAGE), **({"min_id": last} if last else {})}
            reply = await fetch(session, self._url(feed.rest_path), params=params, now=self.context.now)
            page = reply.json()
            if isinstance(page, dict):
                page = page.get("statuses")
            if not isinstance(page, list):
                raise SourceUnavailable(f"{feed.rest_path}: expected a list of statuses")
            statuses = []
            for status in page:
                if isinstance(status, dict) and isinstance(status.get("id"), str) and status["id"]:
                    statuses.append(status)
                else:
                    self._malformed(f"{feed.key}: a status without an id")
            for status in sorted(statuses, key=lambda s: _id_key(s["id"])):
                self._pulled[feed.key] = _newer(self._pulled.get(feed.key), status["id"])
                if last is None and _created(status) < floor:
                    continue
                await queue.put(_Item(feed.key, "post", status))
            if last is None or len(page) < PAGE:
                return

    def _parse_event(self, feed: str, event: str, data: str) -> _Item | None:
        if event == "delete":
            status_id = data.strip().strip('"')
            return _Item(feed, "delete", status_id) if status_id else self._malformed("delete without an id")
        if event not in ("update", "status.update"):
            return None  # notifications, filters_changed, announcements…: not ours
        try:
            status = json.loads(data)
        except ValueError:
            return self._malformed(f"{feed}: {event} event is not JSON: {data[:80]!r}")
        if not isinstance(status, dict) or not isinstance(status.get("id"), str) or not status["id"]:
            return self._malformed(f"{feed}: {event} event without a status id")
        if event == "update":
            self._pulled[feed] = _newer(self._pulled.get(feed), status["id"])
        return _Item(feed, "post" if event == "update" else "edit", status)

    # -- items -> mentions (consumer) ----------------------------------------------------------

    def _handle(self, item: _Item, last: dict[str, str | None], emitted: RecentIds) -> Mention | None:
        self.counters.received += 1
        if item.kind == "delete":
            if item.status not in emitted and not self.context.known(item.status):
                return None
            mention: Mention | None = Mention(source=self.context.name, id=item.status, text="", kind="delete")
        else:
            status = item.status
            if item.kind == "post":
                last[item.feed] = _newer(last.get(item.feed), status["id"])
                if status["id"] in emitted or status.get("reblog"):
                    return None
            text = _status_text(status)
            wanted = self.context.matches(text) or (
                item.kind == "edit" and (status["id"] in emitted or self.context.known(status["id"])))
            if not wanted:
                return None
            mention = self._to_mention(status, text, item.kind)
        if mention is not None:
            emitted.add(mention.id)
            self.counters.matched += 1
        return mention

    def _to_mention(self, status: dict[str, Any], text: str, kind: str) -> Mention | None:
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        acct = str(account.get("acct") or "")
        try:
            return Mention.from_json({
                "source": self.context.name, "id": status["id"], "kind": kind, "text": text,
                "url": status.get("url") or status.get("uri") or "",
                "created_at": status.get("created_at"),
                "author": {"handle": f"@{acct}" if "@" in acct else f"@{acct}@{self._host}" if acct else "",
                           "name": account.get("display_name") or "", "followers": account.get("followers_count")},
                "lang": status.get("language"), "in_reply_to": status.get("in_reply_to_id"),
                "metrics": {"replies": status.get("replies_count") or 0, "reposts": status.get("reblogs_count") or 0,
                            "likes": status.get("favourites_count") or 0},
                "uri": status.get("uri"),
                "tags": [t.get("name") for t in status.get("tags") or [] if isinstance(t, dict)],
            })
        except (MentionError, TypeError, AttributeError) as exc:
            return self._malformed(f"status {status.get('id')}: {exc}")

    def _malformed(self, reason: str) -> None:
        self.counters.errors += 1
        log.warning("%s: skipped a malformed item: %s", self.context.name, reason)

    # -- helpers -------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.settings.instance.rstrip("/") + path

    async def _streaming_base(self, session: aiohttp.ClientSession) -> str:
        """The streaming server, which may be another host: read once from the instance's configuration."""
        if self._streaming is None:
            try:
                info = (await fetch(session, self._url("/api/v2/instance"), now=self.context.now)).json()
                found = info.get("configuration", {}).get("urls", {}).get("streaming")
            except (SourceUnavailable, AttributeError) as exc:
                log.info("%s: no streaming URL from /api/v2/instance (%s); using the instance", self.context.name, exc)
                return self.settings.instance.rstrip("/")
            self._streaming = found if isinstance(found, str) and found else self.settings.instance
        base = self._streaming.rstrip("/")
        return "https" + base[3:] if base.startswith("wss") else "http" + base[2:] if base.startswith("ws") else base


def _status_text(status: Mapping[str, Any]) -> str:
    """Content warning (it often names the topic) and content, as plain text."""
    content = html_to_text(status.get("content") if isinstance(status.get("content"), str) else "")
    warning = status.get("spoiler_text") if isinstance(status.get("spoiler_text"), str) else ""
    return f"{warning}\n\n{content}" if warning else content


def _created(status: Mapping[str, Any]) -> float:
    """Creation time in epoch seconds; 0 (older than any lookback) when missing or unreadable."""
    value = status.get("created_at")
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return 0.0
    if parsed is None:
        return 0.0
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _read_cursor(cursor: str | None) -> tuple[dict[str, str | None], list[str]]:
    if not cursor:
        return {}, []
    try:
        obj = json.loads(cursor)
        last = {str(k): str(v) for k, v in obj.get("last", {}).items() if v}
        recent = [str(i) for i in obj.get("recent", [])]
    except (ValueError, AttributeError, TypeError):
        log.warning("mastodon: unreadable cursor %r; starting afresh", cursor[:80])
        return {}, []
    return dict(last), recent


def _write_cursor(last: Mapping[str, str | None], emitted: RecentIds) -> str:
    return json.dumps({"last": {k: v for k, v in last.items() if v}, "recent": emitted.newest(CURSOR_RECENT)},
                      separators=(",", ":"))
