"""Nobody let in: hostile Slack and Teams payloads, replayed signed requests, constant-time HMAC, and
secrets that never reach the logs. (Signature windows, JWT cases, injection escaping and allow-lists
have their own tests in test_slack_http, test_teams_auth, test_slack_blocks, test_teams_cards and
test_lifecycle; docs/reliability.md lists them all.)"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import webhook
from bot.clock import FakeClock
from bot.config import Config
from bot.platforms.slack_blocks import CLAIM
from bot.service import Service
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack, SlackRequests, slack_harness, slack_toml
from tests.fakes.fake_teams import TEAMS_TOML
from tests.fakes.server_thread import ServerThread

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CLASSIFIER = fixed_classifier({}, default=("question", "normal"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=15,
)
slackish = st.fixed_dictionaries(
    {"type": st.sampled_from(["event_callback", "block_actions", "url_verification", "view_submission", "x"])},
    optional={"event": json_values, "actions": json_values, "user": json_values, "container": json_values,
              "challenge": json_values, "team_id": json_values, "event_id": json_values, "channel": json_values},
)


# -- Slack: every signed hostile payload gets an answer below 500 ----------------------------------------


@pytest.fixture
def slack_server(write_config: Callable[..., Config]) -> Iterator[ServerThread]:
    fake = FakeSlack()

    def make(entered: FakeSlack) -> Service:
        return Service(write_config(slack_toml(entered)), clock=FakeClock(), classifier=CLASSIFIER)

    with ServerThread(make, fake) as running:
        yield running


@FUZZ
@given(shape=st.sampled_from(["json", "payload", "command", "raw"]), value=slackish, raw=st.binary(max_size=300),
       text=st.text(max_size=80))
def test_signed_hostile_slack_requests_never_get_a_500(slack_server: ServerThread, shape: str,
                                                       value: dict[str, Any], raw: bytes, text: str) -> None:
    requests = SlackRequests(slack_server.context)  # type: ignore[arg-type]
    if shape == "json":
        body, kind = json.dumps(value), "application/json"
    elif shape == "payload":
        body, kind = urlencode({"payload": json.dumps(value)}), "application/x-www-form-urlencoded"
    elif shape == "command":
        body = urlencode({"command": "/siloless", "text": text, "user_id": "U0ANN", "channel_id": "C0SUPPORT",
                          "team_id": "T0TEST", "response_url": "http://127.0.0.1:9/none"})
        kind = "application/x-www-form-urlencoded"
    else:
        body, kind = raw.decode("latin-1"), "application/x-www-form-urlencoded"
    status, _answer = slack_server.post("/slack/events", body.encode("latin-1", "replace"),
                                        requests.headers(body, content_type=kind))
    assert status < 500


@FUZZ
@given(raw=st.binary(max_size=500))
def test_unsigned_slack_requests_are_refused(slack_server: ServerThread, raw: bytes) -> None:
    status, _ = slack_server.post("/slack/events", raw, {"Content-Type": "application/json"})
    assert status == 401


async def test_a_replayed_signed_click_and_command_act_once(write_config: Callable[..., Config],
                                                            clock: FakeClock) -> None:
    async with FakeSlack() as fake, slack_harness(write_config(slack_toml(fake)), clock, fake,
                                                  classifier=CLASSIFIER) as slack:
        mention_id = slack.ingest(make_mention("Parcelo parcel stuck in Utrecht"))
        await slack.deliver()
        channel, ts = slack.alert_of(mention_id)
        click = slack.requests.interactive(slack.requests.block_action(CLAIM, channel, ts,
                                                                       value=f"M-{mention_id}"))
        headers = slack.requests.headers(click)  # one signature, sent three times (an attacker's replay)
        command = slack.requests.slash(f"resolve M-{mention_id} sorted")
        command_headers = slack.requests.headers(command)
        async with aiohttp.ClientSession() as session:
            for body, sent in ((click, headers), (click, headers), (click, headers), (command, command_headers),
                               (command, command_headers)):
                async with session.post(slack.client.url, data=body.encode(), headers=sent) as response:
                    assert response.status == 200
                await slack.idle()
        await slack.deliver()
        actions = [e["action"] for e in slack.service.store.events(mention_id)]
        assert actions.count("claim") == 1 and actions.count("resolve") == 1


# -- Teams: every hostile activity gets an answer below 500 ----------------------------------------------


@pytest.fixture
def teams_server(write_config: Callable[..., Config]) -> Iterator[ServerThread]:
    config = write_config(TEAMS_TOML)
    with ServerThread(lambda _ctx: Service(config, clock=FakeClock(), classifier=CLASSIFIER)) as running:
        yield running


teamsish = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction",
                              "event", "bogus"])},
    optional={"name": st.sampled_from(["adaptiveCard/action", "composeExtension/query", "x"]), "value": json_values,
              "text": st.text(max_size=60), "from": json_values, "conversation": json_values,
              "channelData": json_values, "replyToId": json_values, "entities": json_values,
              "serviceUrl": st.sampled_from(["http://127.0.0.1:9/", "not a url", ""]), "id": json_values},
)


@FUZZ
@given(activity=teamsish, raw=st.binary(max_size=200), use_raw=st.booleans())
def test_hostile_teams_activities_never_get_a_500(teams_server: ServerThread, activity: dict[str, Any],
                                                  raw: bytes, use_raw: bool) -> None:
    body = raw if use_raw else json.dumps(activity).encode()
    status, _ = teams_server.post("/api/messages", body, {"Content-Type": "application/json"})
    assert status < 500


# -- webhook HMAC and secrets in logs ------------------------------------------------------------------------


def test_webhook_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    with pytest.raises(webhook.WebhookRejected):
        webhook.verify_signature("a-long-shared-secret", b"{}", "sha256=" + "0" * 64)
    webhook.verify_signature("a-long-shared-secret", b"{}", webhook.sign("a-long-shared-secret", b"{}"))
    assert len(seen) == 2


async def test_secrets_never_reach_the_logs(write_config: Callable[..., Config], clock: FakeClock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    webhook_secret = "webhook-secret-that-must-not-leak"
    caplog.set_level(logging.DEBUG)
    async with FakeSlack() as fake:
        config = write_config(slack_toml(fake) + f'\n[[sources]]\ntype = "webhook"\nsecret = "{webhook_secret}"\n')
        async with slack_harness(config, clock, fake, classifier=CLASSIFIER) as slack:
            fake.fail("chat.postMessage", error="invalid_auth")
            fake.fail("chat.postMessage", status=500)
            slack.ingest(make_mention("Parcelo lost my parcel"))
            await slack.deliver(timeout=10)
            await slack.client.slash("list")
            await slack.idle()
            body = b'{"source": "x", "id": "1", "text": "Parcelo"}'
            async with aiohttp.ClientSession() as session, session.post(
                    f"http://127.0.0.1:{slack.service.port}/ingest", data=body,
                    headers={"X-Siloless-Signature": "sha256=" + webhook_secret}) as response:
                assert response.status == 401
            logging.getLogger("siloless.test").warning("config says %s and %s", TOKEN, webhook_secret)
    text = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert caplog.records, "the run should have logged something"
    for secret in (TOKEN, SIGNING_SECRET, webhook_secret):
        assert secret not in text, f"{secret[:6]}… leaked into the logs"
    assert "[redacted]" in caplog.text
