"""Boundaries the architecture promises, enforced: who may import what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("bot", "adapters", "intents"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_platforms_import_chat_sdks(path: Path) -> None:
    if path.is_relative_to(ROOT / "bot" / "platforms"):
        return
    bad = sorted(name for name in _imports(path) if name.split(".")[0] in SDKS)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}; only bot/platforms/ may"


@pytest.mark.parametrize("path", _modules("bot/platforms"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_teams_module_imports_botbuilder(path: Path) -> None:
    if path.name == "teams.py":
        return
    bad = sorted(name for name in _imports(path) if name.split(".")[0] in ("botbuilder", "botframework"))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}; keep botbuilder inside teams.py"


@pytest.mark.parametrize("path", _modules("adapters", "intents"), ids=lambda p: str(p.relative_to(ROOT)))
def test_adapters_and_intents_never_import_the_core(path: Path) -> None:
    bad = sorted(name for name in _imports(path) if name.split(".")[0] == "bot")
    if path.is_relative_to(ROOT / "intents"):
        bad += sorted(name for name in _imports(path) if name.split(".")[0] == "adapters")
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
