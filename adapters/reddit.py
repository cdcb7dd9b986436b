"""Reddit: new posts from a search sorted by new, and new comments in chosen subreddits.

Opt-in, because Reddit's Data API wants an approved app: with ``client_id``/``client_secret`` we
take an application-only OAuth token (client credentials) and call the OAuth host; without them we
use the public ``.json`` listings at their much lower limit. Every request names us in a
descriptive User-Agent (Reddit blocks generic ones) and obeys ``X-Ratelimit-Remaining/Reset``.

Reddit's API cannot search comments, so comments come from ``/r/<subs>/comments`` and are matched
locally. Search results lag behind posting, so each listing resumes with a ``SeenWindow``: the
newest creation time plus the ids seen in the last ``window_seconds``; late-indexed posts are not
lost and nothing is emitted twice.
"""

from __future__ import annotations

import base64
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
from adapters.http import Refused, bearer, client_session, fetch
from adapters.seen import SeenWindow
from adapters.settings import load, setting

log = logging.getLogger(__name__)

WEB = "https://www.reddit.com"
PAGE = 100
MAX_PAGES = 10  # Reddit listings stop at about 1,000 items anyway


@dataclass(frozen=True)
class RedditSettings:
    queries: tuple[str, ...] = setting((), doc="search terms, joined with OR (default: the brand terms)")
    subreddits: tuple[str, ...] = setting(
        (), doc="limit the search to these subreddits (without r/) and read their new comments; default: all of Reddit")
    comments: bool = setting(True, doc="read new comments in `subreddits` and keep those naming a brand "
                                       "(Reddit's API has no comment search, so this needs subreddits)")
    client_id: str | None = setting(None, doc="your Reddit app's client id (an approved 'script' or 'web' app)")
    client_secret: str | None = setting(None, doc="its secret; write it as ${REDDIT_CLIENT_SECRET}")
    user_agent: str | None = setting(
        None, doc='a descriptive User-Agent, e.g. "server:siloless:0.1 (by /u/yourname)" (default: the service\'s)')
    api_url: str | None = setting(
        None, url=True, doc="API base (default: https://oauth.reddit.com with a client id, else https://www.reddit.com)")
    token_url: str = setting("https://www.reddit.com/api/v1/access_token", url=True, doc="where tokens come from")
    interval: float = setting(60.0, min=10, max=86_400, doc="seconds between polls")
    lookback_seconds: float = setting(3600.0, min=0, max=7 * 86_400, doc="on the first run only: how far back to look")
    window_seconds: float = setting(
        600.0, min=0, max=86_400, doc="re-read this much before the newest item, for posts the search indexes late")


@dataclass(frozen=True)
class _Listing:
    key: str
    path: str
    params: Mapping[str, str]


class RedditSource:
    type: ClassVar[str] = "reddit"

    def __init__(self, settings: RedditSettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()
        self._oauth = settings.client_id is not None
        self._api = (settings.api_url or ("https://oauth.reddit.com" if self._oauth else WEB)).rstrip("/")
        self._token: str | None = None
        self._token_expires = 0.0
        self._pause_until = 0.0

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> RedditSource:
        parsed = load(RedditSettings, settings, cls.type, queries=tuple(context.terms))
        if not parsed.queries:
            raise SourceMisconfigured("queries", "nothing to search for: set queries, or brand terms in [brands]")
        if (parsed.client_id is None) != (parsed.client_secret is None):
            missing = "client_secret" if parsed.client_secret is None else "client_id"
            raise SourceMisconfigured(missing, "client_id and client_secret go together; set both or neither")
        return cls(parsed, context)

    async def check(self) -> None:
        """Get a token (when configured) and run the search once."""
        listing = self._listings()[0]
        async with self._session() as session:
            try:
                await self._get(session, listing.path, {**listing.params, "limit": "1"})
            except Refused as exc:
                if exc.status == 401 or (exc.status in (400, 403) and "access_token" in str(exc)):
                    raise SourceMisconfigured("client_id", f"{exc}; check client_id and client_secret") from exc
                if exc.status == 403:
                    raise SourceMisconfigured(
                        "user_agent", f"{exc}; Reddit refuses generic User-Agents and unapproved apps: "
                                      "set user_agent and request API access") from exc
                raise SourceMisconfigured("api_url", f"{exc}") from exc

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        windows = self._read_cursor(cursor)
        backoff = Backoff(self.context.sleep)
        async with self._session() as session:
            while True:
                try:
                    for listing in self._listings():
                        window = windows[listing.key]
                        for kind, data in await self._new_items(session, listing, window):
                            window.add(data["name"], float(data["created_utc"]))
                            mention = self._to_mention(kind, data)
                            if mention is not None:
                                yield Emitted(mention, self._write_cursor(windows))
                        yield Emitted(None, self._write_cursor(windows))
                    backoff.reset()
                    await self.context.sleep(self.settings.interval)
                except SourceUnavailable as exc:
                    self.counters.retries += 1
                    log.warning("%s: %s; retrying", self.context.name, exc)
                    await backoff.wait(exc.retry_after)

    def _listings(self) -> list[_Listing]:
        suffix = "" if self._oauth else ".json"
        query = " OR ".join(f'"{q}"' if " " in q else q for q in self.settings.queries)
        subs = "+".join(s.removeprefix("r/") for s in self.settings.subreddits)
        search = {"q": query, "sort": "new", "type": "link", "raw_json": "1"}
        if subs:
            listings = [_Listing("posts", f"/r/{subs}/search{suffix}", {**search, "restrict_sr": "on"})]
            if self.settings.comments:
                listings.append(_Listing("comments", f"/r/{subs}/comments{suffix}", {"raw_json": "1"}))
            return listings
        return [_Listing("posts", f"/search{suffix}", search)]

    async def _new_items(self, session: aiohttp.ClientSession, listing: _Listing,
                         window: SeenWindow) -> list[tuple[str, dict[str, Any]]]:
        """Page newest-first until items fall before the window; return the unseen ones oldest first."""
        floor = window.floor(self.context.now(), self.settings.lookback_seconds)
        found: list[tuple[str, dict[str, Any]]] = []
        after = None
        for _ in range(MAX_PAGES):
            body = await self._get(session, listing.path, {**listing.params, "limit": str(PAGE),
                                                           **({"after": after} if after else {})})
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("children"), list):
                raise SourceUnavailable(f"{listing.path}: not a Reddit listing")
            reached_floor = False
            for child in data["children"]:
                self.counters.received += 1
                item = child.get("data") if isinstance(child, dict) else None
                if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                        and isinstance(item.get("created_utc"), int | float)):
                    self._malformed(f"{listing.key}: a listing child without name or created_utc")
                    continue
                if item["created_utc"] < floor:
                    reached_floor = True
                elif window.is_new(item["name"], float(item["created_utc"]), floor):
                    found.append((child.get("kind", ""), item))
            after = data.get("after")
            if reached_floor or not after:
                break
        return sorted(found, key=lambda pair: (pair[1]["created_utc"], pair[1]["name"]))

    def _to_mention(self, kind: str, data: Mapping[str, Any]) -> Mention | None:
        if kind == "t1":
            text = data.get("body")
            extra = {"in_reply_to": data.get("parent_id"), "conversation": data.get("link_id"),
                     "metrics": {"score": _count(data.get("score"))}}
        else:
            title, body = data.get("title"), data.get("selftext") or ""
            text = f"{title}\n\n{body}" if isinstance(title, str) and body else title
            link = data.get("url") if not data.get("is_self") else None
            extra = {"metrics": {"score": _count(data.get("score")), "comments": _count(data.get("num_comments"))},
                     **({"link": link} if isinstance(link, str) and link else {})}
        if not isinstance(text, str) or not self.context.matches(text):
            return None if isinstance(text, str) else self._malformed(f"{data['name']}: no text")
        try:
            mention = Mention.from_json({
                "source": self.context.name, "id": data["name"], "text": text,
                "url": WEB + data["permalink"] if isinstance(data.get("permalink"), str) else "",
                "created_at": data["created_utc"], "author": {"handle": f"u/{data.get('author') or '[deleted]'}"},
                "subreddit": data.get("subreddit"), **extra,
            })
        except MentionError as exc:
            return self._malformed(f"{data['name']}: {exc}")
        self.counters.matched += 1
        return mention

    # -- requests, tokens and rate limits --------------------------------------------------------

    def _session(self) -> aiohttp.ClientSession:
        return client_session(self.context, user_agent=self.settings.user_agent)

    async def _get(self, session: aiohttp.ClientSession, path: str, params: Mapping[str, str]) -> Any:
        """A GET that waits out an exhausted rate-limit window first and records the new one after."""
        wait = self._pause_until - self.context.now()
        if wait > 0:
            log.info("%s: Reddit rate limit reached; waiting %.0f s", self.context.name, wait)
            await self.context.sleep(wait)
        headers = bearer(await self._bearer(session)) if self._oauth else {}
        try:
            reply = await fetch(session, self._api + path, params=params, headers=headers, now=self.context.now)
        except Refused as exc:
            if exc.status == 401:
                self._token = None  # expired or revoked: take a new one next time
            raise
        remaining, reset = reply.headers.get("X-Ratelimit-Remaining"), reply.headers.get("X-Ratelimit-Reset")
        try:
            if remaining is not None and reset is not None and float(remaining) < 1:
                self._pause_until = self.context.now() + float(reset)
        except ValueError:
            pass
        return reply.json()

    async def _bearer(self, session: aiohttp.ClientSession) -> str:
        if self._token and self.context.now() < self._token_expires - 60:
            return self._token
        pair = f"{self.settings.client_id}:{self.settings.client_secret}".encode()
        reply = await fetch(session, self.settings.token_url, method="POST", now=self.context.now,
                            data={"grant_type": "client_credentials"},
                            headers={"Authorization": "Basic " + base64.b64encode(pair).decode()})
        body = reply.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise Refused(401, f"{self.settings.token_url}: no access_token in the reply ({str(body)[:120]})")
        self._token = token
        expires = body.get("expires_in")
        self._token_expires = self.context.now() + (float(expires) if isinstance(expires, int | float) else 3600.0)
        return token

    # -- cursor ----------------------------------------------------------------------------------

    def _read_cursor(self, cursor: str | None) -> dict[str, SeenWindow]:
        try:
            obj = json.loads(cursor) if cursor else {}
        except ValueError:
            log.warning("%s: unreadable cursor; starting afresh", self.context.name)
            obj = {}
        obj = obj if isinstance(obj, dict) else {}
        return {key: SeenWindow.from_json(obj.get(key), self.settings.window_seconds) for key in ("posts", "comments")}

    def _write_cursor(self, windows: Mapping[str, SeenWindow]) -> str:
        return json.dumps({k: w.to_json() for k, w in windows.items() if w.newest is not None}, separators=(",", ":"))

    def _malformed(self, reason: str) -> None:
        self.counters.errors += 1
        log.warning("%s: skipped a malformed item: %s", self.context.name, reason)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
