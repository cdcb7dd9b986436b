"""Mastodon adapter: SSE streams, catch-up with min_id, search polling, edits/deletes, config errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.mastodon import MastodonSource
from tests.fakes.fake_sources import (
    DISCONNECT,
    START,
    FakeMastodon,
    InstantClock,
    collect,
    has,
    make_context,
    sse,
    status,
)


def build(fake: FakeMastodon, clock: InstantClock | None = None, **settings: Any) -> MastodonSource:
    settings.setdefault("instance", fake.url())
    settings.setdefault("queries", [])
    return MastodonSource.from_config(settings, make_context(clock or InstantClock(), **settings.pop("_ctx", {})))


@pytest.mark.parametrize(("settings", "key"), [
    ({"instance": "https://m.example", "instanse": "x"}, "instanse"),
    ({"hashtags": ["acme"]}, "instance"),
    ({"instance": "m.example", "hashtags": ["acme"]}, "instance"),
    ({"instance": "https://m.example", "timelines": ["federated"]}, "timelines"),
    ({"instance": "https://m.example", "queries": []}, "hashtags"),
    ({"instance": "https://m.example", "search_interval": 0}, "search_interval"),
])
def test_bad_settings_name_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        MastodonSource.from_config(settings, make_context(InstantClock()))
    assert caught.value.key == key


def test_queries_default_to_the_brand_terms() -> None:
    source = MastodonSource.from_config({"instance": "https://m.example"}, make_context(InstantClock(), terms=["Acme"]))
    assert source.settings.queries == ("Acme",)


async def test_check_names_the_token_when_the_server_refuses_it() -> None:
    async with FakeMastodon(token="good-token") as fake:
        await build(fake, hashtags=["acme"], access_token="good-token").check()
        with pytest.raises(SourceMisconfigured) as caught:
            await build(fake, hashtags=["acme"], access_token="stale").check()
        assert caught.value.key == "access_token"
        with pytest.raises(SourceMisconfigured) as caught:
            await build(fake, hashtags=["acme"]).check()  # 4.2+ servers want a token for streaming
        assert caught.value.key == "access_token"


async def test_streams_from_the_streaming_host_the_instance_names() -> None:
    async with FakeMastodon(token="t0ken") as streaming, FakeMastodon(token="t0ken") as api:
        api.streaming_url = streaming.url(scheme="ws")
        streaming.scripts = [[sse("update", status(100, "acme rocks", tags=["acme"]))]]
        run = await collect(build(api, hashtags=["#acme"], access_token="t0ken"), None, has(1))
    assert run.ids == ["100"]
    [req] = streaming.called("/api/v1/streaming/hashtag")
    assert req.param("tag") == "acme"
    assert req.headers["Authorization"] == "Bearer t0ken"
    assert not api.called("/api/v1/streaming/hashtag")


async def test_html_becomes_text_and_the_author_is_complete() -> None:
    html = ('<p>Love <a href="https://acme.example/x"><span class="invisible">https://</span>'
            '<span class="">acme.example/x</span></a><br>line two &amp; more</p><p>next para</p>')
    local = status(100, "", acct="bob", followers=12, spoiler_text="acme review")
    local["content"] = html
    async with FakeMastodon() as fake:
        fake.scripts = [[sse("update", local)]]
        run = await collect(build(fake, hashtags=["acme"]), None, has(1))
        host = fake.url().removeprefix("http://")
    [mention] = run.mentions
    assert mention.text == "acme review\n\nLove https://acme.example/x\nline two & more\n\nnext para"
    assert mention.author.handle == f"@bob@{host}"
    assert mention.author.followers == 12
    assert mention.url == "https://example.social/@ann/100"
    assert dict(mention.metrics) == {"replies": 1, "reposts": 2, "likes": 3}
    assert mention.lang == "en"


async def test_reconnects_after_a_cut_mid_event_and_catches_up_from_the_last_id() -> None:
    clock = InstantClock()
    async with FakeMastodon() as fake:
        fake.statuses = [status(i, f"acme {i}", tags=["acme"]) for i in (100, 101, 102)]
        fake.scripts = [[sse("update", fake.statuses[0]), 'event: update\ndata: {"id": "101", "cont', DISCONNECT]]
        source = build(fake, clock, hashtags=["acme"])
        run = await collect(source, None, has(3))
    assert run.ids == ["100", "101", "102"]
    catch_up = fake.called("/api/v1/timelines/tag/acme")
    assert catch_up and catch_up[0].param("min_id") == "100"
    assert source.counters.retries >= 1 and clock.sleeps  # waited (backoff) before reconnecting
    assert fake.stream_connections == 2


async def test_edits_and_deletes_of_known_posts_are_emitted() -> None:
    edited = status(100, "acme, edited: it works now", tags=["acme"], edited_at="2027-01-15T08:00:00Z")
    async with FakeMastodon() as fake:
        fake.scripts = [[sse("update", status(100, "acme is broken", tags=["acme"])), sse("status.update", edited),
                         sse("delete", "999"), sse("delete", "100"), sse("delete", "555")]]
        source = build(fake, hashtags=["acme"], _ctx={"known": lambda ident: ident == "555"})
        run = await collect(source, None, has(4))
    assert [(m.kind, m.id) for m in run.mentions] == [("post", "100"), ("edit", "100"), ("delete", "100"),
                                                       ("delete", "555")]
    assert run.mentions[1].text == "acme, edited: it works now"
    assert run.mentions[2].text == ""


async def test_public_timeline_is_matched_and_reblogs_are_skipped() -> None:
    boost = status(101, "acme", reblog=status(50, "acme original"))
    async with FakeMastodon() as fake:
        fake.scripts = [[sse("update", status(100, "cats")), sse("update", boost), sse("update", status(102, "ACME!")),
                         "event: notification\ndata: {}\n\n", "data: {\"not\": \"an event we know\"}\n\n"]]
        source = build(fake, timelines=["local"])
        run = await collect(source, None, has(1), settle=0.1)
    assert run.ids == ["102"]
    assert fake.called("/api/v1/streaming/public/local")
    assert (source.counters.received, source.counters.matched, source.counters.errors) == (3, 1, 0)


async def test_search_polls_keywords_newer_than_the_last_id() -> None:
    clock = InstantClock()
    async with FakeMastodon(token="tok") as fake:
        fake.statuses = [status(90, "acme old", created=START - 7200), status(100, "acme recent")]
        source = build(fake, clock, queries=["acme"], access_token="tok", search_interval=30)
        agen = source.stream(None)
        try:
            first = await asyncio.wait_for(anext(agen), 2)
            fake.statuses.append(status(101, "acme newer"))
            second = await asyncio.wait_for(anext(agen), 2)
        finally:
            await agen.aclose()
    assert first.mention is not None and first.mention.id == "100"  # 90 is older than the lookback
    assert second.mention is not None and second.mention.id == "101"
    searches = fake.called("/api/v2/search")
    assert searches[0].param("min_id") is None and searches[0].param("type") == "statuses"
    assert all(s.param("min_id") == "100" for s in searches[1:-1])
    assert 30 in clock.sleeps


async def test_rate_limited_search_waits_for_retry_after() -> None:
    clock = InstantClock()
    async with FakeMastodon() as fake:
        fake.statuses = [status(100, "acme")]
        fake.fail_next(429, headers={"Retry-After": "42"}, path="/api/v2/search")
        source = build(fake, clock, queries=["acme"])
        run = await collect(source, None, has(1))
    assert run.ids == ["100"]
    assert clock.sleeps[0] == 42
    assert source.counters.retries == 1


async def test_a_cursor_from_a_restart_skips_replayed_statuses() -> None:
    async with FakeMastodon() as fake:
        fake.statuses = [status(i, f"acme {i}", tags=["acme"]) for i in (100, 101)]
        fake.scripts = [[sse("update", s) for s in fake.statuses]] * 2
        first = await collect(build(fake, hashtags=["acme"]), None, has(2))
        fake.statuses.append(status(102, "acme 102", tags=["acme"]))
        second = await collect(build(fake, hashtags=["acme"]), first.cursor, has(1), settle=0.1)
    assert first.ids == ["100", "101"]
    assert second.ids == ["102"]
