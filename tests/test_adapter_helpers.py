"""The adapters' shared helpers: HTML to text, backoff, Retry-After, SSE parsing, seen-sets, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.backoff import Backoff, parse_retry_after, retry_after_from
from adapters.base import SourceMisconfigured
from adapters.html import html_to_text
from adapters.seen import RecentIds, SeenWindow
from adapters.settings import describe, load, setting
from adapters.sse import Event, read_events
from tests.fakes.fake_sources import InstantClock

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("html", "text"), [
    ("<p>Hello <b>world</b></p><p>Second</p>", "Hello world\n\nSecond"),
    ("one<br>two<br/>three", "one\ntwo\nthree"),
    ("Fish &amp; chips &lt;3 &#x1F41F;", "Fish & chips <3 🐟"),
    ("<script>alert(1)</script><style>p{}</style>visible", "visible"),
    ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
    ("plain text, no markup", "plain text, no markup"),
    ("", ""),
    (None, ""),
])
def test_html_to_text(html: str | None, text: str) -> None:
    assert html_to_text(html) == text


async def test_backoff_grows_with_jitter_up_to_the_cap_and_resets() -> None:
    clock = InstantClock()
    backoff = Backoff(clock.sleep, base=1, cap=8, rng=lambda: 1.0)
    for _ in range(6):
        await backoff.wait()
    assert clock.sleeps == [1, 2, 4, 8, 8, 8]
    low = Backoff(clock.sleep, base=1, cap=8, rng=lambda: 0.0)
    assert [low.next_delay() for _ in range(3)] == [0.5, 1, 2]
    backoff.reset()
    assert backoff.next_delay() == 1
    assert await backoff.wait(retry_after=30) == 30 and clock.sleeps[-1] == 30
    assert await backoff.wait(retry_after=10**9) == 3600


@pytest.mark.parametrize(("headers", "wait"), [
    ({"Retry-After": "120"}, 120),
    ({"Retry-After": "Fri, 15 Jan 2027 08:00:30 GMT"}, 30),
    ({"X-RateLimit-Reset": "2027-01-15T08:01:00.000Z"}, 60),  # Mastodon: an ISO time
    ({"X-Ratelimit-Reset": "42"}, 42),  # Reddit: seconds
    ({"Retry-After": "soon"}, None),
    ({}, None),
])
def test_retry_after_from_headers(headers: dict[str, str], wait: float | None) -> None:
    now = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
    assert retry_after_from(headers, now) == wait
    assert parse_retry_after("-5", now) == 0


class _Chunks:
    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks

    async def iter_any(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


async def _events(*chunks: bytes, max_line: int = 1000) -> tuple[list[Event], list[str]]:
    errors: list[str] = []
    got = [e async for e in read_events(_Chunks(*chunks), on_error=errors.append, max_line=max_line)]  # type: ignore[arg-type]
    return got, errors


async def test_sse_events_split_across_chunks_with_comments_and_crlf() -> None:
    events, _ = await _events(b":thump\n\nevent: upd", b"ate\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n",
                              b"event: delete\ndata: 42\nid: 7\n\n", b"data: no event name\n\n")
    assert events == [Event("update", '{"a":\n1}'), Event("delete", "42", "7"), Event("message", "no event name")]


async def test_sse_drops_a_cut_event_and_an_overlong_line() -> None:
    events, errors = await _events(b"event: update\ndata: " + b"x" * 1500, b"yz\n\nevent: update\ndata: ok\n\n",
                                   b"event: update\ndata: {cut")
    assert events == [Event("update", "ok")]
    assert len(errors) == 1


def test_recent_ids_are_bounded_and_refreshed() -> None:
    recent = RecentIds(3, ["a", "b", "c"])
    recent.add("a")  # refreshed: now the newest
    recent.add("d")
    assert recent.to_list() == ["c", "a", "d"] and "b" not in recent
    assert recent.newest(2) == ["a", "d"] and recent.newest(0) == []


def test_seen_window_keeps_ids_inside_the_window_only() -> None:
    window = SeenWindow(0)
    floor = window.floor(NOW, 3600)
    assert floor == NOW - 3600
    for ident, t in (("a", 100.0), ("b", 100.0)):
        window.add(ident, t)
    window.add("c", 101.0)
    assert window.ids == {"c": 101.0} and window.floor(NOW, 3600) == 101
    assert not window.is_new("c", 101, 101) and window.is_new("d", 101, 101) and not window.is_new("e", 100, 101)
    wide = SeenWindow.from_json({"t": 100, "ids": {"a": 100, "b": 50}}, 60)
    wide.add("c", 130)
    assert wide.to_json() == {"t": 130, "ids": {"a": 100, "c": 130}}
    assert SeenWindow.from_json("garbage", 60).newest is None


@dataclass(frozen=True)
class _Settings:
    url: str = setting(doc="where", url=True)
    names: tuple[str, ...] = setting((), doc="some names")
    every: float = setting(60.0, doc="seconds", min=1, max=100)
    count: int = setting(3, doc="how many", min=0)
    flag: bool = setting(False, doc="a switch")
    token: str | None = setting(None, doc="optional")
    table: Mapping[str, Any] | None = setting(None, doc="a table")


def test_settings_load_converts_and_applies_context_defaults() -> None:
    loaded = load(_Settings, {"url": "https://x.example", "names": ["a"], "every": 5, "flag": True,
                              "table": {"k": 1}}, "demo", count=7)
    assert loaded == _Settings("https://x.example", ("a",), 5.0, 7, True, None, {"k": 1})
    assert isinstance(loaded.every, float)
    assert list(describe(_Settings))[:2] == ["url", "names"]


@pytest.mark.parametrize(("raw", "key", "words"), [
    ({"every": 5}, "url", "required"),
    ({"url": "https://x", "evrey": 5}, "evrey", "unknown key"),
    ({"urll": "https://x"}, "urll", "unknown key"),  # reported before the missing url
    ({"url": "x.example"}, "url", "absolute"),
    ({"url": "https://x", "every": 0.5}, "every", "between 1 and 100"),
    ({"url": "https://x", "count": 2.5}, "count", "integer"),
    ({"url": "https://x", "count": True}, "count", "integer"),
    ({"url": "https://x", "flag": "yes"}, "flag", "true or false"),
    ({"url": "https://x", "names": "a"}, "names", "list"),
    ({"url": "https://x", "names": ["a", ""]}, "names", "list"),
    ({"url": "https://x", "table": []}, "table", "table"),
    ({"url": ""}, "url", "non-empty"),
])
def test_settings_errors_name_the_key(raw: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        load(_Settings, raw, "demo")
    assert caught.value.key == key and words in caught.value.detail


def test_mutable_setting_defaults_are_refused() -> None:
    with pytest.raises(TypeError):
        setting([], doc="no")
