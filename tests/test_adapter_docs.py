"""docs/sources.md stays true: every adapter setting is documented, and every TOML example builds."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from adapters import registry
from adapters.bluesky import BlueskySettings
from adapters.hackernews import HackerNewsSettings
from adapters.mastodon import MastodonSettings
from adapters.reddit import RedditSettings
from adapters.rss import RssSettings
from tests.fakes.fake_sources import InstantClock, make_context

DOC = Path(__file__).resolve().parent.parent / "docs" / "sources.md"
SETTINGS: dict[str, list[str]] = {
    "mastodon": [f.name for f in dataclasses.fields(MastodonSettings)],
    "bluesky": [f.name for f in dataclasses.fields(BlueskySettings)],
    "rss": [f.name for f in dataclasses.fields(RssSettings)],
    "reddit": [f.name for f in dataclasses.fields(RedditSettings)],
    "hackernews": [f.name for f in dataclasses.fields(HackerNewsSettings)],
    "webhook": ["secret", "max_body_bytes", "default_source", "items", "mapping", "constants"],
    "replay": ["path"],
}


def section(source_type: str) -> str:
    text = DOC.read_text()
    match = re.search(rf'^## .*\(`type = "{source_type}"`.*?$(.*?)(?=^## )', text, re.S | re.M)
    assert match, f'docs/sources.md has no section for type = "{source_type}"'
    return match.group(1)


def examples() -> list[dict[str, Any]]:
    """Every [[sources]] entry in the doc's TOML blocks, with ${VARS} filled in."""
    entries = []
    for block in re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S):
        entries += tomllib.loads(re.sub(r"\$\{[A-Z_]+\}", "x" * 24, block))["sources"]
    return entries


def test_every_registered_type_is_documented() -> None:
    for source_type in registry.source_types():
        section(source_type)


@pytest.mark.parametrize("source_type", sorted(SETTINGS))
def test_every_setting_is_in_its_table(source_type: str) -> None:
    body = section(source_type)
    missing = [key for key in SETTINGS[source_type] if f"| `{key}` |" not in body]
    assert not missing, f"document these {source_type} settings in docs/sources.md: {missing}"


@pytest.mark.parametrize("entry", examples(), ids=lambda e: e["name"])
def test_every_example_builds_a_source(entry: dict[str, Any]) -> None:
    settings = {k: v for k, v in entry.items() if k not in ("name", "type")}
    source = registry.load(entry["type"]).from_config(settings, make_context(InstantClock(), terms=["Parcelo"]))
    assert source.type == entry["type"]


def test_every_type_has_an_example() -> None:
    assert {e["type"] for e in examples()} >= set(SETTINGS)
