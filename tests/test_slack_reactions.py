"""Emoji reactions on alerts, and Slack's retried event deliveries, through signed Events API requests."""

from __future__ import annotations

import pytest

from bot.lifecycle import Action, Actor
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import BOT_USER, SlackHarness

pytestmark = pytest.mark.timeout(15)
CLASSIFIER = fixed_classifier({"charged twice": ("billing", "normal")})


async def alert(slack: SlackHarness) -> tuple[int, str, str]:
    mention_id = slack.ingest(make_mention("Parcelo charged twice for my parcel"))
    await slack.deliver()
    return (mention_id, *slack.alert_of(mention_id))


def actions(slack: SlackHarness, mention_id: int) -> list[str]:
    return [e["action"] for e in slack.service.store.events(mention_id)]


async def test_eyes_claims_and_a_check_mark_resolves(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    answer = await slack.client.event(slack.requests.reaction("eyes", channel, ts, user="U0ANN"))
    assert answer.status == 200
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim")
    assert slack.service.store.mention(mention_id)["claimed_by_name"] == "Ann Example"
    await slack.client.event(slack.requests.reaction("white_check_mark", channel, ts, user="U0ANN"))
    await slack.settle(lambda: slack.status(mention_id) == "resolved", "the resolve")
    assert "*Resolved* by Ann Example" in str(slack.fake.calls_to("chat.update")[-1].json["blocks"])


async def test_reactions_that_mean_nothing_are_ignored(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    before = len(slack.fake.calls)
    await slack.client.event(slack.requests.reaction("eyes", channel, "1.000001"))  # not an alert
    await slack.client.event(slack.requests.reaction("tada", channel, ts))  # not a command
    await slack.client.event(slack.requests.reaction("eyes", channel, ts, user=BOT_USER))  # the bot itself
    await slack.client.event({**slack.requests.reaction("eyes", channel, ts), "item": {"type": "file", "file": "F1"}})
    await slack.client.event(slack.requests.reaction("white_check_mark", channel, ts))  # a real one, last
    await slack.fake.wait_for(lambda: slack.status(mention_id) == "resolved", what="the last reaction")
    assert actions(slack, mention_id) == ["ingest", "alert", "resolve"]
    assert {c.method for c in slack.fake.calls[before:]} <= {"auth.test", "users.info"}


async def test_a_retried_event_acts_once(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    event = slack.requests.reaction("eyes", channel, ts)
    for retry in (0, 1, 2, 3):
        answer = await slack.client.event(event, event_id="Ev0RETRIED", retry=retry)
        assert answer.status == 200
    await slack.fake.wait_for(lambda: slack.status(mention_id) == "claimed", what="the claim")
    await slack.deliver()
    assert actions(slack, mention_id).count("claim") == 1
    assert len(slack.fake.calls_to("users.info")) == 1  # the retries never reached a listener


async def test_the_same_reaction_under_a_new_event_id_changes_nothing(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.event(slack.requests.reaction("eyes", channel, ts))
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim")
    updates = len(slack.fake.calls_to("chat.update"))
    await slack.client.event(slack.requests.reaction("eyes", channel, ts))
    await slack.idle()
    await slack.deliver()
    assert actions(slack, mention_id).count("claim") == 1
    assert len(slack.fake.calls_to("chat.update")) == updates
    assert slack.fake.calls_to("chat.postEphemeral") == []


async def test_a_refused_reaction_is_explained_ephemerally_in_the_thread(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    slack.service.core.act(Action("resolve", mention_id, Actor("cli")))
    await slack.client.event(slack.requests.reaction("eyes", channel, ts, user="U0BOB"))
    ephemeral = await slack.fake.wait_for(lambda: slack.fake.calls_to("chat.postEphemeral"), what="the answer")
    sent = ephemeral[0].json
    assert (sent["channel"], sent["user"], sent["thread_ts"]) == (channel, "U0BOB", ts)
    assert sent["text"].startswith(f"Can't claim M-{mention_id}: it is resolved")
