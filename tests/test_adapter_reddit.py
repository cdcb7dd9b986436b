"""Reddit adapter: OAuth client credentials, search + comments, rate-limit headers, paging, late posts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.reddit import RedditSource
from tests.fakes.fake_sources import (
    START,
    FakeReddit,
    InstantClock,
    collect,
    has,
    make_context,
    reddit_comment,
    reddit_post,
)

UA = "server:siloless-test:0.1 (by /u/siloless)"


def build(fake: FakeReddit, clock: InstantClock | None = None, **settings: Any) -> RedditSource:
    settings.setdefault("api_url", fake.url())
    if fake.client:
        settings.setdefault("client_id", fake.client[0])
        settings.setdefault("client_secret", fake.client[1])
        settings.setdefault("token_url", fake.url("/api/v1/access_token"))
    return RedditSource.from_config(settings, make_context(clock or InstantClock()))


@pytest.mark.parametrize(("settings", "terms", "key"), [
    ({"client_id": "abc"}, ["acme"], "client_secret"),
    ({"client_secret": "abc"}, ["acme"], "client_id"),
    ({}, [], "queries"),
    ({"subreddit": ["acme"]}, ["acme"], "subreddit"),
    ({"comments": "yes"}, ["acme"], "comments"),
])
def test_bad_settings_name_the_key(settings: dict[str, Any], terms: list[str], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        RedditSource.from_config(settings, make_context(InstantClock(), terms=terms))
    assert caught.value.key == key


async def test_oauth_search_and_comments_with_a_descriptive_user_agent() -> None:
    async with FakeReddit(client=("app-id", "app-secret")) as fake:
        fake.posts = [reddit_post("p1", "Acme ate my parcel", START - 60, selftext="twice!")]
        fake.comments = [reddit_comment("c1", "meh", START - 50),
                         reddit_comment("c2", "acme support helped", START - 40)]
        source = build(fake, queries=["acme", "acme bank"], subreddits=["r/acme", "mildlyinfuriating"], user_agent=UA)
        run = await collect(source, None, has(2))
    post, comment = run.mentions
    assert (post.id, post.text, post.url) == ("t3_p1", "Acme ate my parcel\n\ntwice!",
                                              "https://www.reddit.com/r/acme/comments/p1/x/")
    assert (post.author.handle, dict(post.metrics), post.extra["subreddit"]) == ("u/ann", {"score": 5, "comments": 2},
                                                                                "acme")
    assert (comment.id, comment.in_reply_to, comment.conversation) == ("t1_c2", "t3_p1", "t3_p1")
    [token_call] = fake.called("/api/v1/access_token")
    assert token_call.headers["User-Agent"] == UA
    [search] = fake.called("/r/acme+mildlyinfuriating/search")[:1]
    assert search.param("q") == 'acme OR "acme bank"'
    assert (search.param("sort"), search.param("restrict_sr")) == ("new", "on")
    assert search.headers["Authorization"] == "Bearer tok1" and search.headers["User-Agent"] == UA
    assert fake.called("/r/acme+mildlyinfuriating/comments")


async def test_public_json_listings_without_credentials() -> None:
    async with FakeReddit() as fake:
        fake.posts = [reddit_post("p1", "acme", START - 60)]
        run = await collect(build(fake), None, has(1))
    assert run.ids == ["t3_p1"]
    assert fake.called("/search.json") and not fake.called("/api/v1/access_token")


async def test_exhausted_rate_limit_waits_for_the_reset() -> None:
    clock = InstantClock()
    async with FakeReddit() as fake:
        fake.posts = [reddit_post("p1", "acme", START - 60)]
        fake.ratelimit = ("0.0", "42", "100")
        source = build(fake, clock, interval=10)
        await collect(source, None, lambda _run: len(fake.called("/search.json")) >= 2)
    assert clock.sleeps[:2] == [10, 32]  # the poll interval, then what was left of the 42 s window


async def test_429_retry_after_and_token_refresh() -> None:
    clock = InstantClock()
    async with FakeReddit(client=("id", "secret")) as fake:
        fake.posts = [reddit_post("p1", "acme one", START - 60)]
        fake.fail_next(429, headers={"Retry-After": "7"}, path="/search")
        source = build(fake, clock)
        agen = source.stream(None)
        try:
            first = await asyncio.wait_for(anext(agen), 2)
            fake.tokens_issued += 1  # the token we hold is revoked
            fake.posts.append(reddit_post("p2", "acme two", START - 30))
            items = [await asyncio.wait_for(anext(agen), 2) for _ in range(2)]
        finally:
            await agen.aclose()
    assert first.mention is not None and first.mention.id == "t3_p1"
    assert [i.mention.id for i in items if i.mention] == ["t3_p2"]
    assert clock.sleeps[0] == 7
    assert len(fake.called("/api/v1/access_token")) == 2
    assert source.counters.retries == 2


async def test_pages_back_with_after_and_emits_oldest_first() -> None:
    async with FakeReddit() as fake:
        fake.posts = [reddit_post(f"p{i:03}", f"acme {i}", START - 3000 + i) for i in range(150)]
        run = await collect(build(fake), None, has(150))
    assert run.ids == [f"t3_p{i:03}" for i in range(150)]
    pages = fake.called("/search.json")
    assert pages[1].param("after") == "t3_p050"


async def test_late_indexed_post_inside_the_window_is_not_lost() -> None:
    async with FakeReddit() as fake:
        fake.posts = [reddit_post("p2", "acme new", START - 100)]
        source = build(fake, window_seconds=600)
        agen = source.stream(None)
        try:
            first = await asyncio.wait_for(anext(agen), 2)
            fake.posts += [reddit_post("p1", "acme indexed late", START - 400),
                           reddit_post("p0", "acme far too late", START - 800)]
            later = [await asyncio.wait_for(anext(agen), 2) for _ in range(4)]
        finally:
            await agen.aclose()
    assert first.mention is not None and first.mention.id == "t3_p2"
    assert [i.mention.id for i in later if i.mention] == ["t3_p1"]
