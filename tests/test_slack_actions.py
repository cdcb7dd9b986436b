"""Buttons, the reassign select and the More menu: signed block_actions through bolt to the core and back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from bot.platforms import slack_blocks as sb
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, SlackHarness, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(15)
CLASSIFIER = fixed_classifier({"charged twice": ("billing", "normal")})


async def alert(slack: SlackHarness, text: str = "Parcelo charged twice for my parcel") -> tuple[int, str, str]:
    mention_id = slack.ingest(make_mention(text))
    await slack.deliver()
    return (mention_id, *slack.alert_of(mention_id))


def last_blocks(slack: SlackHarness) -> str:
    return json.dumps(slack.fake.calls_to("chat.update")[-1].json["blocks"], ensure_ascii=False)


async def test_claim_button_claims_in_the_clickers_name_and_updates_the_alert(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    answer = await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0ANN")
    assert answer.status == 200 and answer.text == ""
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim")
    row = slack.service.store.mention(mention_id)
    assert (row["claimed_by"], row["claimed_by_name"]) == ("slack:U0ANN", "Ann Example")
    update = slack.fake.calls_to("chat.update")[-1]
    assert (update.json["channel"], update.json["ts"]) == (channel, ts)
    assert "*Claimed* by Ann Example" in last_blocks(slack)
    assert [e["action_id"] for e in update.json["blocks"][-2]["elements"]][:2] == [sb.RESOLVE, sb.UNCLAIM]
    thread = slack.fake.calls_to("chat.postMessage")[-1].json
    assert thread["thread_ts"] == ts and thread["text"] == "Claimed by Ann Example."
    assert slack.fake.hook_messages() == []  # the alert itself shows it worked: no ephemeral noise


async def test_the_click_is_acked_before_the_slow_work(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    slack.fake.delays["users.info"] = 1.0
    answer = await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}")
    assert answer.status == 200 and answer.seconds < 0.5
    assert slack.status(mention_id) == "alerted"
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim after the slow look-up")


async def test_resolve_then_only_reopen_is_offered(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.click(sb.RESOLVE, channel, ts, value=f"M-{mention_id}", user="U0BOB")
    await slack.settle(lambda: slack.status(mention_id) == "resolved", "the resolve")
    buttons = slack.fake.calls_to("chat.update")[-1].json["blocks"][-2]["elements"]
    assert [b["action_id"] for b in buttons] == [sb.REOPEN]
    assert "*Resolved* by Bob Builder" in last_blocks(slack)
    await slack.client.click(sb.REOPEN, channel, ts, value=f"M-{mention_id}", user="U0BOB")
    await slack.settle(lambda: slack.status(mention_id) == "alerted", "the reopen")


async def test_dismiss_button(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.click(sb.DISMISS, channel, ts, value=f"M-{mention_id}")
    await slack.settle(lambda: slack.status(mention_id) == "dismissed", "the dismiss")
    assert "*Dismissed* by Ann Example" in last_blocks(slack)


async def test_reassign_select_moves_it_and_the_old_copy_says_where(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    answer = await slack.client.click(sb.REASSIGN, channel, ts, selected="support", block_id=f"M-{mention_id}")
    assert answer.status == 200
    await slack.settle(lambda: slack.service.store.mention(mention_id)["department"] == "support", "the move")
    new_channel, _ = next((a["ref"]["channel"], a["ref"]["message_id"]) for a in slack.service.store.alerts(mention_id)
                          if a["department"] == "support")
    assert new_channel == "C0SUPPORT"
    old = next(c.json for c in reversed(slack.fake.calls_to("chat.update")) if c.json["ts"] == ts)
    assert "*Moved to support*" in json.dumps(old["blocks"]) and all(b["type"] != "actions" for b in old["blocks"])


async def test_more_menu_snoozes(slack: SlackHarness, clock: FakeClock) -> None:
    mention_id, channel, ts = await alert(slack)
    payload = slack.requests.block_action(sb.MORE, channel, ts, selected="snooze_4h", block_id=f"M-{mention_id}")
    payload["actions"][0]["type"] = "overflow"
    await slack.client.send(slack.requests.interactive(payload))
    await slack.settle(lambda: slack.status(mention_id) == "snoozed", "the snooze")
    until = slack.service.store.mention(mention_id)["snoozed_until"]
    assert until.startswith((clock.now() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))


async def test_a_stale_button_gets_a_clear_ephemeral_answer(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    slack.service.core.act(Action("resolve", mention_id, Actor("cli")))
    answer = await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", hook="stale")
    assert answer.status == 200
    said = await slack.fake.wait_for(lambda: slack.fake.hooks.get("stale"), what="the ephemeral answer")
    assert said[0]["response_type"] == "ephemeral" and said[0]["replace_original"] is False
    assert said[0]["text"] == f'Can\'t claim M-{mention_id}: it is resolved; "reopen M-{mention_id}" first if it ' \
                              "needs more work."


async def test_someone_elses_claim_is_not_taken_over(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0ANN")
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "Ann's claim")
    await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0BOB", hook="bob")
    said = await slack.fake.wait_for(lambda: slack.fake.hooks.get("bob"), what="Bob's answer")
    assert "already claimed by Ann Example" in said[0]["text"]
    assert slack.service.store.mention(mention_id)["claimed_by"] == "slack:U0ANN"


async def test_a_forged_department_is_refused_and_the_answer_is_escaped(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.click(sb.REASSIGN, channel, ts, selected="<!channel>", block_id=f"M-{mention_id}",
                             hook="forged")
    said = await slack.fake.wait_for(lambda: slack.fake.hooks.get("forged"), what="the refusal")
    assert said[0]["text"].startswith('There is no department "&lt;!channel&gt;"')
    assert slack.service.store.mention(mention_id)["department"] == "billing"


async def test_a_click_on_a_message_siloless_does_not_know(slack: SlackHarness) -> None:
    await slack.client.click(sb.CLAIM, "C0RANDOM", "1.000001", value="not-an-id", hook="unknown")
    said = await slack.fake.wait_for(lambda: slack.fake.hooks.get("unknown"), what="the answer")
    assert "not a Siloless alert" in said[0]["text"]


async def test_allow_listed_groups_are_checked_with_a_cached_lookup(
    write_config: Callable[..., Config], clock: FakeClock, fake: FakeSlack
) -> None:
    fake.usergroups["S0BILLING"] = ["U0ANN"]
    restricted = write_config(slack_toml(fake), base=_restrict_billing())
    async with slack_harness(restricted, clock, fake, classifier=CLASSIFIER) as slack:
        mention_id, channel, ts = await alert(slack)
        await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0BOB", hook="bob")
        said = await fake.wait_for(lambda: fake.hooks.get("bob"), what="Bob's refusal")
        assert "billing's Slack allow-list" in said[0]["text"]
        await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0ANN")
        await slack.settle(lambda: slack.status(mention_id) == "claimed", "Ann's claim")
        assert len(fake.calls_to("usergroups.users.list")) == 1


def _restrict_billing() -> str:
    from tests.conftest import BASE_TOML

    marker = 'slack_channel = "#billing"\n'
    return BASE_TOML.replace(marker, marker + 'allow_slack_groups = ["S0BILLING"]\n', 1)


async def test_a_person_slack_cannot_name_is_shown_by_handle(slack: SlackHarness) -> None:
    mention_id, channel, ts = await alert(slack)
    await slack.client.click(sb.CLAIM, channel, ts, value=f"M-{mention_id}", user="U0ZED")  # users.info fails
    await slack.settle(lambda: slack.status(mention_id) == "claimed", "the claim")
    assert slack.service.store.mention(mention_id)["claimed_by_name"] == "u0zed"
