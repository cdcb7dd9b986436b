"""RSS/Atom adapter: conditional GET, dedup by entry id, Google Alerts links, lookback, bad feeds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.rss import RssSource, unwrap_redirect
from tests.fakes.fake_sources import (
    START,
    FakeFeed,
    InstantClock,
    atom_feed,
    collect,
    has,
    make_context,
    rss_feed,
    wait_until,
)

GOOGLE = "https://www.google.com/url?rct=j&sa=t&url=https://news.example/acme-fine&ct=ga&cd=CAI&usg=AOv"


def build(fake: FakeFeed, clock: InstantClock | None = None, **settings: Any) -> RssSource:
    settings.setdefault("url", fake.url("/feed.xml"))
    return RssSource.from_config(settings, make_context(clock or InstantClock()))


def entry(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"tag:google.com,2013:googlealerts/feed:{i}", "title": f"<b>Acme</b> story {i}",
            "link": f"https://n.example/{i}", "published": START - 600 + i, **fields}


@pytest.mark.parametrize(("settings", "key"), [
    ({}, "url"),
    ({"url": "https://f.example/feed", "feed": "x"}, "feed"),
    ({"url": "https://f.example/feed", "interval": 1}, "interval"),
    ({"url": "ftp://f.example/feed"}, "url"),
])
def test_bad_settings_name_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        RssSource.from_config(settings, make_context(InstantClock()))
    assert caught.value.key == key


@pytest.mark.parametrize(("link", "target"), [
    (GOOGLE, "https://news.example/acme-fine"),
    ("https://www.google.co.uk/url?q=https://n.example/a&sa=U", "https://n.example/a"),
    ("https://n.example/url?url=https://evil.example", "https://n.example/url?url=https://evil.example"),
    ("https://n.example/plain", "https://n.example/plain"),
])
def test_unwraps_google_redirects_only(link: str, target: str) -> None:
    assert unwrap_redirect(link) == target


async def test_google_alerts_entry_becomes_a_clean_mention() -> None:
    alert = entry(1, link=GOOGLE, content="Shares in <b>Acme</b> rose &amp; fell", author="Reporter")
    async with FakeFeed(atom_feed([alert])) as fake:
        run = await collect(build(fake), None, has(1))
    [mention] = run.mentions
    assert mention.id == alert["id"]
    assert mention.url == "https://news.example/acme-fine"
    assert mention.text == "Acme story 1\n\nShares in Acme rose & fell"
    assert mention.author.name == "Reporter"
    assert mention.created_at is not None and mention.created_at.timestamp() == START - 599
    assert mention.extra["feed"] == "Google Alert - acme"


async def test_conditional_get_and_dedup_across_polls() -> None:
    clock = InstantClock()
    async with FakeFeed(rss_feed([entry(1), entry(2, title="cats", content="no brand")])) as fake:
        source = build(fake, clock, interval=300)
        agen = source.stream(None)
        try:
            first = await asyncio.wait_for(anext(agen), 2)
            end_of_poll = await asyncio.wait_for(anext(agen), 2)
            pending = asyncio.ensure_future(anext(agen))
            await wait_until(lambda: len(fake.called("/feed.xml")) >= 3)  # two more polls, both answered 304
            fake.body = rss_feed([entry(3), entry(1), entry(2, title="cats", content="no brand")])
            third = await asyncio.wait_for(pending, 2)
        finally:
            await agen.aclose()
    assert first.mention is not None and first.mention.id.endswith(":1")
    assert json.loads(first.cursor or "")["etag"] is None  # validators are saved after the whole poll
    assert end_of_poll.mention is None and json.loads(end_of_poll.cursor or "")["etag"] is not None
    assert third.mention is not None and third.mention.id.endswith(":3")
    polls = fake.called("/feed.xml")
    assert "If-None-Match" not in polls[0].headers
    assert polls[1].headers["If-None-Match"] == json.loads(end_of_poll.cursor or "")["etag"]
    assert polls[1].headers["If-Modified-Since"] == FakeFeed.LAST_MODIFIED
    assert 300 in clock.sleeps
    assert source.counters.matched == 2  # "cats" never matched; entry 1 was not repeated


async def test_first_run_skips_entries_older_than_the_lookback() -> None:
    old = entry(1, published=START - 3 * 86_400)
    undated = {"id": "tag:undated", "title": "Acme undated"}
    async with FakeFeed(atom_feed([entry(2), undated, old])) as fake:
        run = await collect(build(fake), None, has(2), settle=0.1)
    assert [m.id for m in run.mentions] == ["tag:undated", entry(2)["id"]]


async def test_a_broken_feed_is_counted_and_polling_goes_on() -> None:
    async with FakeFeed("<html><body>maintenance</body></html>") as fake:
        source = build(fake)
        agen = source.stream(None)
        task = asyncio.ensure_future(anext(agen))
        await wait_until(lambda: source.counters.errors >= 1)
        fake.body = atom_feed([entry(1)])
        item = await asyncio.wait_for(task, 2)
        await agen.aclose()
    assert item.mention is not None and item.mention.id.endswith(":1")


async def test_503_with_retry_after_is_waited_out() -> None:
    clock = InstantClock()
    async with FakeFeed(atom_feed([entry(1)])) as fake:
        fake.fail_next(503, headers={"Retry-After": "120"})
        source = build(fake, clock)
        run = await collect(source, None, has(1))
    assert run.mentions and clock.sleeps[0] == 120
    assert source.counters.retries == 1


async def test_check_reports_a_missing_or_non_feed_url() -> None:
    async with FakeFeed("<html><p>not a feed</p></html>") as fake:
        with pytest.raises(SourceMisconfigured) as caught:
            await build(fake, url=fake.url("/nope.xml")).check()
        assert caught.value.key == "url" and "404" in str(caught.value)
        with pytest.raises(SourceMisconfigured) as caught:
            await build(fake).check()
        assert caught.value.key == "url"
        fake.body = atom_feed([entry(1)])
        await build(fake).check()
