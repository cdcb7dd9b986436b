"""One mention, two platforms: a click in Teams updates the Slack copy, a Slack command updates the Teams card.

Both platforms run in the same service, each against its own fake (Slack Web API, Bot Connector);
nothing but the core connects them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp
import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.platforms.teams_cards import unescape_md
from bot.service import Service
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, SlackClient, SlackRequests, slack_toml
from tests.fakes.fake_teams import TEAMS_TOML, FakeBotConnector, TeamsHarness, card_action

pytestmark = pytest.mark.timeout(30)


async def test_a_change_on_either_platform_updates_the_other(write_config: Callable[..., Config],
                                                             clock: FakeClock) -> None:
    async with FakeSlack() as slack_fake, FakeBotConnector() as teams_fake, aiohttp.ClientSession() as session:
        config = write_config(slack_toml(slack_fake) + TEAMS_TOML)
        service = Service(config, clock=clock, classifier=fixed_classifier({"refund": ("billing", "high")}))
        await service.start(serve_http=True, run_sources=False, run_workers=True)
        try:
            teams = TeamsHarness(service, teams_fake, session)
            slack = SlackClient(session, f"http://127.0.0.1:{service.port}/slack/events",
                                SlackRequests(slack_fake, command=config.slack.command))
            await teams.install()
            service.pipeline.ingest(make_mention("Parcelo refund the double charge please"))
            card = await teams.card_posted(1)
            slack_post = (await slack_fake.wait_for(lambda: slack_fake.calls_to("chat.postMessage"),
                                                    what="the Slack alert"))[0]
            assert slack_post.json["channel"] == "C0BILLING"
            slack_ts = next(a["ref"]["message_id"] for a in service.store.alerts(1) if a["platform"] == "slack")

            # claimed in Teams → the Slack copy says so
            status, body = await teams.send(card_action(teams_fake.url, card["message_id"], "claim", {"mention": 1},
                                                        channel_id=card["channel"], channel_name="Billing"))
            assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
            await slack_fake.wait_for(
                lambda: [c for c in slack_fake.calls_to("chat.update")
                         if c.json["ts"] == slack_ts and "Claimed* by Ann Agent" in json.dumps(c.json["blocks"])],
                what="the Slack copy to show the Teams claim")

            await teams.settled()
            # resolved in Slack → the Teams card says so, in place
            answer = await slack.slash("resolve M-1 refunded", user="U0BOB", user_name="bob", channel="C0BILLING",
                                       hook="resolve")
            assert answer.status == 200
            await teams_fake.wait_for(
                lambda: [c for c in teams_fake.of("update") if c.activity_id == card["message_id"]
                         and "Resolved by Bob Builder" in unescape_md(json.dumps(c.card))],
                what="the Teams card to show the Slack resolve")
            assert [(e["action"], e["actor"].split(":")[0]) for e in service.store.events(1)][-2:] == [
                ("claim", "teams"), ("resolve", "slack")]
        finally:
            await service.stop()
            service.store.close()
