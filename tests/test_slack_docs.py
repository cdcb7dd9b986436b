"""The Slack manifest and docs stay in step with the code (datasette's test_docs idea)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import srsly

from bot.config import SlackConfig
from bot.platforms.slack import EVENTS_PATH
from bot.platforms.slack_doctor import REQUIRED_SCOPES
from bot.platforms.slack_listeners import REACTION_VERBS

pytestmark = pytest.mark.timeout(15)

ROOT = Path(__file__).resolve().parent.parent


def manifest() -> dict[str, Any]:
    return dict(srsly.yaml_loads((ROOT / "slack" / "manifest.yml").read_text(encoding="utf-8")))


def test_the_manifest_asks_for_exactly_the_scopes_siloless_uses() -> None:
    assert manifest()["oauth_config"]["scopes"]["bot"] == list(REQUIRED_SCOPES)


def test_the_manifest_wires_events_interactivity_and_the_command_to_one_url() -> None:
    data = manifest()
    settings, commands = data["settings"], data["features"]["slash_commands"]
    assert settings["event_subscriptions"]["bot_events"] == ["reaction_added"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert [c["command"] for c in commands] == [SlackConfig().command]
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
            commands[0]["url"]]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert 174 <= len(data["display_information"]["long_description"]) <= 4000


def test_the_docs_explain_every_slack_key_and_action() -> None:
    text = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    for key in (f.name for f in fields(SlackConfig)):
        assert f"`{key}`" in text, key
    for reaction in ("eyes", "white_check_mark"):
        assert f":{reaction}:" in text and reaction in REACTION_VERBS
    for command in ("claim", "resolve", "dismiss", "reassign", "unclaim", "snooze", "reopen", "list", "show", "help"):
        assert f"/siloless {command}" in text, command
    assert "slack/manifest.yml" in text and "siloless doctor" in text
