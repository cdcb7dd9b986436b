"""The adapter contract, run over every registered source type (our quality scale).

Each streaming adapter must: resume from its cursor after a restart with no item lost and none
repeated; skip a malformed item (counting it) without stopping; and stop promptly when the task
driving it is cancelled. A harness per type sets up a fake server with five items, one of them
malformed, and knows the ids of the four good ones. Exempt types are listed with the reason in
docs/sources.md and here; a registered type with neither a harness nor an exemption fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from adapters import registry
from adapters.base import Source
from tests.fakes.fake_sources import (
    START,
    FakeAlgolia,
    FakeFeed,
    FakeJetstream,
    FakeMastodon,
    FakeReddit,
    InstantClock,
    atom_feed,
    collect,
    has,
    has_ids,
    hn_story,
    jetstream_post,
    make_context,
    reddit_post,
    sse,
    status,
)

#: Types that cannot follow the pull contract, and why (mirrored in docs/sources.md).
EXEMPT = {"webhook": "push source: mentions arrive through POST /ingest; dedup is the core's idempotent ingest"}

Build = Callable[[], Source]  # a fresh adapter instance: calling it again is a "restart"


@asynccontextmanager
async def mastodon(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    statuses = [status(100 + i, f"acme news {i}", tags=["acme"]) for i in range(5)]
    statuses[2] = status(102, "acme broken", tags=["acme"], created_at="yesterday-ish")
    ids = [s["id"] for i, s in enumerate(statuses) if i != 2]
    async with FakeMastodon() as fake:
        fake.statuses = statuses
        replay = [sse("update", s) for s in statuses]  # every later connection replays old items too
        fake.scripts = [[*replay[:1], "event: update\ndata: {not json\n\n", *replay[1:]], replay, replay]
        yield lambda: _build("mastodon", {"instance": fake.url(), "hashtags": ["acme"], "queries": []}), ids


@asynccontextmanager
async def bluesky(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    async with FakeJetstream() as fake:
        base = int(START * 1e6)
        events = [jetstream_post(base + i * 1_000_000, f"k{i}", f"acme post {i}") for i in range(5)]
        for event in events[:2] + events[3:]:
            fake.add(event)
        fake.add(jetstream_post(base + 1_500_000, "other", "nothing to see"))
        fake.add_raw(base + 2_000_000, "{garbage")
        ids = [f"at://did:plc:ann/app.bsky.feed.post/k{i}" for i in (0, 1, 3, 4)]
        yield lambda: _build("bluesky", {"jetstream_url": fake.url("/subscribe", scheme="ws")}), ids


@asynccontextmanager
async def rss(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    entries = [{"id": f"tag:n,{i}", "title": f"Acme story {i}", "link": f"https://n.example/{i}",
                "published": START - 3600 + i} for i in range(5)]
    entries[2] = {"content": "an entry with no id, link or title"}
    async with FakeFeed(atom_feed(reversed(entries))) as fake:
        yield lambda: _build("rss", {"url": fake.url("/feed.xml")}), [e["id"] for e in entries if "id" in e]


@asynccontextmanager
async def reddit(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    async with FakeReddit() as fake:
        fake.posts = [reddit_post(f"p{i}", f"acme thing {i}", START - 600 + i) for i in range(5)]
        fake.posts[2] = {"kind": "t3", "data": {"title": "acme without a name"}}
        ids = [p["data"]["name"] for p in fake.posts if "name" in p["data"]]
        yield lambda: _build("reddit", {"api_url": fake.url()}), ids


@asynccontextmanager
async def hackernews(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    async with FakeAlgolia() as fake:
        fake.hits = [hn_story(10 + i, f"Acme launch {i}", int(START) - 600 + i // 2) for i in range(5)]
        del fake.hits[2]["objectID"]
        ids = [h["objectID"] for h in fake.hits if "objectID" in h]
        yield lambda: _build("hackernews", {"api_url": fake.url("/api/v1")}), ids


@asynccontextmanager
async def replay(tmp: Path) -> AsyncIterator[tuple[Build, list[str]]]:
    path = tmp / "mentions.jsonl"
    lines = [json.dumps({"source": "replay", "id": f"r{i}", "text": f"acme {i}"}) for i in range(5)]
    lines[2] = "{not json"
    path.write_text("\n".join(lines) + "\n")
    yield lambda: _build("replay", {"path": str(path)}), ["r0", "r1", "r3", "r4"]


HARNESSES: dict[str, Callable[[Path], Any]] = {
    "mastodon": mastodon, "bluesky": bluesky, "rss": rss, "reddit": reddit, "hackernews": hackernews,
    "replay": replay,
}
STREAMING = [t for t in registry.source_types() if t not in EXEMPT]


def _build(source_type: str, settings: dict[str, Any]) -> Source:
    return registry.load(source_type).from_config(settings, make_context(InstantClock()))


def test_every_registered_type_has_a_harness_or_an_exemption() -> None:
    missing = [t for t in STREAMING if t not in HARNESSES]
    assert not missing, f"add a contract harness (or an exemption with its reason) for: {missing}"


@pytest.mark.parametrize("source_type", STREAMING)
async def test_resumes_from_its_cursor_without_loss_or_repeat(source_type: str, tmp_path: Path) -> None:
    async with HARNESSES[source_type](tmp_path) as (build, ids):
        first = await collect(build(), None, has(2))
        assert first.ids == ids[:2]
        assert first.cursor is not None
        second = await collect(build(), first.cursor, has_ids(set(ids) - set(first.ids)), settle=0.3)
    counts = Counter(first.ids + second.ids)
    assert sorted(counts) == sorted(ids), "an item was lost"
    assert max(counts.values()) == 1, f"repeated after restart: {[i for i, n in counts.items() if n > 1]}"


@pytest.mark.parametrize("source_type", STREAMING)
async def test_malformed_item_is_counted_and_skipped(source_type: str, tmp_path: Path) -> None:
    async with HARNESSES[source_type](tmp_path) as (build, ids):
        source = build()
        run = await collect(source, None, has_ids(ids))
    assert run.ids == ids
    assert source.counters.errors >= 1
    assert source.counters.received >= len(ids) + 1
    assert source.counters.matched == len(ids)


@pytest.mark.parametrize("source_type", STREAMING)
async def test_stops_within_its_deadline_when_cancelled(source_type: str, tmp_path: Path) -> None:
    async with HARNESSES[source_type](tmp_path) as (build, ids):
        seen: list[str] = []
        agen = build().stream(None)

        async def drive() -> None:
            async for item in agen:
                if item.mention is not None:
                    seen.append(item.mention.id)

        task = asyncio.create_task(drive())
        deadline = time.monotonic() + 5
        while set(seen) < set(ids) and not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert set(seen) >= set(ids)
        started = time.monotonic()
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
        assert task.done(), f"{source_type} did not stop within 1 s of being cancelled"
        assert time.monotonic() - started < 1.0
        await agen.aclose()
