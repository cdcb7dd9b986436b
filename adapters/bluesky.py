"""Bluesky: every new, edited and deleted post from a Jetstream WebSocket, matched locally.

Jetstream has no keyword filter, so this reads the whole post firehose (hundreds of posts a
second) and calls ``context.matches`` on the text before building anything. Its cursor is
``time_us`` (microseconds); delivery is at-least-once and events may arrive slightly out of
order, so every (re)connect rewinds ``rewind_seconds`` before the last event handled. Repeats
from the rewind are dropped by remembering, in our own cursor, the events emitted inside that
window: a restart neither loses nor repeats. Between matches the cursor still moves, through a
cursor-only ``Emitted`` every few seconds, so a restart does not replay hours of firehose.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import aiohttp

from adapters.backoff import Backoff, retry_after_from
from adapters.base import Emitted, Mention, MentionError, SourceContext, SourceCounters, SourceUnavailable
from adapters.http import client_session
from adapters.seen import RecentIds
from adapters.settings import load, setting

log = logging.getLogger(__name__)

COLLECTION = "app.bsky.feed.post"
CURSOR_POSTS = 200  # emitted post URIs carried in the cursor, so deletes after a restart still count
MEMORY_POSTS = 50_000  # emitted post URIs remembered in this run
MAX_KEYS = 2000  # events remembered inside the rewind window
CHECKPOINT_SECONDS = 5.0


@dataclass(frozen=True)
class BlueskySettings:
    jetstream_url: str = setting("wss://jetstream2.us-east.bsky.network/subscribe", url=True,
                                 doc="the Jetstream subscribe endpoint (any public instance, or your own)")
    rewind_seconds: float = setting(5.0, min=0, max=3600,
                                    doc="on every reconnect, replay this many seconds before the last event handled")
    lookback_seconds: float = setting(0.0, min=0, max=86_400,
                                      doc="on the first run only: start this far in the past (0: from now)")
    wanted_dids: tuple[str, ...] = setting((), doc="only posts by these accounts (DIDs); default: everyone")
    idle_timeout: float = setting(60.0, min=5, max=3600, doc="reconnect when nothing arrived for this many seconds")
    web_url: str = setting("https://bsky.app", url=True, doc="the web app that post links point to")


class _Position:
    """Where the stream is: the last ``time_us`` handled and the events emitted near it."""

    def __init__(self, rewind_us: int, cursor: str | None) -> None:
        self.rewind_us = rewind_us
        self.t: int | None = None
        self.keys: dict[str, int] = {}
        self.posts: list[str] = []
        if cursor:
            try:
                obj = json.loads(cursor)
                self.t = int(obj["t"]) if obj.get("t") is not None else None
                self.keys = {str(k): int(v) for k, v in obj.get("keys", {}).items()}
                self.posts = [str(p) for p in obj.get("posts", [])]
            except (ValueError, TypeError, AttributeError, KeyError):
                log.warning("bluesky: unreadable cursor %r; starting afresh", cursor[:80])

    def advance(self, time_us: int) -> None:
        self.t = time_us if self.t is None else max(self.t, time_us)

    def remember(self, key: str, time_us: int) -> None:
        self.keys[key] = time_us
        edge = (self.t or time_us) - self.rewind_us
        self.keys = {k: t for k, t in self.keys.items() if t >= edge}
        while len(self.keys) > MAX_KEYS:
            del self.keys[min(self.keys, key=self.keys.__getitem__)]

    def dump(self, posts: RecentIds) -> str:
        return json.dumps({"t": self.t, "keys": self.keys, "posts": posts.newest(CURSOR_POSTS)}, separators=(",", ":"))


class BlueskySource:
    type: ClassVar[str] = "bluesky"

    def __init__(self, settings: BlueskySettings, context: SourceContext) -> None:
        self.settings = settings
        self.context = context
        self.counters = SourceCounters()
        self._checkpoint = 0.0

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], context: SourceContext) -> BlueskySource:
        return cls(load(BlueskySettings, settings, cls.type), context)

    async def check(self) -> None:
        """Open the subscription and wait for the first event."""
        async with client_session(self.context) as session:
            try:
                async with session.ws_connect(self.settings.jetstream_url, params=self._params(None),
                                              timeout=aiohttp.ClientWSTimeout(ws_receive=30, ws_close=5)) as ws:
                    msg = await ws.receive()
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        raise SourceUnavailable(f"{self.settings.jetstream_url}: no events ({msg.type.name})")
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise SourceUnavailable(f"{self.settings.jetstream_url}: {exc}") from exc

    async def stream(self, cursor: str | None) -> AsyncIterator[Emitted]:
        position = _Position(int(self.settings.rewind_seconds * 1_000_000), cursor)
        posts = RecentIds(MEMORY_POSTS, position.posts)
        backoff = Backoff(self.context.sleep)
        self._checkpoint = self.context.now()
        timeout = aiohttp.ClientWSTimeout(ws_receive=self.settings.idle_timeout, ws_close=5)
        async with client_session(self.context) as session:
            while True:
                retry_after = None
                try:
                    async with session.ws_connect(self.settings.jetstream_url, params=self._params(position),
                                                  heartbeat=30, timeout=timeout) as ws:
                        async for msg in ws:
                            if msg.type != aiohttp.WSMsgType.TEXT:
                                self._malformed(f"unexpected {msg.type.name} frame")
                                continue
                            backoff.reset()
                            out = self._on_message(msg.data, position, posts)
                            if out is not None:
                                yield out
                    log.info("%s: Jetstream closed the connection; reconnecting", self.context.name)
                except aiohttp.WSServerHandshakeError as exc:
                    retry_after = retry_after_from(exc.headers or {}, self.context.now())
                    log.warning("%s: Jetstream refused the connection (%s); retrying", self.context.name, exc.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("%s: Jetstream connection failed (%s); retrying", self.context.name, exc)
                self.counters.retries += 1
                await backoff.wait(retry_after)

    def _params(self, position: _Position | None) -> list[tuple[str, str]]:
        params = [("wantedCollections", COLLECTION)] + [("wantedDids", did) for did in self.settings.wanted_dids]
        if position is None:
            return params
        if position.t is not None:
            start = position.t - position.rewind_us
        elif self.settings.lookback_seconds:
            start = int((self.context.now() - self.settings.lookback_seconds) * 1_000_000)
        else:
            return params
        return [*params, ("cursor", str(start))]

    def _on_message(self, raw: str, position: _Position, posts: RecentIds) -> Emitted | None:
        self.counters.received += 1
        try:
            event = json.loads(raw)
        except ValueError:
            return self._malformed(f"not JSON: {raw[:80]!r}")
        if not isinstance(event, dict) or not isinstance(event.get("time_us"), int):
            return self._malformed("an event without time_us")
        time_us = event["time_us"]
        position.advance(time_us)
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict) or commit.get("collection") != COLLECTION:
            return self._maybe_checkpoint(position, posts)
        did, rkey, op = event.get("did"), commit.get("rkey"), commit.get("operation")
        if not (isinstance(did, str) and isinstance(rkey, str) and op in ("create", "update", "delete")):
            return self._malformed("a commit without did, rkey or a known operation")
        uri = f"at://{did}/{COLLECTION}/{rkey}"
        key = f"{op}:{uri}:{commit.get('rev') or commit.get('cid') or ''}"
        if key in position.keys:  # already emitted before the rewind
            return self._maybe_checkpoint(position, posts)
        mention = self._to_mention(op, did, rkey, uri, commit.get("record"), time_us, posts)
        if mention is None:
            return self._maybe_checkpoint(position, posts)
        position.remember(key, time_us)
        posts.add(uri)
        self.counters.matched += 1
        self._checkpoint = self.context.now()
        return Emitted(mention, position.dump(posts))

    def _to_mention(self, op: str, did: str, rkey: str, uri: str, record: Any, time_us: int,
                    posts: RecentIds) -> Mention | None:
        """The matching test comes first: for most firehose posts this is all the work done."""
        ours = uri in posts or self.context.known(uri)
        if op == "delete":
            return Mention(source=self.context.name, id=uri, text="", kind="delete") if ours else None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            return self._malformed(f"{uri}: a post record without text")
        text = _with_link(record)
        if not self.context.matches(text) and not (op == "update" and ours):
            return None
        reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
        langs = record.get("langs")
        try:
            return Mention.from_json({
                "source": self.context.name, "id": uri, "kind": "edit" if op == "update" else "post", "text": text,
                "url": f"{self.settings.web_url.rstrip('/')}/profile/{did}/post/{rkey}",
                "created_at": _created_at(record.get("createdAt"), time_us),
                "author": {"handle": did},
                "lang": langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
                "in_reply_to": _ref(reply.get("parent")), "conversation": _ref(reply.get("root")),
            })
        except MentionError as exc:
            return self._malformed(f"{uri}: {exc}")

    def _maybe_checkpoint(self, position: _Position, posts: RecentIds) -> Emitted | None:
        now = self.context.now()
        if now - self._checkpoint < CHECKPOINT_SECONDS:
            return None
        self._checkpoint = now
        return Emitted(None, position.dump(posts))

    def _malformed(self, reason: str) -> None:
        self.counters.errors += 1
        log.warning("%s: skipped a malformed event: %s", self.context.name, reason)


def _with_link(record: Mapping[str, Any]) -> str:
    """The post text, plus the link card's URL when the text does not show it (brand links often hide there)."""
    text: str = record["text"]
    embed = record.get("embed")
    external = embed.get("external") if isinstance(embed, dict) else None
    link = external.get("uri") if isinstance(external, dict) else None
    return f"{text}\n{link}".strip() if isinstance(link, str) and link and link not in text else text


def _ref(value: Any) -> str | None:
    return value["uri"] if isinstance(value, dict) and isinstance(value.get("uri"), str) else None


def _created_at(value: Any, time_us: int) -> str | float:
    """The post's own createdAt when readable; clients set it freely, so fall back to Jetstream's time."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    return time_us / 1_000_000
