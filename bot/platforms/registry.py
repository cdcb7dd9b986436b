"""Which chat platforms exist beyond the built-in console, found through entry points.

Group ``siloless.platforms``: ``name = "module:factory"``, where ``factory(config, core)`` is an
async function returning a started-able Platform, or None when the config leaves it off. The
service imports a platform module only when it is configured, so a deployment without Teams never
imports botbuilder.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

GROUP = "siloless.platforms"
_BUILTIN = {
    "slack": "bot.platforms.slack:create",
    "teams": "bot.platforms.teams:create",
}


def factories() -> dict[str, str]:
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


def load_factory(name: str) -> Any:
    target = factories()[name]
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
