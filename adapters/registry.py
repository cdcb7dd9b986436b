"""Which source types exist: built-ins and third-party packages, found the same way.

Built-in adapters are declared as entry points in ``pyproject.toml`` (group ``siloless.sources``)
exactly as an outside package would declare its own, so the core never has an ``if type ==
"mastodon"``. ``SILOLESS_SOURCES=replay,rss`` restricts what loads. A configured type that is
unknown or fails to import stops start-up with its name (Dispatch logged and skipped; we refuse).
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from adapters.base import Source, SourceMisconfigured

GROUP = "siloless.sources"

#: Used when the package metadata is missing (running from a source tree without installing).
_BUILTIN: dict[str, str] = {
    "replay": "adapters.replay:ReplaySource",
    "webhook": "adapters.webhook:WebhookSource",
    "mastodon": "adapters.mastodon:MastodonSource",
    "bluesky": "adapters.bluesky:BlueskySource",
    "rss": "adapters.rss:RssSource",
    "reddit": "adapters.reddit:RedditSource",
    "hackernews": "adapters.hackernews:HackerNewsSource",
}


def _declared() -> dict[str, str]:
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    allowed = os.environ.get("SILOLESS_SOURCES")
    if allowed:
        keep = {name.strip() for name in allowed.split(",") if name.strip()}
        found = {name: target for name, target in found.items() if name in keep}
    return found


def source_types() -> list[str]:
    """Every source type that can be configured, sorted."""
    return sorted(_declared())


def load(source_type: str, key: str = "type") -> type[Source]:
    """The adapter class for ``source_type``; ``SourceMisconfigured`` naming ``key`` otherwise."""
    declared = _declared()
    target = declared.get(source_type)
    if target is None:
        known = ", ".join(sorted(declared)) or "none"
        raise SourceMisconfigured(key, f'unknown source type "{source_type}"; known types: {known}')
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SourceMisconfigured(key, f'source type "{source_type}" could not be loaded from {target}: {exc}') from exc
    return cls
