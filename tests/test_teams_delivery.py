"""Delivery through the outbox when the Bot Connector says no: retry, give up, or degrade.

The outbox is driven by hand (no background worker) on the fake clock, so every retry decision is
visible in the delivery rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.clock import FakeClock, parse_iso
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.platforms.base import DeliveryError, MessageRef
from bot.platforms.teams import TeamsPlatform
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_teams import TEAMS_TOML, TeamsHarness, mention_message, teams_service

pytestmark = pytest.mark.timeout(30)
BILLING = "19:billing@thread.tacv2"


@pytest.fixture
async def h(write_config: Callable[..., Config], clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    config = write_config(TEAMS_TOML)
    async with teams_service(config, clock, classifier=fixed_classifier({"refund": ("billing", "high")}),
                             workers=False) as harness:
        await harness.install()
        yield harness


def platform(h: TeamsHarness) -> TeamsPlatform:
    teams = h.service.platforms["teams"]
    assert isinstance(teams, TeamsPlatform)
    return teams


def rows(h: TeamsHarness, kind: str = "post") -> list[dict[str, Any]]:
    return [r for r in h.service.store.deliveries(1) if r["kind"] == kind and r["platform"] == "teams"]


async def posted(h: TeamsHarness) -> dict[str, Any]:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    await h.service.outbox.run_once()
    return h.ref(1)


@pytest.mark.parametrize(("status", "retry_after", "wait"), [
    (429, "7", 7.0), (412, None, None), (502, None, None), (504, None, None), (500, "3", 3.0), (503, None, None),
])
async def test_throttling_and_server_errors_are_retried_honouring_retry_after(
        h: TeamsHarness, clock: FakeClock, status: int, retry_after: str | None, wait: float | None) -> None:
    h.fake.fail_next("create", status, retry_after=retry_after)
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    await h.service.outbox.run_once()
    row = rows(h)[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and str(status) in row["last_error"]
    if wait is not None:
        assert (parse_iso(row["next_attempt_at"]) - clock.now()).total_seconds() >= wait
    assert len(h.fake.failed("create")) == 1  # msrest did not retry behind the outbox's back
    clock.advance(seconds=(wait or 0) + 61)
    await h.service.outbox.run_once()
    assert rows(h)[0]["status"] == "done"
    assert len(h.fake.of("create")) == 1


async def test_the_platform_raises_delivery_errors_the_outbox_understands(h: TeamsHarness) -> None:
    view = h.service.core.view(1) if h.service.store.mention(1) else None
    assert view is None
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    view = h.service.core.view(1)
    assert view is not None
    h.fake.fail_next("create", 429, retry_after="12")
    with pytest.raises(DeliveryError) as throttled:
        await platform(h).post("Billing", view)
    assert throttled.value.retry_after == 12.0 and not throttled.value.permanent
    h.fake.missing.add(BILLING)
    with pytest.raises(DeliveryError) as missing:
        await platform(h).post("Billing", view)
    assert missing.value.permanent and "install the app in Comms/Billing" in str(missing.value)
    assert "ConversationNotFound" in str(missing.value)


async def test_a_channel_the_bot_is_not_in_fails_for_good_with_what_to_do(
        write_config: Callable[..., Config], clock: FakeClock) -> None:
    config = write_config(TEAMS_TOML)
    async with teams_service(config, clock, classifier=fixed_classifier({"refund": ("billing", "high")}),
                             workers=False) as h:  # never installed
        h.service.pipeline.ingest(make_mention("Parcelo refund please"))
        await h.service.outbox.run_once()
        row = rows(h)[0]
        assert row["status"] == "failed" and row["attempts"] == 1
        assert 'install the app in the team that owns "Billing"' in row["last_error"]
        event = h.service.store.events(1)[-1]
        assert event["action"] == "delivery_failed" and event["detail"]["permanent"] is True
        assert not h.fake.calls


async def test_a_removed_bot_is_a_permanent_failure(h: TeamsHarness) -> None:
    h.fake.forbidden.add(BILLING)
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    await h.service.outbox.run_once()
    row = rows(h)[0]
    assert row["status"] == "failed" and "403" in row["last_error"] and "install the app" in row["last_error"]


async def test_a_card_too_large_for_teams_is_posted_compact(h: TeamsHarness) -> None:
    h.fake.fail_next("create", 413, body={"error": {"code": "MessageSizeTooBig", "message": "too big"}})
    ref = await posted(h)
    assert rows(h)[0]["status"] == "done"
    first, second = h.fake.calls[-2:]
    assert (first.kind, first.status, second.kind, second.status) == ("create", 413, "create", 200)
    assert ref["message_id"] == second.activity_id
    assert any(a["type"] == "Action.OpenUrl" for a in second.card["actions"])  # the link to read it all


async def test_a_really_oversized_post_is_cut_before_sending(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please " + "very long story " * 20_000))
    await h.service.outbox.run_once()
    assert rows(h)[0]["status"] == "done"
    create = h.fake.of("create")[0]
    assert len(str(create.body)) < 100_000
    assert not h.fake.failed("create")


async def test_updates_retry_degrade_and_give_up_like_posts(h: TeamsHarness, clock: FakeClock) -> None:
    ref = await posted(h)
    h.fake.fail_next("update", 429, retry_after="5")
    h.service.core.act(Action("claim", 1, Actor("cli")))
    await h.service.outbox.run_once()
    update = rows(h, "update")[0]
    assert update["status"] == "pending" and "429" in update["last_error"]
    clock.advance(seconds=70)
    await h.service.outbox.run_once()
    assert rows(h, "update")[0]["status"] == "done"
    assert h.fake.of("update")[-1].activity_id == ref["message_id"]
    h.fake.fail_next("update", 413)
    h.service.core.act(Action("resolve", 1, Actor("cli")))
    clock.advance(seconds=70)
    await h.service.outbox.run_once()
    assert [r["status"] for r in rows(h, "update")] == ["done", "done"]
    assert h.fake.failed("update")[-1].status == 413 and h.fake.of("update")[-1].activity_id == ref["message_id"]
    h.fake.missing.add(BILLING)  # someone deleted the card's conversation
    h.service.core.act(Action("reopen", 1, Actor("cli")))
    clock.advance(seconds=70)
    await h.service.outbox.run_once()
    assert rows(h, "update")[-1]["status"] == "failed"


async def test_an_unreachable_connector_is_retried(h: TeamsHarness) -> None:
    ref = MessageRef("teams", "19:gone@thread.tacv2", "1", "1",
                     {"conversation": "19:gone@thread.tacv2;messageid=1", "service_url": "http://127.0.0.1:9/"})
    with pytest.raises(DeliveryError) as unreachable:
        await platform(h).reply(ref, "hello")
    assert not unreachable.value.permanent


async def test_the_thread_reply_escapes_the_line_and_mentions_nobody(h: TeamsHarness) -> None:
    ref = MessageRef.from_json(await posted(h))
    await platform(h).reply(ref, "Resolved by Eve: <at>Ann</at> [click](https://evil.example) **now**")
    reply = h.fake.of("reply")[-1]
    assert reply.text == ("Resolved by Eve: \\<at\\>Ann\\</at\\> \\[click\\]\\(https://evil.example\\) "
                          "\\*\\*now\\*\\*")
    assert reply.body["textFormat"] == "markdown" and not reply.body.get("entities")
    assert reply.conversation_id == f"{BILLING};messageid={ref.message_id}"


async def test_doctor_names_channels_the_bot_is_not_in(write_config: Callable[..., Config], clock: FakeClock) -> None:
    from bot.doctor import run_doctor

    config = write_config(TEAMS_TOML)
    findings = await run_doctor(config)
    errors = [m for level, m in findings if level == "error"]
    assert any('department support' in m and 'install the app in the team that owns "Support"' in m for m in errors)
    assert any('department billing' in m and '"Billing"' in m for m in errors)
    assert any(level == "warn" and "NO authentication" in m for level, m in findings)
    async with teams_service(config, clock, workers=False) as h:
        await h.install()
        findings = await platform(h).doctor()
    ok = [f.message for f in findings if f.level == "ok"]
    assert "teams: department support posts to Comms/Support (19:support@thread.tacv2)" in ok
    assert not [f for f in findings if f.level == "error"]


async def test_a_group_chat_gets_the_card_as_a_plain_message_and_updates_in_place(h: TeamsHarness) -> None:
    chat = mention_message(h.fake.url, "help")
    chat["conversation"] = {"id": "19:ops@thread.v2", "isGroup": True, "conversationType": "groupChat",
                            "name": "Ops chat", "tenantId": "tenant-0001"}
    chat["channelData"] = {"tenant": {"id": "tenant-0001"}}
    status, _ = await h.send(chat)
    assert status == 201
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    view = h.service.core.view(1)
    assert view is not None
    ref = await platform(h).post("Ops chat", view)
    sent = h.fake.of("send")[-1]
    assert sent.conversation_id == "19:ops@thread.v2" and sent.card is not None
    assert ref.channel == "19:ops@thread.v2" and ref.message_id == ref.key == sent.activity_id
    await platform(h).update(ref, view)
    update = h.fake.of("update")[-1]
    assert (update.conversation_id, update.activity_id) == ("19:ops@thread.v2", ref.message_id)
