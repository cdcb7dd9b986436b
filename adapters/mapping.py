"""Field mapping: a vendor's JSON item (Brandwatch, Talkwalker, Mention, a Zapier step) to Mention JSON.

Listening tools each post their own shape. Rather than code per vendor, a webhook source is given
``items`` (the dotted path to the list of items in a body) and a ``mapping`` table of
``target = "dotted.path"`` (or a list of paths: the first one present wins), plus ``constants``
for fields every item gets. Targets are the Mention JSON fields (``author.handle``,
``metrics.likes``…) or ``extra.NAME`` to keep a vendor field. Values are coerced the way vendors
differ: numeric strings become counts, epoch seconds or milliseconds become times, numeric ids
become strings. A mapping is checked when the config loads, so a typo fails at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from adapters.base import MentionError, SourceMisconfigured

TARGETS = ("source", "id", "url", "created_at", "text", "lang", "in_reply_to", "conversation", "kind",
           "author.handle", "author.name", "author.followers")
_PREFIXES = ("metrics.", "extra.")
_ID_LIKE = frozenset({"id", "in_reply_to", "conversation"})
_RESERVED = frozenset(t.split(".")[0] for t in TARGETS) | {"metrics"}


def _check_target(key: str, target: str) -> None:
    prefix = next((p for p in _PREFIXES if target.startswith(p)), None)
    if target in TARGETS or (prefix and len(target) > len(prefix) and "." not in target[len(prefix):]):
        if prefix == "extra." and target[len(prefix):] in _RESERVED:
            raise SourceMisconfigured(key, f'"{target}" would overwrite the Mention field "{target[6:]}"; rename it')
        return
    raise SourceMisconfigured(key, f'unknown target "{target}"; use one of {", ".join(TARGETS)}, '
                                   "metrics.NAME or extra.NAME")


@dataclass(frozen=True)
class FieldMapping:
    items: str | None
    fields: tuple[tuple[str, tuple[str, ...]], ...]
    constants: tuple[tuple[str, Any], ...]

    @classmethod
    def from_settings(cls, items: Any, mapping: Any, constants: Any) -> FieldMapping:
        """Validate the three settings; every error names the key (``mapping.text``) and the fix."""
        if items is not None and (not isinstance(items, str) or not items):
            raise SourceMisconfigured("items", 'must be a dotted path to the list of items, e.g. "results"')
        if not isinstance(mapping, dict):
            raise SourceMisconfigured(
                "mapping", 'must be a table of target = "dotted.path", e.g. text = "content.body"')
        constants = {} if constants is None else constants
        if not isinstance(constants, dict):
            raise SourceMisconfigured("constants", 'must be a table of target = value, e.g. source = "brandwatch"')
        fields = []
        for target, paths in mapping.items():
            key = f"mapping.{target}"
            _check_target(key, target)
            paths = [paths] if isinstance(paths, str) else paths
            if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
                raise SourceMisconfigured(key, 'must be a dotted path or a list of them, e.g. "author.username"')
            fields.append((target, tuple(paths)))
        for target, value in constants.items():
            _check_target(f"constants.{target}", target)
            if target in mapping:
                raise SourceMisconfigured(f"constants.{target}", "is also in mapping; keep one of the two")
            if not isinstance(value, str | int | float | bool):
                raise SourceMisconfigured(f"constants.{target}", "must be a string, number or boolean")
        for needed in ("text", "id"):
            if needed not in mapping and needed not in constants:
                raise SourceMisconfigured("mapping", f'map "{needed}" to the field that holds it, e.g. {needed} = "…"')
        return cls(items, tuple(fields), tuple(constants.items()))

    def items_of(self, payload: Any) -> list[Any]:
        """The items in a body: at the ``items`` path, or the body itself (one item, or a list)."""
        found = resolve(payload, self.items) if self.items else payload
        if self.items and not isinstance(found, list):
            raise ValueError(f'no list of items at "{self.items}"')
        return found if isinstance(found, list) else [found]

    def apply(self, item: Any) -> dict[str, Any]:
        """One vendor item as Mention JSON; ``MentionError`` names the target and path that failed."""
        if not isinstance(item, dict):
            raise MentionError(f"expected an object, got {type(item).__name__}")
        out: dict[str, Any] = {}
        for target, value in self.constants:
            _put(out, target, value)
        for target, paths in self.fields:
            path, value = next(((p, v) for p in paths if (v := resolve(item, p)) not in (None, "")), (paths[0], None))
            if value is not None:
                _put(out, target, _coerce(target, path, value))
        return out


def resolve(obj: Any, path: str) -> Any:
    """``a.b.0.c`` into nested objects and lists; ``None`` when any step is missing."""
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.lstrip("-").isdigit() and -len(obj) <= int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _put(out: dict[str, Any], target: str, value: Any) -> None:
    head, _, name = target.partition(".")
    if head == "extra":
        out[name] = value
    elif name:
        out.setdefault(head, {})[name] = value
    else:
        out[head] = value


def _coerce(target: str, path: str, value: Any) -> Any:
    where = f"'{target}' (from '{path}')"
    if target == "author.followers" or target.startswith("metrics."):
        return _count(where, value)
    if target == "created_at":
        return _time(where, value)
    if target.startswith("extra."):
        return value
    if target == "text" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and (target in _ID_LIKE or target == "text"):
        return str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise MentionError(f"{where} must be a string, got {type(value).__name__}")
    return value


def _count(where: str, value: Any) -> int:
    try:
        number = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number != number or number < 0:
        raise MentionError(f"{where} must be a non-negative number, got {value!r}")
    return int(number)


def _time(where: str, value: Any) -> Any:
    """ISO 8601 as is; epoch seconds or milliseconds (number or numeric string); RFC 2822 dates."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                datetime.fromisoformat(value)
                return value
            except ValueError:
                pass
            try:
                return parsedate_to_datetime(value).isoformat()
            except (TypeError, ValueError):
                raise MentionError(f"{where} is not a date: {value[:40]!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    raise MentionError(f"{where} is not a date: {value!r}")

