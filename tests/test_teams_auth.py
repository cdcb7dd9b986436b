"""Real Bot Framework JWT validation, offline: a local key server, tokens signed with PyJWT.

With ``[teams] app_id`` set, ``/api/messages`` must refuse every request without a valid token
with 401 (botbuilder itself lets several of these escape as 500), and accept a valid one. The
proactive path runs under credentials that refuse an empty app id, which auth-off mode would hide
(botbuilder issue #2036).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.platforms import teams
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_teams import (
    FakeOpenIdServer,
    StubCredentialsFactory,
    TeamsHarness,
    card_action,
    installation_update,
    mention_message,
    teams_service,
)

APP_ID = "test-app"
AUTH_TOML = f"""
[teams]
enabled = true
app_id = "{APP_ID}"
app_password = "not-used-by-the-stub"
post_interval_seconds = 0
edit_interval_seconds = 0
"""

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def openid() -> Any:
    with FakeOpenIdServer() as server:
        yield server


@pytest.fixture
async def harness(write_config: Callable[..., Config], clock: FakeClock, openid: FakeOpenIdServer,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[TeamsHarness, StubCredentialsFactory]]:
    factory = StubCredentialsFactory(APP_ID)
    monkeypatch.setattr(teams, "create", functools.partial(teams.create, credentials_factory=factory,
                                                           openid_metadata_url=openid.metadata_url))
    config = write_config(AUTH_TOML)
    async with teams_service(config, clock, classifier=fixed_classifier({"refund": ("billing", "high")})) as h:
        yield h, factory


async def test_a_valid_token_is_accepted_and_the_turn_runs(harness: Any, openid: FakeOpenIdServer) -> None:
    h, _factory = harness
    activity = installation_update(h.fake.url)
    status, _ = await h.send(activity, token=openid.token(h.fake.url))
    assert status == 201
    assert {c["channel_name"] for c in h.service.store.conversations("teams")} >= {"Support", "Billing"}
    listing = h.fake.of("channels")[0]
    assert listing.headers["Authorization"] == f"Bearer outbound-{APP_ID}"  # outbound calls carry our token


@pytest.mark.parametrize("case", ["missing", "garbage", "wrong audience", "expired", "wrong issuer",
                                  "other service url", "signed by another key", "unknown key id"])
async def test_a_bad_token_is_refused_with_401(harness: Any, openid: FakeOpenIdServer, case: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    h, _factory = harness
    url = h.fake.url
    token = {
        "missing": None,
        "garbage": "not.a.jwt",
        "wrong audience": openid.token(url, audience="someone-else"),
        "expired": openid.token(url, expires_in=-3600),
        "wrong issuer": openid.token(url, issuer="https://evil.example"),
        "other service url": openid.token("https://smba.trafficmanager.net/emea/"),
        "signed by another key": openid.token(url, key=rsa.generate_private_key(public_exponent=65537,
                                                                                key_size=2048)),
        "unknown key id": openid.token(url, kid="k-unknown"),
    }[case]
    status, body = await h.send(mention_message(url, "claim M-1"), token=token)
    assert status == 401, (case, body)
    assert "unauthorized" in body["error"]
    assert not h.fake.calls  # nothing ran: no reply, no channel lookup


async def test_an_invoke_with_a_valid_token_answers_with_the_card(harness: Any, openid: FakeOpenIdServer) -> None:
    h, factory = harness
    await h.install(token=openid.token(h.fake.url))
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    status, body = await h.send(card_action(h.fake.url, ref["message_id"], "claim", {"mention": 1},
                                            channel_id="19:billing@thread.tacv2", channel_name="Billing"),
                                token=openid.token(h.fake.url))
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    await h.fake.wait_for(lambda: h.fake.of("update"), what="the card update")
    # every proactive call (post, update, thread line) asked for credentials with the real app id
    assert factory.asked and set(factory.asked) == {APP_ID}
    assert all(c.headers.get("Authorization") == f"Bearer outbound-{APP_ID}" for c in h.fake.calls)


async def test_auth_on_logs_no_emulator_warning(write_config: Callable[..., Config], clock: FakeClock,
                                                openid: FakeOpenIdServer, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(teams, "create", functools.partial(teams.create, credentials_factory=StubCredentialsFactory(),
                                                           openid_metadata_url=openid.metadata_url))
    with caplog.at_level(logging.INFO, logger="siloless.teams"):
        async with teams_service(write_config(AUTH_TOML), clock):
            pass
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "EMULATOR" in r.getMessage()]
    assert any("JWT validation on" in r.getMessage() for r in caplog.records)
