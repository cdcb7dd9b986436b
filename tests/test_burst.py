"""Burst behaviour on the real platform code paths: the fake Slack and the fake Bot Connector at once.

A department with both a Slack and a Teams channel. 200 near-duplicates in a minute become one alert per
platform and a handful of coalesced edits; 200 different mentions are all delivered, paced to each
platform's per-channel limit, nothing dropped. Silences work from Slack and Teams commands alike.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from tests.conftest import distinct_texts, drain, fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, SlackClient, SlackRequests, slack_toml
from tests.fakes.fake_teams import TEAMS_TOML, mention_message, teams_service

CLASSIFIER = fixed_classifier({}, default=("complaint", "normal"))
VIRAL = "Parcelo lost my parcel AGAIN and support just closed my ticket. Never using them again #parcelo"


def _config(write_config, fake: FakeSlack):  # type: ignore[no-untyped-def]
    slack = slack_toml(fake, post_interval=1.0, edit_interval=3.0)
    teams = TEAMS_TOML.replace("post_interval_seconds = 0", "post_interval_seconds = 2").replace(
        "edit_interval_seconds = 0", "edit_interval_seconds = 3")
    return write_config(slack + teams)


@asynccontextmanager
async def _slack_and_teams(write_config, clock: FakeClock) -> AsyncIterator[tuple[FakeSlack, Any]]:  # type: ignore[no-untyped-def]
    """A service posting to the fake Slack and the fake Bot Connector at once, installed in Teams."""
    async with FakeSlack() as fake, teams_service(_config(write_config, fake), clock, classifier=CLASSIFIER,
                                                  workers=False) as h:
        await h.install()
        yield fake, h


def _top_level_posts(fake: FakeSlack, channel: str) -> list[dict]:
    return [m for (c, _ts), m in fake.messages.items() if c == channel and not m["thread_ts"]]


@pytest.mark.timeout(60)
async def test_200_near_duplicates_are_one_alert_and_a_few_edits_on_both(write_config, clock: FakeClock) -> None:
    async with _slack_and_teams(write_config, clock) as (fake, h):
        svc = h.service
        svc.pipeline.ingest(make_mention(VIRAL))
        for i in range(200):
            clock.advance(0.3)  # 200 in one minute
            svc.pipeline.ingest(make_mention(f"{VIRAL} {'!' * (i % 4)} #{i % 9}", handle=f"@u{i}@x",
                                             source=("mastodon", "bluesky", "reddit")[i % 3]))
            if i % 5 == 0:
                await svc.outbox.run_once()
        await drain(svc, clock)
        assert len(_top_level_posts(fake, "C0SUPPORT")) == 1
        slack_edits = fake.calls_to("chat.update")
        assert 1 <= len(slack_edits) <= 25, len(slack_edits)
        assert "+200 similar" in json.dumps(slack_edits[-1].args.get("blocks"))
        assert len(h.fake.of("create")) == 1
        teams_edits = h.fake.of("update")
        assert 1 <= len(teams_edits) <= 25, len(teams_edits)
        assert "+200 similar" in json.dumps(teams_edits[-1].body)


@pytest.mark.timeout(60)
async def test_200_different_mentions_are_all_delivered_paced_on_both(write_config, clock: FakeClock) -> None:
    async with _slack_and_teams(write_config, clock) as (fake, h):
        svc = h.service
        ids = [svc.pipeline.ingest(make_mention(text, handle=f"@d{i}@x")).mention_id
               for i, text in enumerate(distinct_texts(200))]
        alerted = [m for m in ids if svc.store.mention(m)["status"] != "grouped"]
        await drain(svc, clock)
        assert len(alerted) == 200
        assert len(_top_level_posts(fake, "C0SUPPORT")) == len(alerted)
        assert len(h.fake.of("create")) == len(alerted)
        assert svc.store.delivery_counts().get("failed", 0) == 0
        for platform, interval in (("slack", 1.0), ("teams", 2.0)):
            times = sorted(datetime.fromisoformat(d["delivered_at"]) for d in svc.store.deliveries()
                           if d["kind"] == "post" and d["platform"] == platform)
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
            assert len(times) == len(alerted) and min(gaps) >= interval, (platform, min(gaps))


async def test_silences_from_slack_and_teams_commands(write_config, clock: FakeClock) -> None:
    async with _slack_and_teams(write_config, clock) as (fake, h):
        svc = h.service
        requests = SlackRequests(fake)
        slack = SlackClient(h.session, f"http://127.0.0.1:{svc.port}/slack/events", requests)
        answer = await slack.slash("silence term:giveaway 2h spam wave")
        assert answer.status == 200
        await h.fake.wait_for(lambda: svc.store.active_silences(clock.now()), what="the silence")
        status, _ = await h.send(mention_message(h.fake.url, "silences"))
        assert status == 201
        reply = await h.fake.wait_for(lambda: [c for c in h.fake.of("send") + h.fake.of("reply")
                                               if "S-1" in json.dumps(c.body)], what="the Teams answer")
        assert "giveaway" in json.dumps(reply[-1].body)
        silenced = svc.pipeline.ingest(make_mention("Parcelo giveaway, click here"))
        assert silenced.outcome == "silenced"
        await drain(svc, clock)
        assert _top_level_posts(fake, "C0SUPPORT") == [] and h.fake.of("create") == []
        status, _ = await h.send(mention_message(h.fake.url, "unsilence S-1"))
        assert status == 201
        await h.fake.wait_for(lambda: not svc.store.active_silences(clock.now()), what="the silence to end")
