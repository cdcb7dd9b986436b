"""End to end: mentions in → alerts in the right Slack channels → a button claim → a slash-command resolve.

The service runs as in production (HTTP server on port 0, outbox worker woken by every change);
Slack is the fake, and every request to us is signed as Slack signs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.platforms import slack_blocks as sb
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(20)
CLASSIFIER = fixed_classifier({
    "charged twice": ("billing", "normal"),
    "app is down": ("outage", "high"),
    "account was hacked": ("security", "critical"),
})


async def test_mention_to_alert_to_claim_to_resolve(write_config: Callable[..., Config], clock: FakeClock) -> None:
    async with FakeSlack() as fake:
        config = write_config(slack_toml(fake))
        async with slack_harness(config, clock, fake, classifier=CLASSIFIER, run_workers=True) as slack:
            billing = slack.ingest(make_mention("Parcelo charged twice for one parcel", handle="@ann@example.social"))
            slack.ingest(make_mention("the Parcelo app is down in Utrecht", handle="@bob@example.social"))
            slack.ingest(make_mention("my Parcelo account was hacked", handle="@cy@example.social"))
            posts = await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) == 3
                                        and fake.calls_to("chat.postMessage"), what="three alerts")
            assert sorted(p.json["channel"] for p in posts) == ["C0BILLING", "C0ENGINEERING", "C0SECURITY"]
            channel, ts = slack.alert_of(billing)
            assert channel == "C0BILLING"

            answer = await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{billing}", user="U0ANN")
            assert answer.status == 200
            claimed = await fake.wait_for(
                lambda: [c for c in fake.calls_to("chat.update")
                         if c.json["ts"] == ts and "*Claimed* by Ann Example" in json.dumps(c.json["blocks"])],
                what="the alert to show Ann's claim")
            assert claimed[0].json["channel"] == "C0BILLING"

            answer = await slack.client.slash(f"resolve M-{billing} refunded the double charge", user="U0BOB",
                                              user_name="bob", channel="C0BILLING", hook="resolve")
            assert answer.status == 200
            said = await fake.wait_for(lambda: fake.hooks.get("resolve"), what="the resolve answer")
            assert said[0] == {"text": f"M-{billing} resolved.", "response_type": "ephemeral",
                               "replace_original": False}
            final = await fake.wait_for(
                lambda: [c for c in fake.calls_to("chat.update")
                         if c.json["ts"] == ts and "*Resolved* by Bob Builder" in json.dumps(c.json["blocks"])],
                what="the alert to show the resolution")
            blocks = final[-1].json["blocks"]
            assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == [sb.REOPEN]
            assert "refunded the double charge" in json.dumps(blocks)

            assert slack.status(billing) == "resolved"
            events = [(e["action"], e["actor"]) for e in slack.service.store.events(billing)]
            assert events == [("ingest", "system"), ("alert", "system"), ("claim", "slack:U0ANN"),
                              ("resolve", "slack:U0BOB")]
            thread = await fake.wait_for(
                lambda: len(lines := [c.json["text"] for c in fake.calls_to("chat.postMessage")
                                      if c.json.get("thread_ts") == ts]) == 2 and lines, what="two thread lines")
            assert thread == ["Claimed by Ann Example.", "Resolved by Bob Builder: refunded the double charge."]
