"""Strict reading of one ``[[sources]]`` entry into an adapter's Settings dataclass.

Each adapter declares its settings once, as a frozen dataclass whose fields carry a ``doc`` (and
optionally ``min``/``max`` or ``url``) in their metadata. This module turns the TOML table into that
dataclass and refuses anything else: an unknown key, a missing required key or a value of the wrong
type raises ``SourceMisconfigured`` naming the key and saying what would fix it (Alertmanager's
habit). Keeping the docs on the fields lets the docs and ``doctor`` list them without drift.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from adapters.base import SourceMisconfigured

T = TypeVar("T")

_URL_SCHEMES = ("http", "https", "ws", "wss")


def setting(default: Any = dataclasses.MISSING, *, doc: str, **checks: Any) -> Any:
    """A dataclass field with its one-line description and optional ``min``/``max``/``url`` checks."""
    if isinstance(default, list | dict):
        raise TypeError("use a tuple default; settings are immutable")
    return dataclasses.field(default=default, metadata={"doc": doc, **checks})


def describe(settings_cls: type) -> dict[str, str]:
    """``{key: doc}`` for every setting, in declaration order (for docs and ``doctor``)."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(settings_cls)}


def load(settings_cls: type[T], raw: Mapping[str, Any], source_type: str, **defaults: Any) -> T:
    """Build ``settings_cls`` from ``raw``; ``defaults`` replace field defaults that depend on context.

    Unknown keys are reported first: a typo is the likeliest reason a required key looks missing.
    """
    fields = {f.name: f for f in dataclasses.fields(settings_cls)}  # type: ignore[arg-type]
    for key in raw:
        if key not in fields:
            raise SourceMisconfigured(
                key, f"unknown key for a {source_type} source; it takes: {', '.join(fields)}"
            )
    hints = typing.get_type_hints(settings_cls)
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in raw:
            values[name] = _convert(name, raw[name], hints[name], spec.metadata)
        elif name in defaults:
            values[name] = defaults[name]
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise SourceMisconfigured(name, f"required for a {source_type} source: {spec.metadata.get('doc', '')}")
    return settings_cls(**values)


def _convert(key: str, value: Any, hint: Any, meta: Mapping[str, Any]) -> Any:
    optional, hint = _unwrap_optional(hint)
    if value is None and optional:
        return None
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise SourceMisconfigured(key, f"must be true or false, not {value!r}")
        return value
    if hint in (int, float):
        return _number(key, value, hint, meta)
    if hint is str:
        if not isinstance(value, str) or not value:
            raise SourceMisconfigured(key, f"must be a non-empty string: {meta.get('doc', '')}")
        if meta.get("url"):
            _check_url(key, value)
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            raise SourceMisconfigured(
                key, f'must be a list of non-empty strings, e.g. ["a", "b"]: {meta.get("doc", "")}')
        return tuple(value)
    if origin in (dict, Mapping) or hint is dict:
        if not isinstance(value, dict):
            raise SourceMisconfigured(key, f"must be a table (key = value pairs): {meta.get('doc', '')}")
        return dict(value)
    raise TypeError(f"unsupported settings type for {key}: {hint!r}")  # a bug in an adapter, not config


def _unwrap_optional(hint: Any) -> tuple[bool, Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return True, args[0]
    return False, hint


def _number(key: str, value: Any, hint: type, meta: Mapping[str, Any]) -> int | float:
    ok = isinstance(value, int) if hint is int else isinstance(value, int | float)
    if not ok or isinstance(value, bool):
        kind = "an integer" if hint is int else "a number"
        raise SourceMisconfigured(key, f"must be {kind}, not {value!r}")
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SourceMisconfigured(key, f"must be between {low} and {high}, not {value}")
    return hint(value)


def _check_url(key: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in _URL_SCHEMES or not parts.netloc:
        raise SourceMisconfigured(
            key, f'must be an absolute http(s) or ws(s) URL like "https://example.org", not {value!r}')
