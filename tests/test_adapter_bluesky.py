"""Bluesky adapter: Jetstream commits, local matching, edits/deletes, cursor rewind on reconnect."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.base import SourceMisconfigured
from adapters.bluesky import BlueskySource
from tests.fakes.fake_sources import (
    START,
    FakeJetstream,
    InstantClock,
    collect,
    has,
    jetstream_post,
    make_context,
)

T0 = int(START * 1_000_000)
URI = "at://did:plc:ann/app.bsky.feed.post/"


def build(fake: FakeJetstream, clock: InstantClock | None = None, known: Any = None, **settings: Any) -> BlueskySource:
    settings.setdefault("jetstream_url", fake.url("/subscribe", scheme="ws"))
    context = make_context(clock or InstantClock(), **({"known": known} if known else {}))
    return BlueskySource.from_config(settings, context)


class TickingClock(InstantClock):
    """Each reading of ``now`` moves a second on: time passes while the firehose flows."""

    def now(self) -> float:
        self.t += 1
        return self.t


@pytest.mark.parametrize(("settings", "key"), [
    ({"jetstream": "wss://x"}, "jetstream"),
    ({"jetstream_url": "jetstream.example"}, "jetstream_url"),
    ({"rewind_seconds": -1}, "rewind_seconds"),
    ({"wanted_dids": "did:plc:x"}, "wanted_dids"),
])
def test_bad_settings_name_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(SourceMisconfigured) as caught:
        BlueskySource.from_config(settings, make_context(InstantClock()))
    assert caught.value.key == key


async def test_only_matching_posts_become_mentions_with_full_fields() -> None:
    record = {"text": "my order from acme never came", "langs": ["en"], "createdAt": "2027-01-15T07:00:00.000Z",
              "reply": {"root": {"uri": URI + "root", "cid": "c"}, "parent": {"uri": URI + "parent", "cid": "c"}}}
    card = {"text": "look at this", "embed": {"$type": "app.bsky.embed.external",
                                              "external": {"uri": "https://acme.example/news", "title": "t"}}}
    async with FakeJetstream() as fake:
        for i in range(50):
            fake.add(jetstream_post(T0 + i, f"noise{i}", "cats and dogs"))
        fake.add(jetstream_post(T0 + 100, "k1", record=record))
        fake.add(jetstream_post(T0 + 101, "k2", record=card))
        fake.add({"did": "did:plc:ann", "time_us": T0 + 102, "kind": "identity", "identity": {}})
        source = build(fake, wanted_dids=["did:plc:ann"])
        run = await collect(source, None, has(2))
    first, second = run.mentions
    assert first.id == URI + "k1"
    assert first.url == "https://bsky.app/profile/did:plc:ann/post/k1"
    assert (first.author.handle, first.lang, first.in_reply_to, first.conversation) == (
        "did:plc:ann", "en", URI + "parent", URI + "root")
    assert first.created_at is not None and first.created_at.hour == 7
    assert second.text == "look at this\nhttps://acme.example/news"
    assert (source.counters.received, source.counters.matched) == (52, 2)
    [req] = fake.requests
    assert req.query["wantedCollections"] == ["app.bsky.feed.post"] and req.query["wantedDids"] == ["did:plc:ann"]
    assert "cursor" not in req.query  # first run, no lookback: live


async def test_updates_and_deletes_of_known_posts() -> None:
    async with FakeJetstream() as fake:
        fake.add(jetstream_post(T0 + 1, "k1", "acme is down"))
        fake.add(jetstream_post(T0 + 2, "k1", "it is fine now", op="update"))
        fake.add(jetstream_post(T0 + 3, "other", op="delete"))
        fake.add(jetstream_post(T0 + 4, "k1", op="delete"))
        fake.add(jetstream_post(T0 + 5, "old", op="delete"))
        fake.add(jetstream_post(T0 + 6, "stranger", "unrelated edit", op="update"))
        source = build(fake, known=lambda uri: uri == URI + "old")
        run = await collect(source, None, has(4), settle=0.1)
    assert [(m.kind, m.id.removeprefix(URI)) for m in run.mentions] == [
        ("post", "k1"), ("edit", "k1"), ("delete", "k1"), ("delete", "old")]
    assert run.mentions[1].text == "it is fine now"
    assert run.mentions[2].text == ""


async def test_reconnect_rewinds_the_cursor_and_drops_the_repeats() -> None:
    clock = InstantClock()
    async with FakeJetstream() as fake:
        for i in range(4):
            fake.add(jetstream_post(T0 + i * 1_000_000, f"k{i}", f"acme {i}"))
        fake.add_raw(T0 + 2_500_000, "{garbage")
        fake.close_after = [2]  # the first connection drops after two messages
        source = build(fake, clock, rewind_seconds=2)
        run = await collect(source, None, has(4), settle=0.1)
    assert [m.id.removeprefix(URI) for m in run.mentions] == ["k0", "k1", "k2", "k3"]
    assert fake.connections == 2
    assert fake.requests[1].param("cursor") == str(T0 + 1_000_000 - 2_000_000)
    assert source.counters.retries == 1 and source.counters.errors == 1
    assert len(clock.sleeps) == 1


async def test_first_run_lookback_starts_in_the_past() -> None:
    clock = InstantClock()
    async with FakeJetstream() as fake:
        fake.add(jetstream_post(T0 - 30_000_000, "k1", "acme"))
        run = await collect(build(fake, clock, lookback_seconds=60), None, has(1))
    assert run.ids == [URI + "k1"]
    assert fake.requests[0].param("cursor") == str(T0 - 60_000_000)


async def test_cursor_moves_through_non_matching_posts() -> None:
    async with FakeJetstream() as fake:
        for i in range(20):
            fake.add(jetstream_post(T0 + i, f"n{i}", "nothing here"))
        run = await collect(build(fake, TickingClock()), None, lambda r: r.cursor_only >= 1)
    assert run.mentions == []
    assert run.cursor is not None and '"t":' in run.cursor
