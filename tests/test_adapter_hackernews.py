"""Hacker News adapter: Algolia search_by_date, same-second resume, paging, merging queries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.hackernews import HackerNewsSource
from tests.fakes.fake_sources import (
    START,
    FakeAlgolia,
    InstantClock,
    collect,
    has,
    hn_comment,
    hn_story,
    make_context,
)

T = int(START) - 120


def build(fake: FakeAlgolia, clock: InstantClock | None = None, terms: tuple[str, ...] = ("acme",),
          **settings: Any) -> HackerNewsSource:
    settings.setdefault("api_url", fake.url("/api/v1"))
    return HackerNewsSource.from_config(settings, make_context(clock or InstantClock(), terms=terms))


@pytest.mark.parametrize(("settings", "terms", "key"), [
    ({"query": "acme"}, ("acme",), "query"),
    ({}, (), "queries"),
    ({"api_url": "hn.algolia.com"}, ("acme",), "api_url"),
    ({"window_seconds": -5}, ("acme",), "window_seconds"),
])
def test_bad_settings_name_the_key(settings: dict[str, Any], terms: tuple[str, ...], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        HackerNewsSource.from_config(settings, make_context(InstantClock(), terms=terms))
    assert caught.value.key == key


async def test_stories_and_comments_become_mentions() -> None:
    async with FakeAlgolia() as fake:
        fake.hits = [
            hn_story(1, "Show HN: Acme 2.0", T, url="https://acme.example/blog", text="<p>We <i>rebuilt</i> it</p>"),
            hn_comment(2, "<p>Acme lost my data &gt;:(</p><p>twice</p>", T + 1, story=1, parent=1),
            hn_story(3, "Acne treatments", T + 2),  # Algolia's typo tolerance; the brand filter drops it
        ]
        source = build(fake)
        run = await collect(source, None, has(2), settle=0.1)
    story, comment = run.mentions
    assert story.text == "Show HN: Acme 2.0\nhttps://acme.example/blog\n\nWe rebuilt it"
    assert (story.id, story.url, story.author.handle) == ("1", "https://news.ycombinator.com/item?id=1", "pg")
    assert dict(story.metrics) == {"points": 10, "comments": 3}
    assert comment.text == "Acme lost my data >:(\n\ntwice"
    assert (comment.in_reply_to, comment.conversation) == ("1", "1")
    assert comment.created_at is not None and comment.created_at.timestamp() == T + 1
    assert source.counters.matched == 2
    first = fake.called("/api/v1/search_by_date")[0]
    assert first.param("numericFilters") == f"created_at_i>={int(START) - 3600}"  # first run: the lookback
    assert (first.param("query"), first.param("tags")) == ("acme", "(story,comment)")


async def test_same_second_items_are_neither_lost_nor_repeated() -> None:
    async with FakeAlgolia() as fake:
        fake.hits = [hn_story(10, "acme a", T), hn_story(11, "acme b", T)]
        source = build(fake, window_seconds=0)
        agen = source.stream(None)
        try:
            got = [await asyncio.wait_for(anext(agen), 2) for _ in range(3)]  # two stories, then the checkpoint
            fake.hits.append(hn_story(12, "acme c, indexed a moment later", T))
            got += [await asyncio.wait_for(anext(agen), 2) for _ in range(3)]
        finally:
            await agen.aclose()
    assert [g.mention.id for g in got if g.mention] == ["10", "11", "12"]
    assert fake.called("/api/v1/search_by_date")[-1].param("numericFilters") == f"created_at_i>={T}"


async def test_queries_are_merged_and_paged() -> None:
    async with FakeAlgolia() as fake:
        fake.hits = [hn_story(100 + i, f"acme widget {i}", T - 1000 + i) for i in range(150)]
        run = await collect(build(fake, queries=["acme", "widget"]), None, has(150), settle=0.1)
    assert run.ids == [str(100 + i) for i in range(150)]
    pages = [r.param("page") for r in fake.called("/api/v1/search_by_date")[:4]]
    assert pages == ["0", "1", "0", "1"]


async def test_429_retry_after_is_honoured() -> None:
    clock = InstantClock()
    async with FakeAlgolia() as fake:
        fake.hits = [hn_story(1, "acme", T)]
        fake.fail_next(429, headers={"Retry-After": "30"})
        source = build(fake, clock)
        run = await collect(source, None, has(1))
    assert run.ids == ["1"] and clock.sleeps[0] == 30 and source.counters.retries == 1
