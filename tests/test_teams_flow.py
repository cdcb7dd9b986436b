"""End to end through Teams: a mention becomes a card in the right channel, a click changes it in place.

Real pipeline, outbox, lifecycle and CloudAdapter; activities posted to ``/api/messages`` as Teams
posts them; the fake Bot Connector records what the bot sends back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot import messages
from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.platforms.teams_cards import escape_md, unescape_md
from tests.conftest import BASE_TOML, fixed_classifier, make_mention
from tests.fakes.fake_teams import (
    ANN_AAD,
    TEAMS_TOML,
    TeamsHarness,
    card_action,
    card_submit,
    mention_message,
    teams_service,
    walk_card,
)

pytestmark = pytest.mark.timeout(30)
BILLING = "19:billing@thread.tacv2"
SUPPORT = "19:support@thread.tacv2"
BO = ("29:bo", "Bo Builder", "b0000000-0000-4000-8000-0000000000b0")
CLASSIFY = fixed_classifier({"refund": ("billing", "high"), "crash": ("outage", "critical")})


@pytest.fixture
async def h(write_config: Callable[..., Config], clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with teams_service(write_config(TEAMS_TOML), clock, classifier=CLASSIFY) as harness:
        await harness.install()
        yield harness


def card_text(card: dict[str, Any]) -> str:
    return unescape_md("\n".join(node["text"] for node in walk_card(card) if node.get("type") == "TextBlock"))


def verbs(card: dict[str, Any]) -> set[str]:
    return {node["verb"] for node in walk_card(card) if node.get("type") == "Action.Execute"}


async def invoke(h: TeamsHarness, ref: dict[str, Any], verb: str, data: dict[str, Any], *,
                 user: tuple[str, str, str] | None = None) -> dict[str, Any]:
    kw: dict[str, Any] = {"user": user} if user else {}
    channel = ref["channel"]
    name = {BILLING: "Billing", SUPPORT: "Support"}.get(channel)
    status, body = await h.send(card_action(h.fake.url, ref["message_id"], verb, data, channel_id=channel,
                                            channel_name=name, **kw))
    assert status == 200, body
    return body


async def command(h: TeamsHarness, text: str, **kw: Any) -> str:
    activity = mention_message(h.fake.url, text, **kw)
    status, _ = await h.send(activity)
    assert status == 201
    replies = await h.fake.wait_for(lambda: [c for c in h.fake.of("reply") if c.activity_id == activity["id"]],
                                    what=f"the answer to {text!r}")
    assert replies[0].conversation_id == activity["conversation"]["id"]  # answered in the message's thread
    return replies[0].text


async def test_a_mention_becomes_a_card_in_its_departments_channel_and_a_click_claims_it(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo please refund the double charge"))
    h.service.pipeline.ingest(make_mention("How do I track a Parcelo parcel?"))
    billing = await h.card_posted(1)
    support = await h.card_posted(2)
    created = {c.body["channelData"]["channel"]["id"]: c for c in h.fake.of("create")}
    assert set(created) == {BILLING, SUPPORT}
    post = created[BILLING]
    assert post.body["isGroup"] is True and post.body["channelData"]["tenant"] == {"id": "tenant-0001"}
    assert post.card["version"] == "1.5" and "double charge" in card_text(post.card)
    assert post.body["activity"]["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    # the MessageRef: key is the activity id inbound invokes carry as replyToId
    assert billing["platform"] == "teams" and billing["channel"] == BILLING
    assert billing["message_id"] == billing["key"] == post.activity_id
    assert billing["extra"]["conversation"] == f"{BILLING};messageid={post.activity_id}"
    assert billing["extra"]["service_url"] == h.fake.url
    assert h.service.core.mention_for_message("teams", billing["key"]) == 1
    assert support["channel"] == SUPPORT
    assert h.service.store.mention(1)["status"] == "alerted"

    body = await invoke(h, billing, "claim", {"mention": 1})
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Claimed by Ann Agent" in card_text(body["value"])  # the clicker sees it at once
    assert "claim" not in verbs(body["value"])
    row = h.service.store.mention(1)
    assert row["status"] == "claimed" and row["claimed_by"] == f"teams:{ANN_AAD}"
    event = h.service.store.events(1)[-1]
    assert (event["action"], event["actor"], event["actor_name"]) == ("claim", f"teams:{ANN_AAD}", "Ann Agent")
    update = (await h.fake.wait_for(lambda: h.fake.of("update"), what="the card update for everyone"))[0]
    assert update.conversation_id == f"{BILLING};messageid={post.activity_id}"
    assert update.activity_id == post.activity_id
    assert "Claimed by Ann Agent" in card_text(update.card)
    line = (await h.fake.wait_for(lambda: h.fake.of("reply"), what="the thread line"))[0]
    assert line.conversation_id == f"{BILLING};messageid={post.activity_id}" and line.text == "Claimed by Ann Agent."
    assert not line.body.get("entities")  # a quiet line: nobody is @mentioned
    assert not [c for c in h.fake.of("update") if c.activity_id == support["message_id"]]


async def test_resolve_with_a_note_and_a_refusal_for_a_second_claimer(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    await invoke(h, ref, "claim", {"mention": 1})
    await h.settled()
    refused = await invoke(h, ref, "claim", {"mention": 1}, user=BO)
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert refused["value"] == messages.claimed_by_other("M-1", "Ann Agent")
    body = await invoke(h, ref, "resolve", {"mention": 1, "note": "refunded *twice*"})
    text = card_text(body["value"])
    assert "Resolved by Ann Agent" in text and "refunded *twice*" in text
    assert verbs(body["value"]) == set()
    assert h.service.store.mention(1)["note"] == "refunded *twice*"
    await h.fake.wait_for(lambda: any("Resolved by" in card_text(c.card) for c in h.fake.of("update")),
                          what="the resolved card")


async def test_reassign_from_the_card_posts_in_the_new_channel_and_marks_the_old_copy(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    body = await invoke(h, ref, "reassign", {"mention": 1, "department": "support"})
    assert "Moved to support" in card_text(body["value"])  # this copy is billing's: it shows where it went
    assert verbs(body["value"]) == set()
    moved = await h.card_posted(1, "Support")
    assert moved["channel"] == SUPPORT
    assert h.service.store.mention(1)["department"] == "support"
    await h.fake.wait_for(lambda: any("Moved to support" in card_text(c.card) for c in h.fake.of("update")
                                      if c.activity_id == ref["message_id"]), what="the old copy's update")


async def test_the_action_submit_fallback_acts_and_refreshes_every_copy(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    status, _ = await h.send(card_submit(h.fake.url, ref["message_id"], {"verb": "dismiss", "mention": 1,
                                                                         "note": "spam"},
                                         channel_id=BILLING, channel_name="Billing"))
    assert status == 201
    assert h.service.store.mention(1)["status"] == "dismissed"
    update = (await h.fake.wait_for(lambda: h.fake.of("update"), what="the update"))[0]
    assert "Dismissed by Ann Agent: spam" in card_text(update.card)
    # a refused submit is told in the thread
    before = len(h.fake.of("reply"))
    status, _ = await h.send(card_submit(h.fake.url, ref["message_id"], {"verb": "claim", "mention": 1},
                                         channel_id=BILLING, channel_name="Billing"))
    assert status == 201
    replies = await h.fake.wait_for(lambda: [c for c in h.fake.of("reply")[before:] if "Can" in c.text],
                                    what="the refusal")
    assert unescape_md(replies[0].text).startswith("Can't claim M-1")


async def test_commands_by_mention_in_a_channel(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please *now* <at>Everyone</at>"))
    await h.card_posted(1)
    assert "claim" in await command(h, "help")
    assert await command(h, "claim M-1") == escape_md(messages.done("claim", "M-1", "Ann", {}))
    assert h.service.store.mention(1)["claimed_by_name"] == "Ann Agent"
    listed = await command(h, "list")
    assert "M-1" in listed and "\\*now\\*" in listed and "\\<at\\>Everyone\\</at\\>" in listed
    assert "<at>" not in listed
    shown = unescape_md(await command(h, "show M-1"))
    assert "History:" in shown and "claim" in shown
    assert await command(h, "resolve M-1 refunded, thanks") == escape_md("M-1 resolved.")
    assert h.service.store.mention(1)["note"] == "refunded, thanks"
    assert unescape_md(await command(h, "claim M-1")) == messages.illegal_transition(
        "M-1", "resolved", "claim", h.service.store.mention(1))
    assert unescape_md(await command(h, "claim M-999")) == messages.unknown_mention("M-999")
    assert unescape_md(await command(h, "dismiss")) == "Say which mention: dismiss M-12"
    assert unescape_md(await command(h, "frobnicate M-1")) == messages.unknown_verb("frobnicate")


async def test_commands_in_a_thread_and_in_a_group_chat(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    status, _ = await h.send(mention_message(h.fake.url, "reassign M-1 support", channel_id=BILLING,
                                             channel_name="Billing", thread_root=ref["message_id"]))
    assert status == 201
    answer = (await h.fake.wait_for(lambda: [c for c in h.fake.of("reply") if "moved" in c.text],
                                    what="the reassign answer"))[0]
    assert answer.conversation_id == f"{BILLING};messageid={ref['message_id']}"  # answered in the card's thread
    chat = mention_message(h.fake.url, "list support")
    chat["conversation"] = {"id": "19:chat-abc@thread.v2", "isGroup": True, "conversationType": "groupChat",
                            "tenantId": "tenant-0001"}
    chat["channelData"] = {"tenant": {"id": "tenant-0001"}}
    status, _ = await h.send(chat)
    assert status == 201
    reply = (await h.fake.wait_for(lambda: [c for c in h.fake.of("reply") if c.activity_id == chat["id"]],
                                   what="the chat answer"))[0]
    assert reply.conversation_id == "19:chat-abc@thread.v2" and "M-1" in reply.text


async def test_a_change_made_elsewhere_updates_the_card_in_place(h: TeamsHarness) -> None:
    h.service.pipeline.ingest(make_mention("Parcelo refund please"))
    ref = await h.card_posted(1)
    outcome = h.service.core.act(Action("claim", 1, Actor("cli")))
    assert outcome.ok
    update = (await h.fake.wait_for(lambda: h.fake.of("update"), what="the update"))[0]
    assert update.activity_id == ref["message_id"] and "Claimed by cli" in card_text(update.card)
    line = (await h.fake.wait_for(lambda: h.fake.of("reply"), what="the thread line"))[0]
    assert line.text == "Claimed by cli." and line.activity_id == ref["message_id"]


ONCALL_BASE = BASE_TOML.replace('teams_channel = "Billing"', 'teams_channel = "Billing"\nteams_oncall = "{oncall}"')


@pytest.mark.parametrize("oncall", ["olga@example.com", "Olga On-call", "0b0e6a51-0000-4000-8000-00000000a11a"])
async def test_escalation_pings_the_configured_on_call_with_a_real_mention(
        write_config: Callable[..., Config], clock: FakeClock, oncall: str) -> None:
    base = ONCALL_BASE.replace("{oncall}", oncall).replace("{db}", "{db}")
    config = write_config(TEAMS_TOML, base=base)
    async with teams_service(config, clock, classifier=CLASSIFY) as h:
        await h.install()
        h.service.pipeline.ingest(make_mention("Parcelo refund please"))  # high: claim within 30 minutes
        ref = await h.card_posted(1)
        clock.advance(minutes=31)
        ping = (await h.fake.wait_for(lambda: [c for c in h.fake.of("reply") if c.body.get("entities")],
                                      what="the on-call ping"))[0]
        entity = ping.body["entities"][0]
        assert entity["type"] == "mention" and entity["mentioned"]["name"] == "Olga On-call"
        assert entity["mentioned"]["id"] in ("29:oncall",)
        assert ping.text.startswith(entity["text"]) and entity["text"] == "<at>Olga On-call</at>"
        assert ping.conversation_id == f"{BILLING};messageid={ref['message_id']}"
        assert h.service.store.mention(1)["escalation_level"] == 1
        # only the ping mentions anyone
        assert [c for c in h.fake.calls if c.body and isinstance(c.body, dict) and c.body.get("entities")] == [ping]


async def test_an_unknown_on_call_gets_a_plain_line_not_a_forged_mention(write_config: Callable[..., Config],
                                                                        clock: FakeClock) -> None:
    config = write_config(TEAMS_TOML, base=ONCALL_BASE.replace("{oncall}", "<at>nobody</at>"))
    async with teams_service(config, clock, classifier=CLASSIFY) as h:
        await h.install()
        h.service.pipeline.ingest(make_mention("Parcelo refund please"))
        await h.card_posted(1)
        clock.advance(minutes=31)
        line = (await h.fake.wait_for(lambda: [c for c in h.fake.of("reply") if "on-call" in c.text],
                                      what="the escalation line"))[0]
        assert not line.body.get("entities") and "<at>" not in line.text
        assert "\\<at\\>nobody\\</at\\>" in line.text
