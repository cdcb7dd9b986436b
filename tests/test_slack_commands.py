"""The slash command: signed form posts through bolt, answered ephemerally on the response_url."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.lifecycle import Action, Actor
from tests.conftest import fixed_classifier, make_mention
from tests.fakes.fake_slack import FakeSlack, SlackHarness, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(15)
CLASSIFIER = fixed_classifier({"charged twice": ("billing", "normal"), "app is down": ("outage", "high")})


async def alert(slack: SlackHarness, text: str = "Parcelo charged twice for my parcel") -> int:
    mention_id = slack.ingest(make_mention(text))
    await slack.deliver()
    return mention_id


async def run(slack: SlackHarness, text: str, *, hook: str = "cmd", **kw: Any) -> dict[str, Any]:
    """Send ``/siloless text``; return the ephemeral answer posted on its response_url."""
    answer = await slack.client.slash(text, hook=hook, **kw)
    assert answer.status == 200 and answer.text == ""
    said = await slack.fake.wait_for(lambda: slack.fake.hooks.get(hook), what=f"the answer to {text!r}")
    assert said[-1]["response_type"] == "ephemeral"
    return said[-1]


async def test_help_lists_the_commands(slack: SlackHarness) -> None:
    said = await run(slack, "help")
    for command in ("claim ID", "resolve ID [note]", "dismiss ID [reason]", "reassign ID DEPARTMENT", "list",
                    "show ID", "snooze", "reopen", "silence"):
        assert command in said["text"]
    assert (await run(slack, "", hook="empty"))["text"] == said["text"]


async def test_claim_then_resolve_with_a_note(slack: SlackHarness) -> None:
    mention_id = await alert(slack)
    assert (await run(slack, f"claim M-{mention_id}"))["text"] == f"M-{mention_id} is yours now."
    await slack.deliver()
    assert slack.status(mention_id) == "claimed"
    assert "*Claimed* by Ann Example" in str(slack.fake.calls_to("chat.update")[-1].json["blocks"])
    said = await run(slack, f"resolve m-{mention_id} told <@U0BOB|bob> &amp; refunded", hook="resolve")
    assert said["text"] == f"M-{mention_id} resolved."
    row = slack.service.store.mention(mention_id)
    assert (row["status"], row["note"], row["resolved_by"]) == ("resolved", "told @bob & refunded", "slack:U0ANN")


async def test_dismiss_with_a_reason(slack: SlackHarness) -> None:
    mention_id = await alert(slack)
    await run(slack, f"dismiss M-{mention_id} not relevant, spam")
    row = slack.service.store.mention(mention_id)
    assert (row["status"], row["dismissed_reason"]) == ("dismissed", "not relevant, spam")


async def test_reassign_takes_a_channel_link_as_the_department(slack: SlackHarness) -> None:
    mention_id = await alert(slack, "the Parcelo app is down since noon")
    said = await run(slack, f"reassign M-{mention_id} <#C0BILLING|billing>")
    assert said["text"] == f"M-{mention_id} moved to billing."
    await slack.deliver()
    assert slack.service.store.mention(mention_id)["department"] == "billing"
    assert any(c.json["channel"] == "C0BILLING" for c in slack.fake.calls_to("chat.postMessage"))


@pytest.mark.parametrize(("text", "expected"), [
    ("claim M-999", 'No mention "M-999". Use an id like M-12 (see "list").'),
    ("reassign M-{id} marketing", 'There is no department "marketing". Departments: support, billing, '
                                  "engineering, security."),
    ("unclaim M-{id}", "Can't unclaim M-{id}: nobody has claimed it."),
    ("frobnicate M-{id}", '"frobnicate" is not something I can do. Try "help".'),
    ("claim", "Say which mention: claim M-12"),
])
async def test_mistakes_get_a_clear_answer(slack: SlackHarness, text: str, expected: str) -> None:
    mention_id = await alert(slack)
    said = await run(slack, text.format(id=mention_id))
    assert said["text"] == expected.format(id=mention_id)
    assert slack.status(mention_id) == "alerted"


async def test_list_and_show_escape_what_strangers_wrote(slack: SlackHarness) -> None:
    mention_id = await alert(slack, "Parcelo charged twice <!channel> @here <https://evil.example|bank.com>")
    listed = await run(slack, "list billing", hook="list")
    assert listed["text"].startswith(f"M-{mention_id} · normal · billing · billing · alerted")
    shown = await run(slack, f"show M-{mention_id}", hook="show")
    for said in (listed["text"], shown["text"]):
        assert "<!channel>" not in said and "<https://evil" not in said and "@here" not in said
        assert "&lt;!channel&gt;" in said
    slack.service.core.act(Action("claim", mention_id, Actor("slack", "U0ANN", "Ann Example")))
    mine = await run(slack, "list mine", hook="mine")
    assert mine["text"].startswith(f"M-{mention_id} · normal · billing · billing · claimed · Ann Example")


async def test_the_command_is_acked_before_the_slow_work(slack: SlackHarness) -> None:
    mention_id = await alert(slack)
    slack.fake.delays["users.info"] = 1.0
    answer = await slack.client.slash(f"claim M-{mention_id}", hook="slow")
    assert answer.status == 200 and answer.seconds < 0.5
    await slack.fake.wait_for(lambda: slack.fake.hooks.get("slow"), what="the late answer")
    assert slack.status(mention_id) == "claimed"


async def test_the_command_name_comes_from_config(write_config: Callable[..., Config], clock: FakeClock,
                                                  fake: FakeSlack) -> None:
    config = write_config(slack_toml(fake, command="/mentions"))
    async with slack_harness(config, clock, fake) as slack:
        assert (await run(slack, "help"))["text"].startswith("Type /mentions followed by one of these.\n```Siloless")
        slack.requests.command_name = "/siloless"
        await slack.client.slash("help", hook="other")
        await slack.idle()
        assert "other" not in fake.hooks
