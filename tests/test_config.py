"""Config validation: every mistake gives one message naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config, parse_duration

FIXTURES = Path(__file__).parent / "fixtures" / "config"
ROOT = Path(__file__).resolve().parent.parent

EXPECTED = {
    "bad_unknown_key.toml": 'unknown key "bot_tokn" in [slack]; known keys: api_timeout_seconds, api_url, app_token, '
    'bot_token, command, edit_interval_seconds, post_interval_seconds, signing_secret (did you mean "bot_token"?)',
    "bad_unknown_section.toml": 'unknown key "slak" at the top level; known sections: brands, console, departments, '
    'escalation, grouping, outbox, routes, server, slack, sources, store, teams (did you mean "slack"?)',
    "bad_wrong_type.toml": "server.port: must be a whole number, got a string",
    "bad_no_channel.toml": 'departments[1] ("billing"): routes to no channel; set slack_channel = "#billing" '
    'and/or teams_channel = "<Teams channel name>"',
    "bad_route_department.toml": 'routes[0]: department "biling" is not defined in [[departments]]; defined: '
    'support, billing (did you mean "billing"?)',
    "bad_unknown_intent.toml": 'departments[0].intents: unknown intent "complaints"; known intents: complaint, '
    "question, outage, billing, security, legal, press, praise, sales, feature_request, careers, other",
    "bad_duration.toml": 'escalation.claim_within.critical: "five minutes" is not a duration; write e.g. "90s", '
    '"5m", "4h", "2d" or "none"',
    "bad_orphan_intents.toml": "departments: no department owns outage, billing, security, legal, press, praise, "
    "sales, feature_request, careers, other; add them to a department's intents or mark one department "
    "default = true",
    "bad_env.toml": "slack.bot_token: environment variable SILOLESS_TEST_UNSET_TOKEN is not set; export it, or "
    "write ${SILOLESS_TEST_UNSET_TOKEN:-} to make it optional",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_config_gives_one_clear_message(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(FIXTURES / name, env={})
    assert str(info.value) == EXPECTED[name]


def test_invalid_toml_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"bad_toml.toml: not valid TOML"):
        load_config(FIXTURES / "bad_toml.toml", env={})


def test_missing_file_says_how_to_start() -> None:
    with pytest.raises(ConfigError, match=r"no such file; copy config\.example\.toml"):
        load_config(FIXTURES / "nope.toml", env={})


def test_env_expansion_with_and_without_default() -> None:
    raw = {
        "slack": {"bot_token": "${TOKEN}", "signing_secret": "${SECRET:-fallback}", "api_url": "${NOPE:-}"},
        "brands": {"acme": {"terms": ["Acme"]}},
        "departments": [{"name": "support", "slack_channel": "#s", "default": True}],
    }
    config = parse_config(raw, env={"TOKEN": "xoxb-123"})
    assert config.slack.bot_token == "xoxb-123"
    assert config.slack.signing_secret == "fallback"
    assert config.slack.api_url == ""
    assert config.slack.enabled
    assert not config.console_enabled  # Slack is on, so the console is off unless asked for


def test_typed_objects_and_single_string_lists() -> None:
    raw = {
        "brands": {"acme": {"terms": "Acme"}},
        "departments": [{"name": "support", "slack_channel": "#s", "default": True, "intents": "question"}],
        "routes": [{"department": "support", "continue": True, "min_urgency": "high"}],
    }
    config = parse_config(raw, env={})
    assert config.brands[0].terms == ("Acme",)
    assert config.departments[0].intents == ("question",)
    assert config.routes[0].continue_ is True


def test_intent_owned_twice_is_refused() -> None:
    raw = {
        "brands": {"acme": {"terms": ["Acme"]}},
        "departments": [
            {"name": "support", "slack_channel": "#s", "default": True, "intents": ["billing"]},
            {"name": "billing", "slack_channel": "#b", "intents": ["billing"]},
        ],
    }
    with pytest.raises(ConfigError, match='intent "billing" is claimed by both "support" and "billing"'):
        parse_config(raw, env={})


def test_slack_token_needs_a_signing_secret() -> None:
    raw = {
        "slack": {"bot_token": "xoxb-1"},
        "brands": {"acme": {"terms": ["Acme"]}},
        "departments": [{"name": "support", "slack_channel": "#s", "default": True}],
    }
    with pytest.raises(ConfigError, match=r"slack\.signing_secret: required when slack\.bot_token is set"):
        parse_config(raw, env={})


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("5m", 300), ("4h", 14400), ("2d", 172800),
                                                ("none", None)])
def test_durations(text: str, seconds: int | None) -> None:
    delta = parse_duration(text, "k")
    assert (delta.total_seconds() if delta else None) == seconds


def test_example_and_demo_configs_are_valid() -> None:
    example = load_config(ROOT / "config.example.toml", env={})
    assert {d.name for d in example.departments} >= {"support", "billing", "engineering", "security", "legal", "pr",
                                                      "sales", "product", "hr"}
    demo = load_config(ROOT / "demo" / "config.toml", env={})
    assert demo.console_enabled
