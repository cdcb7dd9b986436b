"""Socket Mode: with an app-level token the same listeners serve envelopes over a WebSocket to the fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.platforms import slack_blocks as sb
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import APP_TOKEN, FakeSlack, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(15)
CLASSIFIER = fixed_classifier({"charged twice": ("billing", "normal")})


async def test_socket_mode_serves_commands_actions_and_events(write_config: Callable[..., Config],
                                                             clock: FakeClock) -> None:
    async with FakeSlack() as fake:
        config = write_config(slack_toml(fake, signing=False, app_token=True))
        async with slack_harness(config, clock, fake, classifier=CLASSIFIER) as slack:
            opened = fake.calls_to("apps.connections.open")
            assert len(opened) == 1 and opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"
            mention_id = slack.ingest(make_mention("Parcelo charged twice this morning"))
            await slack.deliver()
            channel, ts = slack.alert_of(mention_id)

            command = dict(parse_qsl(slack.requests.slash("help", hook="sm-help")))
            await fake.send_envelope({"envelope_id": "env-1", "type": "slash_commands", "payload": command,
                                      "accepts_response_payload": True})
            await fake.wait_for(lambda: fake.hooks.get("sm-help"), what="the help answer")
            assert {"envelope_id": "env-1"} in fake.socket_acks

            click = slack.requests.block_action(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0BOB")
            await fake.send_envelope({"envelope_id": "env-2", "type": "interactive", "payload": click,
                                      "accepts_response_payload": True})
            await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim over the socket")
            assert slack.service.store.mention(mention_id)["claimed_by_name"] == "Bob Builder"

            event = json.loads(slack.requests.event(slack.requests.reaction("white_check_mark", channel, ts,
                                                                            user="U0BOB"), event_id="Ev0SOCKET"))
            for attempt, envelope_id in enumerate(("env-3", "env-4")):
                await fake.send_envelope({"envelope_id": envelope_id, "type": "events_api", "payload": event,
                                          "accepts_response_payload": False, "retry_attempt": attempt,
                                          "retry_reason": "timeout" if attempt else ""})
            await slack.settle(lambda: slack.status(mention_id) == "resolved", "the resolve over the socket")
            await fake.wait_for(lambda: {"envelope_id": "env-4"} in fake.socket_acks, what="the retry's ack")
            events = [e["action"] for e in slack.service.store.events(mention_id)]
            assert events.count("resolve") == 1
        await fake.wait_for(lambda: not fake._sockets, what="the socket to close on stop")
