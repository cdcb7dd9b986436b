"""``POST /api/messages`` at the HTTP boundary: what Teams sends, what we store, what we refuse.

The service runs as in production (one aiohttp app on 127.0.0.1:0, the real CloudAdapter) in the
local-emulator profile (no app id); the fake Bot Connector answers the bot's outbound calls.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from bot.clock import FakeClock
from bot.config import Config
from tests.fakes.fake_teams import (
    TEAM_ID,
    TEAMS_TOML,
    TeamsHarness,
    bot_added,
    card_action,
    channel_created,
    mention_message,
    teams_service,
)

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def h(write_config: Callable[..., Config], clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with teams_service(write_config(TEAMS_TOML), clock) as harness:
        yield harness


def channels_by_name(h: TeamsHarness) -> dict[str, dict]:
    return {row["channel_name"]: row for row in h.service.store.conversations("teams")}


async def test_installing_in_a_team_stores_every_channel_reference(h: TeamsHarness) -> None:
    await h.install()
    stored = channels_by_name(h)
    assert set(stored) == {"General", "Support", "Billing"}
    support = stored["Support"]
    assert support["channel_id"] == "19:support@thread.tacv2"
    assert support["team_id"] == TEAM_ID and support["team_name"] == "Comms" and support["tenant_id"] == "tenant-0001"
    assert support["reference"]["serviceUrl"] == h.fake.url
    assert support["reference"]["conversation"] == {"id": "19:support@thread.tacv2", "isGroup": True,
                                                    "conversationType": "channel", "tenantId": "tenant-0001"}
    assert h.fake.of("channels")[0].path == f"/v3/teams/{TEAM_ID}/conversations"


async def test_conversation_update_events_and_any_activity_refresh_references(h: TeamsHarness) -> None:
    status, _ = await h.send(bot_added(h.fake.url))
    assert status == 201
    assert set(channels_by_name(h)) == {"General", "Support", "Billing"}
    status, _ = await h.send(channel_created(h.fake.url, "19:press@thread.tacv2", "Press"))
    assert status == 201
    assert channels_by_name(h)["Press"]["channel_id"] == "19:press@thread.tacv2"
    moved = h.fake.url.replace("127.0.0.1", "localhost")  # Teams may move a tenant to another serviceUrl
    status, _ = await h.send(mention_message(moved, "help"))
    assert status == 201
    assert channels_by_name(h)["Support"]["reference"]["serviceUrl"] == moved
    assert channels_by_name(h)["Billing"]["reference"]["serviceUrl"] == moved  # the whole team moved


@pytest.mark.parametrize(("raw", "content_type", "status", "words"), [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b"[1, 2]", "application/json", 400, "JSON object"),
    (b'{"text": "no type"}', "application/json", 400, '"type"'),
    (b'{"type": "message"}', "text/plain", 415, "application/json"),
    (b"\xff\xfe", "application/json", 400, "not valid JSON"),
])
async def test_malformed_requests_get_a_json_4xx(h: TeamsHarness, raw: bytes, content_type: str, status: int,
                                                 words: str) -> None:
    got, body = await h.send(raw=raw, headers={"Content-Type": content_type})
    assert got == status
    assert words in body["error"]


async def test_an_oversized_body_is_refused(h: TeamsHarness) -> None:
    activity = mention_message(h.fake.url, "list")
    activity["text"] += "x" * 600_000
    status, body = await h.send(activity)
    assert status == 413 and "larger than" in body["error"]
    assert not h.fake.calls


async def test_auth_off_is_stated_loudly(write_config: Callable[..., Config], clock: FakeClock,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="siloless.teams"):
        async with teams_service(write_config(TEAMS_TOML), clock):
            pass
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("LOCAL EMULATOR PROFILE" in r.getMessage() and "authentication OFF" in r.getMessage()
               for r in warnings)


async def test_invoke_without_an_action_is_a_400_from_the_real_handler(h: TeamsHarness) -> None:
    activity = card_action(h.fake.url, "1", "claim", {"mention": 1})
    del activity["value"]["action"]
    status, body = await h.send(activity)
    assert status == 400
    assert body == {"statusCode": 400, "type": "application/vnd.microsoft.error",
                    "value": {"code": "BadRequest", "message": "Missing action property"}}


@pytest.mark.parametrize(("verb", "data", "action_type", "http"), [
    ("delete", {"mention": 1}, "Action.Execute", 200),  # ours: the invoke worked, the action is refused
    ("claim", {"nothing": 1}, "Action.Execute", 200),
    ("claim", {"mention": 1}, "Action.Submit", 400),  # botbuilder's: only Action.Execute arrives as an invoke
])
async def test_a_bad_card_action_is_answered_with_an_error(h: TeamsHarness, verb: str, data: dict,
                                                           action_type: str, http: int) -> None:
    status, body = await h.send(card_action(h.fake.url, "1", verb, data, action_type=action_type))
    assert status == http
    assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["message"]


async def test_messages_are_answered_in_their_thread(h: TeamsHarness) -> None:
    activity = mention_message(h.fake.url, "help")
    status, _ = await h.send(activity)
    assert status == 201
    reply = (await h.fake.wait_for(lambda: h.fake.of("reply"), what="the help reply"))[0]
    assert reply.conversation_id == f"19:support@thread.tacv2;messageid={activity['id']}"
    assert reply.activity_id == activity["id"]
    assert "claim" in reply.text
    # Teams re-delivering the same message does not answer twice
    status, _ = await h.send(activity)
    assert status == 201
    assert len(h.fake.of("reply")) == 1


async def test_a_turn_that_fails_is_logged_and_answered_not_a_500(h: TeamsHarness,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    def boom(text: str, actor: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(h.service.core, "command", boom)
    with caplog.at_level(logging.ERROR, logger="siloless.teams"):
        status, _ = await h.send(mention_message(h.fake.url, "list"))
    assert status == 201
    assert any("turn failed" in r.getMessage() for r in caplog.records)
    reply = (await h.fake.wait_for(lambda: h.fake.of("reply"), what="the apology"))[0]
    assert "failed on our side" in reply.text
    assert json.dumps(reply.body)  # a normal message activity


async def test_a_person_joining_the_team_does_not_relist_channels(h: TeamsHarness) -> None:
    joined = bot_added(h.fake.url)
    joined["membersAdded"] = [{"id": "29:new-person"}]
    status, _ = await h.send(joined)
    assert status == 201
    assert not h.fake.of("channels")
    assert set(channels_by_name(h)) == {"General"}  # only where the event came from
