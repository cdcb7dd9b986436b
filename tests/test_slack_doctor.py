"""``siloless doctor`` for Slack: token, scopes, mode and every configured channel, each with what to do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.doctor import run_doctor
from tests.conftest import BASE_TOML
from tests.fakes.fake_slack import ALL_SCOPES, FakeSlack, slack_harness, slack_toml

pytestmark = pytest.mark.timeout(15)


def by_level(findings: list[tuple[str, str]], level: str) -> list[str]:
    return [message for found, message in findings if found == level and message.startswith("slack")]


async def test_a_healthy_setup_reports_ok(write_config: Callable[..., Config]) -> None:
    async with FakeSlack() as fake:
        findings = await run_doctor(write_config(slack_toml(fake)))
    assert by_level(findings, "error") == [] and by_level(findings, "warn") == []
    ok = by_level(findings, "ok")
    assert "slack: connected to Fake Team as @siloless" in ok
    assert "slack: the app has every scope Siloless uses" in ok
    assert "slack: #billing (department billing) is ready" in ok
    assert "slack: #escalations (escalations) is ready" in ok
    assert any("POST /slack/events" in m for m in ok)


async def test_missing_channels_membership_and_scopes_are_named_with_the_fix(
    write_config: Callable[..., Config]
) -> None:
    channels = {"support": "C0SUPPORT", "billing": "C0BILLING", "engineering": "C0ENGINEERING",
                "escalations": "C0ESCALATIONS"}
    async with FakeSlack(channels=channels, members={"C0SUPPORT", "C0ESCALATIONS"},
                         scopes=ALL_SCOPES.replace("reactions:read,", "")) as fake:
        fake.private.add("C0ENGINEERING")
        findings = await run_doctor(write_config(slack_toml(fake)))
    errors, warnings = by_level(findings, "error"), by_level(findings, "warn")
    assert any("#security (department security) was not found" in m and "/invite" in m for m in errors)
    assert any("bot is not in #engineering" in m and "/invite the bot" in m for m in errors)  # private
    assert any("bot is not in #billing" in m and "reactions there reach it only after" in m for m in warnings)
    assert any("lacks scopes: reactions:read (claim and resolve by emoji reaction)" in m for m in warnings)


async def test_a_refused_token_stops_the_checks(write_config: Callable[..., Config]) -> None:
    async with FakeSlack() as fake:
        toml = slack_toml(fake).replace('bot_token = "xoxb-test-token"', 'bot_token = "xoxb-revoked"')
        findings = await run_doctor(write_config(toml))
    errors = by_level(findings, "error")
    assert len(errors) == 1 and "bot token was refused (invalid_auth)" in errors[0]


async def test_an_oncall_written_as_a_name_is_an_error(write_config: Callable[..., Config], clock: FakeClock) -> None:
    base = BASE_TOML.replace('slack_oncall = "S0SECURITY"', 'slack_oncall = "@security-team"')
    async with FakeSlack() as fake, slack_harness(write_config(slack_toml(fake), base=base), clock, fake) as slack:
        findings = await slack.service.platforms["slack"].doctor()
    assert any(f.level == "error" and "must be a user-group id (S0…)" in f.message for f in findings)


async def test_socket_mode_is_checked_with_the_app_token(write_config: Callable[..., Config]) -> None:
    async with FakeSlack() as fake:
        findings = await run_doctor(write_config(slack_toml(fake, signing=False, app_token=True)))
        assert len(fake.calls_to("apps.connections.open")) >= 1
    assert "slack: Socket Mode is available (no public URL needed)" in by_level(findings, "ok")
