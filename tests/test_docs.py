"""Docs that tests keep honest (datasette's test_docs): config keys, commands, labels, the CI command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import known_keys
from intents.labels import INTENTS, URGENCIES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _documented_keys() -> dict[str, str]:
    """Every ``key =`` in the example (commented-out ones too), mapped to the comment line just above it."""
    lines = EXAMPLE.splitlines()
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = re.match(r"^#?\s*([a-z_]+)\s*=", line.strip())
        if match:
            above = lines[index - 1].strip() if index else ""
            found.setdefault(match.group(1), above if above.startswith("#") else "")
    return found


@pytest.mark.parametrize(("section", "key"), [(s, k) for s, keys in known_keys().items() for k in keys
                                              if not (s == "brands" and k == "name")])
def test_every_config_key_is_in_the_example_with_a_comment(section: str, key: str) -> None:
    documented = _documented_keys()
    assert key in documented, f"[{section}] {key} is missing from config.example.toml"
    if section not in ("brands",):
        assert documented[key], f"[{section}] {key} has no comment line above it in config.example.toml"


def _subcommands() -> dict[str, tuple[argparse.ArgumentParser, str]]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
    return {name: (sub, helps.get(name, "")) for name, sub in action.choices.items()}


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_has_help_and_is_in_the_readme(name: str) -> None:
    sub, summary = _subcommands()[name]
    assert summary, f"siloless {name} has no one-line help in `siloless --help`"
    assert sub.description, f"siloless {name} has no description in `siloless {name} --help`"
    assert f"siloless {name}" in README, f"siloless {name} is not mentioned in README.md"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    blocks = re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)
    assert len(blocks) >= 2
    demo, tests = blocks[0].strip(), blocks[1].strip()
    assert demo.endswith("siloless demo") and "pip install -e ." in demo
    assert tests.endswith("pytest") and '".[test]"' in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_labels_and_urgencies_are_documented() -> None:
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for label in (*INTENTS, *URGENCIES):
        assert f"`{label}`" in architecture, f"{label} is missing from docs/architecture.md"
