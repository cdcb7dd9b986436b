"""Fake public sources on 127.0.0.1 (port 0), speaking each adapter's protocol, for tests.

Every fake is an aiohttp app that records each request (``requests``, ``called(path)``) and can be
scripted: ``fail_next(status, headers=…)`` answers the next matching request with an error (429
with ``Retry-After``, 503…), event-stream and WebSocket fakes take per-connection scripts (garbage
lines, replays of old items, a disconnect in the middle of a message). Nothing here touches the
internet. ``InstantClock`` makes adapters' waiting instant; ``collect`` drives a source like the core
does (store the mention, then save its cursor) until a condition holds.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.base import Mention, Source, SourceContext

START = 1_800_000_000.0  # 2027-01-15, the fake clock's "now" at the start of every test
DISCONNECT = object()  # in an event-stream script: end the response right there


# -- time, context and a core-like driver ------------------------------------------------------


class InstantClock:
    """``now`` and ``sleep`` for ``SourceContext``: sleeping advances time at once and is recorded."""

    def __init__(self, start: float = START) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


def make_context(clock: InstantClock, *, name: str = "test", terms: Iterable[str] = ("acme",),
                 known: Callable[[str], bool] = lambda _id: False) -> SourceContext:
    lowered = tuple(t.lower() for t in terms)
    return SourceContext(name=name, terms=tuple(terms), matches=lambda text: any(t in text.lower() for t in lowered),
                         sleep=clock.sleep, now=clock.now, known=known)


@dataclass
class Run:
    mentions: list[Mention] = field(default_factory=list)
    cursor: str | None = None
    cursor_only: int = 0  # Emitted(None, cursor) seen

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.mentions]


async def collect(source: Source, cursor: str | None, until: Callable[[Run], bool], *, timeout: float = 5.0,
                  settle: float = 0.0) -> Run:
    """Drive ``source.stream(cursor)`` until ``until(run)``; then keep reading ``settle`` more seconds.

    The settle period is how tests see a repeat that would come after the expected items.
    """
    run = Run(cursor=cursor)
    agen = source.stream(cursor)

    async def drive(stop: Callable[[Run], bool]) -> None:
        async for item in agen:
            if item.mention is not None:
                run.mentions.append(item.mention)
            elif item.cursor is not None:
                run.cursor_only += 1
            if item.cursor is not None:
                run.cursor = item.cursor
            if stop(run):
                return

    try:
        await asyncio.wait_for(drive(until), timeout)
        if settle:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drive(lambda _run: False), settle)
    finally:
        await agen.aclose()
    return run


async def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    """Poll ``condition`` on the loop until it holds; fail the test after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def has(count: int) -> Callable[[Run], bool]:
    return lambda run: len(run.mentions) >= count


def has_ids(ids: Iterable[str]) -> Callable[[Run], bool]:
    wanted = set(ids)
    return lambda run: wanted <= set(run.ids)


# -- the server base ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: str
    path: str | None
    times: int


class FakeServer:
    """An aiohttp app on 127.0.0.1:0 that records requests and can be told to fail."""

    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._middleware])
        self.requests: list[Recorded] = []
        self._failures: list[_Failure] = []
        self._closing = asyncio.Event()
        self._server: TestServer | None = None

    async def __aenter__(self) -> FakeServer:
        self._server = TestServer(self.app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._server is not None:
            await self._server.close()

    def url(self, path: str = "", scheme: str = "http") -> str:
        assert self._server is not None, "use the fake as an async context manager"
        return f"{scheme}://127.0.0.1:{self._server.port}{path}"

    def called(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def fail_next(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, path: str | None = None,
                  body: str = "") -> None:
        self._failures.append(_Failure(status, headers or {}, body, path, times))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        query = {k: request.query.getall(k) for k in request.query}
        self.requests.append(Recorded(request.method, request.path, query, dict(request.headers), body))
        for failure in self._failures:
            if failure.times > 0 and (failure.path is None or failure.path == request.path):
                failure.times -= 1
                return web.Response(status=failure.status, headers=failure.headers, text=failure.body)
        return await handler(request)

    async def hold(self, request: web.Request) -> None:
        """Keep a long-lived response open until the client goes away or the fake closes."""
        while not self._closing.is_set():
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), 0.02)


def _page_by_id(items: list[dict[str, Any]], query: Any, key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
    """Mastodon-style paging: newest first; ``min_id`` gives the page just above it, ``since_id`` the newest."""
    limit = int(query.get("limit", 20))
    ordered = sorted(items, key=key)
    if query.get("min_id"):
        above = [s for s in ordered if key(s) > key({"id": query["min_id"]})]
        return list(reversed(above[:limit]))
    if query.get("since_id"):
        ordered = [s for s in ordered if key(s) > key({"id": query["since_id"]})]
    return list(reversed(ordered[-limit:]))


# -- Mastodon ------------------------------------------------------------------------------------


def status(status_id: int | str, text: str, *, tags: Iterable[str] = (), created: float = START - 60,
           acct: str = "ann@example.social", followers: Any = 1200, **extra: Any) -> dict[str, Any]:
    """A Mastodon Status as the API returns it (content is HTML)."""
    return {
        "id": str(status_id), "uri": f"https://example.social/users/ann/statuses/{status_id}",
        "url": f"https://example.social/@ann/{status_id}",
        "created_at": datetime.fromtimestamp(created, UTC).isoformat().replace("+00:00", "Z"),
        "content": f"<p>{escape(text)}</p>", "spoiler_text": "", "language": "en", "in_reply_to_id": None,
        "account": {"acct": acct, "display_name": "Ann", "followers_count": followers},
        "tags": [{"name": t} for t in tags], "replies_count": 1, "reblogs_count": 2, "favourites_count": 3,
        "reblog": None, **extra,
    }


def sse(event: str, data: Any) -> str:
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in payload.split("\n")) + "\n"


class FakeMastodon(FakeServer):
    """REST timelines and search with min_id/since_id paging, ``/api/v2/instance``, and SSE streams.

    ``scripts[n]`` is what the n-th streaming connection receives (strings written as they are,
    ``DISCONNECT`` ends the response); after its script a connection stays open, heartbeating.
    """

    def __init__(self, *, token: str | None = None, streaming_url: str | None = None) -> None:
        super().__init__()
        self.statuses: list[dict[str, Any]] = []
        self.scripts: list[list[Any]] = []
        self.token = token
        self.streaming_url = streaming_url
        self.stream_connections = 0
        r = self.app.router
        r.add_get("/api/v2/instance", self._instance)
        r.add_get("/api/v1/accounts/verify_credentials", self._verify)
        r.add_get("/api/v1/timelines/tag/{tag}", self._tag_timeline)
        r.add_get("/api/v1/timelines/public", self._public_timeline)
        r.add_get("/api/v2/search", self._search)
        for path in ("hashtag", "hashtag/local", "public", "public/local", "public/remote"):
            r.add_get(f"/api/v1/streaming/{path}", self._stream)

    def _authorized(self, request: web.Request) -> bool:
        return self.token is None or request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _instance(self, request: web.Request) -> web.Response:
        streaming = self.streaming_url or self.url(scheme="ws")
        return web.json_response({"domain": "example.social", "configuration": {"urls": {"streaming": streaming}}})

    async def _verify(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        return web.json_response({"id": "1", "acct": "siloless"})

    def _page(self, request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _page_by_id(items, request.query, lambda s: (len(s["id"]), s["id"]))

    async def _tag_timeline(self, request: web.Request) -> web.Response:
        tag = request.match_info["tag"].lower()
        tagged = [s for s in self.statuses if tag in [t["name"].lower() for t in s.get("tags", [])]]
        return web.json_response(self._page(request, tagged))

    async def _public_timeline(self, request: web.Request) -> web.Response:
        return web.json_response(self._page(request, self.statuses))

    async def _search(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": "The access token is invalid"}, status=401)
        q = request.query.get("q", "").lower()
        found = [s for s in self.statuses if q in str(s.get("content", "")).lower()]
        return web.json_response({"accounts": [], "hashtags": [], "statuses": self._page(request, found)})

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"error": "Missing access token"}, status=401)
        script = self.scripts[self.stream_connections] if self.stream_connections < len(self.scripts) else []
        self.stream_connections += 1
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for part in script:
            if part is DISCONNECT:
                return resp
            await resp.write(part.encode() if isinstance(part, str) else part)
        await resp.write(b":thump\n")
        await self.hold(request)
        return resp


# -- Bluesky Jetstream ---------------------------------------------------------------------------


def jetstream_post(time_us: int, rkey: str, text: str = "", *, did: str = "did:plc:ann", op: str = "create",
                   record: dict[str, Any] | None = None, rev: str | None = None) -> dict[str, Any]:
    commit: dict[str, Any] = {"rev": rev or f"rev{time_us}", "operation": op, "collection": "app.bsky.feed.post",
                              "rkey": rkey}
    if op != "delete":
        commit["cid"] = f"cid{time_us}"
        commit["record"] = record or {"$type": "app.bsky.feed.post", "text": text, "langs": ["en"],
                                      "createdAt": datetime.fromtimestamp(time_us / 1e6, UTC).isoformat()}
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


class FakeJetstream(FakeServer):
    """``/subscribe``: replays logged events with ``time_us >= cursor`` (all of them without a cursor).

    ``close_after[n]`` ends the n-th connection after that many messages; ``raw`` entries in the log
    (garbage) are sent in their place in time order.
    """

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[int, str]] = []
        self.close_after: list[int | None] = []
        self.connections = 0
        self.app.router.add_get("/subscribe", self._subscribe)

    def add(self, event: dict[str, Any]) -> None:
        self.log.append((event["time_us"], json.dumps(event)))

    def add_raw(self, time_us: int, raw: str) -> None:
        self.log.append((time_us, raw))

    async def _subscribe(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        number = self.connections
        self.connections += 1
        cursor = int(request.query.get("cursor", "0"))
        limit = self.close_after[number] if number < len(self.close_after) else None
        sent = 0
        for time_us, raw in sorted(self.log, key=lambda e: e[0]):
            if time_us < cursor:
                continue
            if limit is not None and sent >= limit:
                await ws.close()
                return ws
            await ws.send_str(raw)
            sent += 1
        closing = asyncio.ensure_future(self._closing.wait())
        receiving = asyncio.ensure_future(ws.receive())
        await asyncio.wait({closing, receiving}, return_when=asyncio.FIRST_COMPLETED)
        for task in (closing, receiving):
            task.cancel()
        if not ws.closed:
            await ws.close()
        return ws


# -- RSS / Atom ----------------------------------------------------------------------------------


def atom_feed(entries: Iterable[dict[str, Any]], title: str = "Google Alert - acme") -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
             f"<title>{escape(title)}</title><id>tag:fake,2027:feed</id><updated>2027-01-15T00:00:00Z</updated>"]
    for e in entries:
        inner = "".join([
            f"<id>{escape(e['id'])}</id>" if e.get("id") else "",
            f'<title type="html">{escape(e["title"])}</title>' if e.get("title") else "",
            f'<link href="{escape(e["link"])}"/>' if e.get("link") else "",
            f"<published>{_iso(e['published'])}</published><updated>{_iso(e['published'])}</updated>"
            if e.get("published") else "",
            f'<content type="html">{escape(e["content"])}</content>' if e.get("content") else "",
            f"<author><name>{escape(e['author'])}</name></author>" if e.get("author") else "",
        ])
        parts.append(f"<entry>{inner}</entry>")
    return "".join(parts) + "</feed>"


def rss_feed(entries: Iterable[dict[str, Any]], title: str = "News") -> str:
    parts = [f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
             "<link>https://news.example/</link><description>d</description>"]
    for e in entries:
        parts.append("<item>" + "".join([
            f'<guid isPermaLink="false">{escape(e["id"])}</guid>' if e.get("id") else "",
            f"<title>{escape(e['title'])}</title>" if e.get("title") else "",
            f"<link>{escape(e['link'])}</link>" if e.get("link") else "",
            f"<description>{escape(e['content'])}</description>" if e.get("content") else "",
            f"<pubDate>{format_datetime(datetime.fromtimestamp(e['published'], UTC))}</pubDate>"
            if e.get("published") else "",
        ]) + "</item>")
    return "".join(parts) + "</channel></rss>"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


class FakeFeed(FakeServer):
    """``/feed.xml`` with an ETag and Last-Modified; answers 304 to a matching conditional GET."""

    LAST_MODIFIED = "Fri, 15 Jan 2027 08:00:00 GMT"

    def __init__(self, body: str = "", *, validators: bool = True) -> None:
        super().__init__()
        self.body = body
        self.validators = validators
        self.app.router.add_get("/feed.xml", self._feed)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body.encode()).hexdigest()[:16] + '"'

    async def _feed(self, request: web.Request) -> web.Response:
        if self.validators and request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        headers = {"ETag": self.etag, "Last-Modified": self.LAST_MODIFIED} if self.validators else {}
        return web.Response(body=self.body.encode(), headers=headers, content_type="application/atom+xml")


# -- Reddit --------------------------------------------------------------------------------------


def reddit_post(ident: str, title: str, created: float, *, selftext: str = "", sub: str = "acme") -> dict[str, Any]:
    return {"kind": "t3", "data": {
        "id": ident, "name": f"t3_{ident}", "title": title, "selftext": selftext, "author": "ann", "subreddit": sub,
        "permalink": f"/r/{sub}/comments/{ident}/x/", "created_utc": created, "score": 5, "num_comments": 2,
        "url": f"https://www.reddit.com/r/{sub}/comments/{ident}/x/", "is_self": True}}


def reddit_comment(ident: str, body: str, created: float, *, link: str = "t3_p1", sub: str = "acme") -> dict[str, Any]:
    return {"kind": "t1", "data": {
        "id": ident, "name": f"t1_{ident}", "body": body, "author": "bob", "subreddit": sub, "link_id": link,
        "parent_id": link, "permalink": f"/r/{sub}/comments/p1/x/{ident}/", "created_utc": created, "score": 1}}


class FakeReddit(FakeServer):
    """Token endpoint (client credentials), search and comment listings (newest first, ``after`` paging).

    With ``client`` set, listings want the bearer token it handed out. ``ratelimit`` is sent as the
    ``X-Ratelimit-*`` headers of each listing reply.
    """

    def __init__(self, *, client: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.client = client
        self.tokens_issued = 0
        self.ratelimit: tuple[str, str, str] | None = ("99", "300", "1")
        r = self.app.router
        r.add_post("/api/v1/access_token", self._token)
        for suffix in ("", ".json"):
            r.add_get(f"/search{suffix}", self._search)
            r.add_get(f"/r/{{subs}}/search{suffix}", self._search)
            r.add_get(f"/r/{{subs}}/comments{suffix}", self._comments)

    async def _token(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(":".join(self.client or ("", "")).encode()).decode()
        form = await request.post()
        if request.headers.get("Authorization") != expected or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_grant"}, status=401)
        self.tokens_issued += 1
        return web.json_response({"access_token": f"tok{self.tokens_issued}", "token_type": "bearer",
                                  "expires_in": 86400, "scope": "*"})

    def _refused(self, request: web.Request) -> web.Response | None:
        if self.client and request.headers.get("Authorization") != f"Bearer tok{self.tokens_issued}":
            return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
        return None

    def _listing(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        ordered = sorted(items, key=lambda c: -c["data"].get("created_utc", 0))
        after = request.query.get("after")
        if after:
            names = [c["data"].get("name") for c in ordered]
            ordered = ordered[names.index(after) + 1:] if after in names else []
        limit = int(request.query.get("limit", 25))
        page, rest = ordered[:limit], ordered[limit:]
        headers = {}
        if self.ratelimit:
            headers = dict(zip(("X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Used"), self.ratelimit,
                               strict=True))
        next_after = page[-1]["data"].get("name") if rest and page else None
        return web.json_response({"kind": "Listing", "data": {"after": next_after, "children": page}}, headers=headers)

    async def _search(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        words = [w.strip('"').lower() for w in request.query.get("q", "").split(" OR ")]
        found = [p for p in self.posts
                 if any(w in (str(p["data"].get("title", "")) + str(p["data"].get("selftext", ""))).lower()
                        for w in words)]
        return self._listing(request, found)

    async def _comments(self, request: web.Request) -> web.Response:
        return self._refused(request) or self._listing(request, self.comments)


# -- Hacker News (Algolia) -----------------------------------------------------------------------


def hn_story(ident: int, title: str, created: int, *, url: str = "", text: str = "") -> dict[str, Any]:
    return {"objectID": str(ident), "created_at_i": created, "title": title, "url": url or None,
            "story_text": text or None, "author": "pg", "points": 10, "num_comments": 3,
            "story_id": ident, "_tags": ["story", "author_pg", f"story_{ident}"]}


def hn_comment(ident: int, html: str, created: int, *, story: int = 1, parent: int = 1) -> dict[str, Any]:
    return {"objectID": str(ident), "created_at_i": created, "comment_text": html, "author": "dang",
            "story_id": story, "parent_id": parent, "story_title": "A story", "_tags": ["comment", f"story_{story}"]}


class FakeAlgolia(FakeServer):
    """``/api/v1/search_by_date`` with query, tags, ``created_at_i`` filters, and paging."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[dict[str, Any]] = []
        self.app.router.add_get("/api/v1/search_by_date", self._search)

    async def _search(self, request: web.Request) -> web.Response:
        q = request.query.get("query", "").lower()
        found = [h for h in self.hits if q in json.dumps([h.get("title"), h.get("comment_text"), h.get("story_text"),
                                                           h.get("url")]).lower()]
        numeric = request.query.get("numericFilters", "")
        if numeric.startswith("created_at_i>="):
            floor = int(numeric.removeprefix("created_at_i>="))
            found = [h for h in found if h.get("created_at_i", 0) >= floor]
        elif numeric.startswith("created_at_i>"):
            floor = int(numeric.removeprefix("created_at_i>"))
            found = [h for h in found if h.get("created_at_i", 0) > floor]
        tags = request.query.get("tags", "").strip("()").split(",")
        found = [h for h in found if not tags[0] or set(tags) & set(h.get("_tags", ["story"]))]
        found.sort(key=lambda h: -h.get("created_at_i", 0))
        per_page, page = int(request.query.get("hitsPerPage", 20)), int(request.query.get("page", 0))
        pages = max(1, -(-len(found) // per_page))
        return web.json_response({"hits": found[page * per_page:(page + 1) * per_page], "nbHits": len(found),
                                  "page": page, "nbPages": pages, "hitsPerPage": per_page})
