"""POST /slack/events on the service's own aiohttp app: bolt's signature check, url_verification, ssl_check."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from bot.clock import FakeClock
from bot.config import Config
from tests.fakes.fake_slack import FakeSlack, SlackHarness, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(15)


CHALLENGE = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                        "type": "url_verification"})


async def test_signed_url_verification_is_answered_with_the_challenge(slack: SlackHarness) -> None:
    answer = await slack.client.send(CHALLENGE, json_body=True)
    assert answer.status == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "301 s old", "301 s ahead", "body changed"])
async def test_badly_signed_requests_are_refused_with_401(slack: SlackHarness, how: str) -> None:
    body = slack.requests.slash("claim M-1")
    now = int(time.time())
    if how == "unsigned":
        answer = await slack.client.send(body, signed=False)
    elif how == "wrong secret":
        answer = await slack.client.send(body, secret="not-the-secret")
    elif how == "301 s old":
        answer = await slack.client.send(body, timestamp=now - 301)
    elif how == "301 s ahead":
        answer = await slack.client.send(body, timestamp=now + 301)
    else:
        headers = slack.requests.headers(body)
        async with slack.client.session.post(slack.client.url, data=(body + "x").encode(), headers=headers) as r:
            answer_status = r.status
        assert answer_status == 401
        return
    assert answer.status == 401
    assert answer.json() == {"error": "invalid request"}
    assert slack.fake.hook_messages() == []  # nothing ran


async def test_unsigned_url_verification_is_refused(slack: SlackHarness) -> None:
    answer = await slack.client.send(CHALLENGE, json_body=True, signed=False)
    assert answer.status == 401


async def test_a_request_within_the_five_minute_window_is_accepted(slack: SlackHarness) -> None:
    answer = await slack.client.send(slack.requests.slash("help"), timestamp=int(time.time()) - 290)
    assert answer.status == 200
    await slack.fake.wait_for(slack.fake.hook_messages, what="the help answer")


async def test_ssl_check_is_answered(slack: SlackHarness) -> None:
    answer = await slack.client.send(urlencode({"ssl_check": "1", "token": "legacy"}))
    assert answer.status == 200


async def test_without_a_signing_secret_the_endpoint_is_not_served(
    write_config: Callable[..., Config], clock: FakeClock, fake: FakeSlack
) -> None:
    config = write_config(slack_toml(fake, signing=False, app_token=True))
    async with slack_harness(config, clock, fake) as harness:
        answer = await harness.client.send(harness.requests.slash("help"), signed=False)
        assert answer.status in (404, 405)


async def test_slack_is_off_without_a_bot_token(config: Config, clock: FakeClock) -> None:
    from bot.core import Core
    from bot.platforms.slack import create
    from bot.store import Store

    store = Store.open(config.store.path)
    try:
        assert await create(config, Core(config, store, clock)) is None
    finally:
        store.close()
