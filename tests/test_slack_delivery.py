"""Delivery to the fake Slack through the real outbox and slack_sdk: post, update, thread replies, failures."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from bot import escalation
from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.outbox import copy_key
from bot.platforms.base import DeliveryError, MessageRef
from bot.platforms.slack import SlackPlatform
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import BOT_USER, FakeSlack, SlackHarness, slack_harness, slack_toml

CLASSIFIER = fixed_classifier({
    "charged twice": ("billing", "normal"),
    "app is down": ("outage", "high"),
    "account was hacked": ("security", "critical"),
})
pytestmark = pytest.mark.timeout(15)
HOSTILE = "<!channel> <!here> <!everyone> <@U0BOB> <#C0BILLING> <https://evil.example|bank.com> @here @channel"


def platform_of(slack: SlackHarness) -> SlackPlatform:
    platform = slack.service.platforms["slack"]
    assert isinstance(platform, SlackPlatform)
    return platform


def sent_strings(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False).replace("\\u2060", "\u2060")


async def test_alerts_land_in_each_departments_channel_and_names_resolve_once(slack: SlackHarness) -> None:
    billing = slack.ingest(make_mention("Parcelo charged twice for one parcel"))
    outage = slack.ingest(make_mention("the Parcelo app is down for me"))
    support = slack.ingest(make_mention("how do I change my Parcelo address?"))
    await slack.deliver()
    posts = slack.fake.calls_to("chat.postMessage")
    assert [p.json["channel"] for p in posts] == ["C0BILLING", "C0ENGINEERING", "C0SUPPORT"]
    # six channels at two a page: one paginated listing for all three posts
    assert [c.args.get("cursor", "") for c in slack.fake.calls_to("conversations.list")] == ["", "2", "4"]
    for post in posts:
        assert post.json["unfurl_links"] is False and post.json["unfurl_media"] is False
        assert post.json["parse"] == "none" and post.json["link_names"] is False
        assert post.json["text"] and post.json["blocks"]
        assert post.headers["Authorization"] == "Bearer xoxb-test-token"
    for mention_id in (billing, outage, support):
        channel, ts = slack.alert_of(mention_id)
        assert slack.service.core.mention_for_message("slack", f"{channel}:{ts}") == mention_id
        assert slack.status(mention_id) == "alerted"


async def test_a_posted_ref_keys_on_channel_id_and_ts(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice again")))
    assert view is not None
    ref = await platform_of(slack).post("#billing", view)
    post = slack.fake.calls_to("chat.postMessage")[-1]
    assert ref.platform == "slack" and ref.channel == "C0BILLING"
    assert ref.key == f"C0BILLING:{ref.message_id}" and (ref.channel, ref.message_id) in slack.fake.messages
    assert post.json["channel"] == "C0BILLING"


async def test_hostile_text_reaches_slack_inert(slack: SlackHarness) -> None:
    mention_id = slack.ingest(make_mention(f"Parcelo charged twice {HOSTILE}", handle=f"@x {HOSTILE}"))
    await slack.deliver()
    evil = Actor("slack", "U0EVE", "Eve <!channel> @here")
    outcome = slack.service.core.act(Action("resolve", mention_id, evil, note=f"done {HOSTILE}"))
    assert outcome.ok
    await slack.deliver()
    sent = [c.json for c in slack.fake.calls if c.method in ("chat.postMessage", "chat.update")]
    assert len(sent) == 3  # the alert, its update, the thread line
    for payload in sent:
        text = sent_strings(payload)
        for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOB>", "<#C0BILLING>", "<https://evil"):
            assert raw not in text
        assert re.search(r"@(here|channel|everyone)\b", text) is None
        assert payload["parse"] == "none" and payload["link_names"] is False
    assert "&lt;!channel&gt;" in sent_strings(sent[1])


async def test_a_change_edits_the_same_message_and_adds_a_quiet_thread_line(slack: SlackHarness) -> None:
    mention_id = slack.ingest(make_mention("Parcelo charged twice on Monday"))
    await slack.deliver()
    channel, ts = slack.alert_of(mention_id)
    slack.service.core.act(Action("claim", mention_id, Actor("slack", "U0ANN", "Ann Example")))
    await slack.deliver()
    update = slack.fake.calls_to("chat.update")[-1]
    assert (update.json["channel"], update.json["ts"]) == (channel, ts)
    assert "*Claimed* by Ann Example" in sent_strings(update.json["blocks"])
    reply = slack.fake.calls_to("chat.postMessage")[-1]
    assert reply.json["thread_ts"] == ts and reply.json["channel"] == channel
    assert reply.json["text"] == "Claimed by Ann Example."
    assert "<@" not in reply.json["text"]


async def test_escalation_pings_the_oncall_group_in_the_thread_only(slack: SlackHarness, clock: FakeClock) -> None:
    mention_id = slack.ingest(make_mention("my Parcelo account was hacked just now"))
    await slack.deliver()
    _channel, ts = slack.alert_of(mention_id)
    clock.advance(minutes=6)
    assert escalation.fire_due(slack.service.store, slack.service.config, clock)
    await slack.deliver()
    replies = [c.json for c in slack.fake.calls_to("chat.postMessage") if c.json.get("thread_ts") == ts]
    assert replies and replies[0]["text"].startswith("<!subteam^S0SECURITY> ")
    escalated = [c.json for c in slack.fake.calls_to("chat.postMessage") if c.json["channel"] == "C0ESCALATIONS"]
    assert len(escalated) == 1 and "Escalated" in escalated[0]["blocks"][0]["text"]["text"]
    pings = [c for c in slack.fake.calls if "<!subteam" in sent_strings(c.json)]
    assert len(pings) == 1  # the alert, its update and the escalation copy ping nobody


async def test_rate_limit_becomes_retry_after_and_the_sdk_does_not_retry(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice in May")))
    assert view is not None
    platform = platform_of(slack)
    await platform.directory.channel_id("#billing")
    slack.fake.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        await platform.post("#billing", view)
    assert caught.value.retry_after == 7 and not caught.value.permanent
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_the_outbox_waits_out_slacks_retry_after(slack: SlackHarness, clock: FakeClock) -> None:
    mention_id = slack.ingest(make_mention("Parcelo charged twice in June"))
    slack.fake.fail("chat.postMessage", status=429, retry_after=30)
    await slack.service.outbox.run_once()
    row = slack.service.store.deliveries(mention_id)[0]
    assert row["status"] == "pending" and "rate limit" in row["last_error"]
    clock.advance(seconds=29)
    assert await slack.service.outbox.run_once() == 0
    clock.advance(seconds=1)
    assert await slack.service.outbox.run_once() == 1
    assert slack.status(mention_id) == "alerted"


async def test_server_errors_are_transient(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice in July")))
    assert view is not None
    slack.fake.fail("chat.postMessage", status=503)
    with pytest.raises(DeliveryError) as caught:
        await platform_of(slack).post("C0BILLING", view)
    assert not caught.value.permanent and caught.value.retry_after is None
    assert "503" in str(caught.value)


async def test_an_unreachable_slack_is_transient(write_config: Callable[..., Config], clock: FakeClock,
                                                fake: FakeSlack) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    toml = slack_toml(fake).replace(fake.api_url, f"http://127.0.0.1:{port}/api/")
    async with slack_harness(write_config(toml), clock, fake, classifier=CLASSIFIER) as harness:
        view = harness.service.core.view(harness.ingest(make_mention("Parcelo charged twice in August")))
        assert view is not None
        with pytest.raises(DeliveryError) as caught:
            await platform_of(harness).post("C0BILLING", view)
        assert not caught.value.permanent and "cannot reach Slack" in str(caught.value)


@pytest.mark.parametrize(("error", "advice"), [
    ("channel_not_found", "/invite the bot"),
    ("not_in_channel", "/invite the bot"),
    ("is_archived", "unarchive it"),
    ("invalid_auth", "check [slack] bot_token"),
])
async def test_errors_no_retry_can_fix_are_permanent_and_say_what_to_do(slack: SlackHarness, error: str,
                                                                       advice: str) -> None:
    mention_id = slack.ingest(make_mention(f"Parcelo charged twice, case {error}"))
    slack.fake.fail("chat.postMessage", error=error)
    await slack.service.outbox.run_once()
    row = slack.service.store.deliveries(mention_id)[0]
    assert row["status"] == "failed" and row["attempts"] == 1
    assert advice in row["last_error"]
    assert error == "invalid_auth" or "#billing" in row["last_error"]
    failed = [e for e in slack.service.store.events(mention_id) if e["action"] == "delivery_failed"]
    assert failed and failed[0]["detail"]["permanent"] is True


async def test_an_unknown_channel_name_is_permanent(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice in September")))
    assert view is not None
    with pytest.raises(DeliveryError) as caught:
        await platform_of(slack).post("#no-such-channel", view)
    assert caught.value.permanent and "#no-such-channel" in str(caught.value)
    assert "siloless doctor" in str(caught.value)
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_a_refused_layout_falls_back_to_the_compact_alert(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice in October")))
    assert view is not None
    slack.fake.fail("chat.postMessage", error="invalid_blocks")
    ref = await platform_of(slack).post("C0BILLING", view)
    full, compact = slack.fake.calls_to("chat.postMessage")
    assert len(compact.json["blocks"]) < len(full.json["blocks"])
    assert (ref.channel, ref.message_id) in slack.fake.messages


async def test_an_edit_of_a_deleted_message_is_permanent(slack: SlackHarness) -> None:
    view = slack.service.core.view(slack.ingest(make_mention("Parcelo charged twice in November")))
    assert view is not None
    ref = MessageRef("slack", "C0BILLING", "1.000000", key="C0BILLING:1.000000")
    with pytest.raises(DeliveryError) as caught:
        await platform_of(slack).update(ref, view)
    assert caught.value.permanent and "deleted" in str(caught.value)


async def test_intervals_come_from_config(write_config: Callable[..., Config], clock: FakeClock,
                                          fake: FakeSlack) -> None:
    config = write_config(slack_toml(fake, post_interval=1.5, edit_interval=4))
    async with slack_harness(config, clock, fake) as harness:
        platform = platform_of(harness)
        assert (platform.post_interval, platform.edit_interval) == (1.5, 4.0)
        assert platform.name == "slack" and BOT_USER  # the fake's bot user is what auth.test names


async def test_after_a_crash_a_post_that_landed_is_found_not_posted_again(
    write_config: Callable[..., Config], clock: FakeClock, fake: FakeSlack
) -> None:
    config = write_config(slack_toml(fake))
    async with slack_harness(config, clock, fake, classifier=CLASSIFIER) as slack:
        mention_id = slack.ingest(make_mention("Parcelo charged twice, then we crashed"))
        slack.ingest(make_mention("the Parcelo app is down after the crash"))  # a newer message on top
        await slack.deliver()
        row = slack.service.store.deliveries(mention_id)[0]
        view = slack.service.core.view(mention_id)
        assert view is not None
        # the post reaches Slack, then the process dies before recording it
        ref = await platform_of(slack).post(row["channel"], replace(view, idempotency_key="in-doubt-key"))
        sent = slack.fake.calls_to("chat.postMessage")[-1].json
        assert sent["metadata"] == {"event_type": "siloless_alert",
                                    "event_payload": {"key": "in-doubt-key", "mention": f"M-{mention_id}"}}
        assert await platform_of(slack).find_posted("#billing", "in-doubt-key") == ref
        assert await platform_of(slack).find_posted("#billing", "never-posted") is None
        slack.fake.fail("conversations.history", error="missing_scope")
        assert await platform_of(slack).find_posted("#billing", "in-doubt-key") is None  # cannot look: repost


async def test_recovery_records_the_landed_post_instead_of_repeating_it(
    write_config: Callable[..., Config], clock: FakeClock, fake: FakeSlack
) -> None:
    config = write_config(slack_toml(fake))
    async with slack_harness(config, clock, fake, classifier=CLASSIFIER) as slack:
        mention_id = slack.ingest(make_mention("Parcelo charged twice before the power cut"))
        row = slack.service.store.deliveries(mention_id)[0]
        view = slack.service.core.view(mention_id)
        assert view is not None
        await platform_of(slack).post(row["channel"], replace(view, idempotency_key=copy_key(row)))
        slack.service.store.set_delivery(row["id"], {"status": "sending"}, clock.now())
    async with slack_harness(config, clock, fake, classifier=CLASSIFIER) as restarted:
        assert restarted.service.store.delivery(row["id"])["status"] == "done"
        channel, ts = restarted.alert_of(mention_id)
        assert (channel, ts) in fake.messages and restarted.status(mention_id) == "alerted"
        await restarted.deliver()
        assert len(fake.calls_to("chat.postMessage")) == 1
