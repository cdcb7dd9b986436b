"""Configuration: TOML → typed, frozen objects, checked strictly at start-up.

Every error names the key and the fix (Alertmanager's strictness): an unknown key, a wrong type,
a department that reaches no channel, a route to an unknown department. ``${VAR}`` is expanded
from the environment (``${VAR:-default}`` when the variable is optional), so secrets never live in
the file. The sections and keys are declared once, here, as dataclasses whose field metadata holds
the help text; ``tests/test_docs.py`` checks that ``config.example.toml`` documents every one.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from intents.labels import INTENTS, URGENCIES


class ConfigError(ValueError):
    """One problem in the config file, phrased as ``<key>: <what is wrong>; <how to fix it>``."""


def _help(text: str, default: Any = MISSING, **kw: Any) -> Any:
    if default is MISSING and "default_factory" not in kw:
        return field(metadata={"help": text}, **kw)
    return field(default=default, metadata={"help": text}, **kw)


@dataclass(frozen=True)
class StoreConfig:
    path: str = _help("SQLite file holding mentions, audit events, the outbox and cursors", "siloless.db")


@dataclass(frozen=True)
class ServerConfig:
    host: str = _help("address the HTTP server listens on", "127.0.0.1")
    port: int = _help("port the HTTP server listens on (0 picks a free one)", 8080)
    max_body_bytes: int = _help("largest request body accepted on any endpoint, in bytes", 1_000_000)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str = _help("bot token (xoxb-…); empty leaves Slack off", "")
    signing_secret: str = _help("signing secret that verifies requests to /slack/events", "")
    app_token: str = _help("app-level token (xapp-…) to use Socket Mode instead of a public URL", "")
    api_url: str = _help("base URL of the Slack Web API (tests and proxies point it elsewhere)", "")
    command: str = _help("slash command name", "/siloless")
    post_interval_seconds: float = _help("minimum seconds between new alerts in one channel", 1.0)
    edit_interval_seconds: float = _help("minimum seconds between edits of one alert (bursts are coalesced)", 3.0)
    api_timeout_seconds: float = _help("give up on one Slack API call after this long (the outbox retries)", 15.0)

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


@dataclass(frozen=True)
class TeamsConfig:
    enabled: bool = _help("turn the Teams bot on (the /api/messages endpoint and Teams delivery)", False)
    app_id: str = _help("Microsoft App ID of the bot registration; empty = local emulator, no auth", "")
    app_password: str = _help("client secret of the bot registration", "")
    tenant_id: str = _help("Azure AD tenant of a single-tenant bot; empty for multi-tenant", "")
    bot_name: str = _help("name people @mention in Teams", "Siloless")
    post_interval_seconds: float = _help("minimum seconds between new cards in one channel", 2.0)
    edit_interval_seconds: float = _help("minimum seconds between edits of one card", 3.0)
    api_timeout_seconds: float = _help("give up on one Bot Connector call after this long (the outbox retries)", 15.0)


@dataclass(frozen=True)
class ConsoleConfig:
    enabled: bool | None = _help(
        "print alerts to the terminal; unset = on only when neither Slack nor Teams is on", None
    )


@dataclass(frozen=True)
class OutboxConfig:
    max_attempts: int = _help("attempts before a delivery is marked failed (and shown by doctor)", 12)
    base_delay_seconds: float = _help("first retry delay; doubles each attempt, with jitter", 1.0)
    max_delay_seconds: float = _help("longest delay between two attempts", 300.0)


@dataclass(frozen=True)
class BrandConfig:
    name: str
    terms: tuple[str, ...] = _help("names, @handles, #hashtags and misspellings that mean this brand", ())


@dataclass(frozen=True)
class DepartmentConfig:
    name: str = _help("short name used in commands and routes, e.g. billing")
    intents: tuple[str, ...] = _help("intent labels this department owns", ())
    slack_channel: str = _help("Slack channel for its alerts: #name or an id like C0123", "")
    teams_channel: str = _help("Teams channel for its alerts: its name or 19:…@thread.tacv2 id", "")
    default: bool = _help("receives mentions whose intent no department owns", False)
    slack_oncall: str = _help("Slack user group id (S0…) or user id (U0…) pinged on escalation", "")
    teams_oncall: str = _help("Teams user (name or AAD id) mentioned on escalation", "")
    allow_slack_users: tuple[str, ...] = _help("if set, only these Slack user ids may act on its mentions", ())
    allow_slack_groups: tuple[str, ...] = _help("if set, members of these Slack user groups may act too", ())
    allow_teams_users: tuple[str, ...] = _help("if set, only these Teams users (AAD id or name) may act", ())
    claim_within: Mapping[str, str] = _help(
        "per-urgency claim deadlines overriding [escalation].claim_within", default_factory=dict
    )
    claim_expires_after: str = _help("a claim older than this reminds the claimer; overrides [escalation]", "")
    return_to_pool: bool | None = _help(
        "after a second expiry, unclaim and re-alert; unset = [escalation].return_to_pool", None
    )


@dataclass(frozen=True)
class RouteConfig:
    department: str = _help("department that receives matching mentions")
    intent: tuple[str, ...] = _help("match these intents (any)", ())
    brand: tuple[str, ...] = _help("match these brands (any)", ())
    lang: tuple[str, ...] = _help("match these languages (any), e.g. nl", ())
    keywords: tuple[str, ...] = _help("match when the text contains any of these (case-insensitive)", ())
    min_urgency: str = _help("match only at or above this urgency", "")
    continue_: bool = _help("keep looking at later routes after this one matches (fan-out)", False)


@dataclass(frozen=True)
class EscalationConfig:
    slack_channel: str = _help("Slack channel where missed deadlines are posted", "")
    teams_channel: str = _help("Teams channel where missed deadlines are posted", "")
    claim_within: Mapping[str, str] = _help(
        "how long a mention may stay unclaimed, per urgency (e.g. 5m, 4h, none)",
        default_factory=lambda: {"critical": "5m", "high": "30m", "normal": "4h", "low": "none"},
    )
    resolve_within: Mapping[str, str] = _help(
        "optional deadline to resolve after claiming, per urgency", default_factory=dict
    )
    second_level_after: str = _help("if still unclaimed this long after the first escalation, escalate again", "30m")
    claim_expires_after: str = _help("remind the claimer when a claim is older than this (none = never)", "4h")
    return_to_pool: bool = _help("after a second expiry period, unclaim and re-alert the mention", False)


@dataclass(frozen=True)
class GroupingConfig:
    window: str = _help("how long an open case keeps collecting similar mentions", "2h")
    similarity: float = _help("text similarity (0–1) at which two mentions are the same story", 0.4)
    spike_count: int = _help("this many similar mentions within spike_window raises the case's urgency", 10)
    spike_window: str = _help("window for spike_count", "10m")
    baseline_factor: float = _help("an intent's hourly volume this many times its usual rate is a spike", 5.0)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Config:
    path: Path | None
    store: StoreConfig
    server: ServerConfig
    slack: SlackConfig
    teams: TeamsConfig
    console: ConsoleConfig
    outbox: OutboxConfig
    escalation: EscalationConfig
    grouping: GroupingConfig
    brands: tuple[BrandConfig, ...]
    departments: tuple[DepartmentConfig, ...]
    routes: tuple[RouteConfig, ...]
    sources: tuple[SourceConfig, ...]

    def department(self, name: str) -> DepartmentConfig | None:
        return next((d for d in self.departments if d.name == name), None)

    @property
    def department_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.departments)

    @property
    def console_enabled(self) -> bool:
        if self.console.enabled is not None:
            return self.console.enabled
        return not (self.slack.enabled or self.teams.enabled)


#: Top-level tables and the dataclass each is read into; array-of-tables are handled below.
SECTIONS: dict[str, type] = {
    "store": StoreConfig,
    "server": ServerConfig,
    "slack": SlackConfig,
    "teams": TeamsConfig,
    "console": ConsoleConfig,
    "outbox": OutboxConfig,
    "escalation": EscalationConfig,
    "grouping": GroupingConfig,
}
ARRAYS: dict[str, type] = {"departments": DepartmentConfig, "routes": RouteConfig}
_TOP_LEVEL = set(SECTIONS) | set(ARRAYS) | {"brands", "sources"}
_SOURCE_COMMON = {"name", "type"}


def known_keys() -> dict[str, tuple[str, ...]]:
    """Every key the validator accepts, by section: what the docs test checks against the example."""
    out = {name: tuple(_toml_name(f.name) for f in fields(cls)) for name, cls in SECTIONS.items()}
    out.update({name: tuple(_toml_name(f.name) for f in fields(cls)) for name, cls in ARRAYS.items()})
    out["brands"] = ("terms",)
    out["sources"] = tuple(sorted(_SOURCE_COMMON))
    return out


def field_help(section: str, key: str) -> str:
    cls = SECTIONS.get(section) or ARRAYS.get(section)
    if cls is None:
        return ""
    for f in fields(cls):
        if _toml_name(f.name) == key:
            return str(f.metadata.get("help", ""))
    return ""


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read, expand and validate a config file; raise ``ConfigError`` with one clear message."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; copy config.example.toml and edit it") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_config(raw, path=path, env=os.environ if env is None else env)


def parse_config(raw: Mapping[str, Any], *, path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    data = _expand(raw, os.environ if env is None else env, "")
    for key in data:
        if key not in _TOP_LEVEL:
            raise ConfigError(
                f'unknown key "{key}" at the top level; known sections: {", ".join(sorted(_TOP_LEVEL))}'
                + _did_you_mean(key, dict.fromkeys(_TOP_LEVEL))
            )
    sections = {name: _build(cls, _table(data.get(name, {}), name), name) for name, cls in SECTIONS.items()}
    config = Config(
        path=path,
        brands=_brands(data.get("brands", {})),
        departments=tuple(
            _build(DepartmentConfig, item, f"departments[{i}]")
            for i, item in enumerate(_array(data.get("departments", []), "departments"))
        ),
        routes=tuple(
            _build(RouteConfig, item, f"routes[{i}]") for i, item in enumerate(_array(data.get("routes", []), "routes"))
        ),
        sources=_sources(data.get("sources", [])),
        **sections,
    )
    _check_semantics(config)
    return config


# ---------------------------------------------------------------------------------------------
# expansion and generic typed building


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")


def _expand(value: Any, env: Mapping[str, str], key: str) -> Any:
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name, has_default, default = match.group(1), match.group(2), match.group(3)
            if name in env:
                return env[name]
            if has_default is not None:
                return default or ""
            raise ConfigError(
                f"{key}: environment variable {name} is not set; export it, or write ${{{name}:-}} to make it optional"
            )

        return _ENV.sub(repl, value)
    if isinstance(value, dict):
        return {k: _expand(v, env, f"{key}.{k}" if key else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def _toml_name(attr: str) -> str:
    return attr.rstrip("_")  # continue_ → continue


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a table ([{key}]), got {_kind(value)}")
    return value


def _array(value: Any, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{key}: must be an array of tables ([[{key}]])")
    return value


def _build(cls: type, table: Mapping[str, Any], where: str) -> Any:
    names = {_toml_name(f.name): f for f in fields(cls) if f.init}
    for key in table:
        if key not in names:
            raise ConfigError(
                f'unknown key "{key}" in [{where}]; known keys: {", ".join(sorted(names))}' + _did_you_mean(key, names)
            )
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, f in names.items():
        if key in table:
            values[f.name] = _coerce(table[key], hints[f.name], f"{where}.{key}")
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(f'{where}: missing required key "{key}" ({f.metadata.get("help", "")})')
    return cls(**values)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], key)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: must be true or false, got {_kind(value)}")
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{key}: must be a whole number, got {_kind(value)}")
        return value
    if hint is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{key}: must be a number, got {_kind(value)}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: must be a string (in quotes), got {_kind(value)}")
        return value
    if origin is tuple:
        if isinstance(value, str):
            value = [value]  # a single string is a one-item list
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{key}: must be a list of strings, e.g. ["a", "b"], got {_kind(value)}')
        return tuple(value)
    if origin in (Mapping, dict) or hint is Mapping:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f'{key}: must be a table of strings, e.g. {{ high = "30m" }}, got {_kind(value)}')
        return dict(value)
    if is_dataclass(hint):
        return _build(hint, _table(value, key), key)  # type: ignore[arg-type]
    raise ConfigError(f"{key}: unsupported type {hint}")  # pragma: no cover - a bug in this module


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _did_you_mean(key: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _brands(value: Any) -> tuple[BrandConfig, ...]:
    table = _table(value, "brands")
    out = []
    for name, body in table.items():
        body = _table(body, f"brands.{name}")
        brand = _build(BrandConfig, {**body, "name": name} if "name" not in body else body, f"brands.{name}")
        if not brand.terms:
            raise ConfigError(f'brands.{name}.terms: empty; list the names people use, e.g. terms = ["{name}"]')
        out.append(brand)
    return tuple(out)


def _sources(value: Any) -> tuple[SourceConfig, ...]:
    out = []
    seen: set[str] = set()
    for i, item in enumerate(_array(value, "sources")):
        where = f"sources[{i}]"
        kind = item.get("type")
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f'{where}: missing "type"; e.g. type = "rss"')
        name = item.get("name", kind)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}.name: must be a non-empty string")
        if name in seen:
            raise ConfigError(f'{where}.name: "{name}" is used twice; give each source a unique name')
        seen.add(name)
        settings = {k: v for k, v in item.items() if k not in _SOURCE_COMMON}
        out.append(SourceConfig(name=name, type=kind, settings=settings))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# checks across sections


def parse_duration(text: str, key: str) -> timedelta | None:
    """``"90s"``, ``"5m"``, ``"4h"``, ``"2d"`` or ``"none"`` (no deadline)."""
    text = text.strip().lower()
    if text in ("none", "never", "off", ""):
        return None
    match = re.fullmatch(r"(\d+)\s*([smhd])", text)
    if not match:
        raise ConfigError(f'{key}: "{text}" is not a duration; write e.g. "90s", "5m", "4h", "2d" or "none"')
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def _check_semantics(config: Config) -> None:
    names = config.department_names
    if not config.departments:
        raise ConfigError("departments: none defined; add at least one [[departments]] with a name and a channel")
    for i, dept in enumerate(config.departments):
        where = f"departments[{i}]"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", dept.name):
            raise ConfigError(f'{where}.name: "{dept.name}" must be lowercase letters, digits, - or _ (e.g. "billing")')
        if names.count(dept.name) > 1:
            raise ConfigError(f'{where}.name: department "{dept.name}" is defined twice; merge the two entries')
        if not dept.slack_channel and not dept.teams_channel:
            raise ConfigError(
                f'{where} ("{dept.name}"): routes to no channel; set slack_channel = "#{dept.name}" '
                'and/or teams_channel = "<Teams channel name>"'
            )
        for label in dept.intents:
            if label not in INTENTS:
                raise ConfigError(f'{where}.intents: unknown intent "{label}"; known intents: {", ".join(INTENTS)}')
        _check_deadlines(dept.claim_within, f"{where}.claim_within")
        if dept.claim_expires_after:
            parse_duration(dept.claim_expires_after, f"{where}.claim_expires_after")
    owners: dict[str, str] = {}
    for dept in config.departments:
        for label in dept.intents:
            if label in owners:
                raise ConfigError(
                    f'departments: intent "{label}" is claimed by both "{owners[label]}" and "{dept.name}"; '
                    "give it to one department and use a [[routes]] entry with continue = true to fan out"
                )
            owners[label] = dept.name
    defaults = [d.name for d in config.departments if d.default]
    if len(defaults) > 1:
        raise ConfigError(f"departments: {', '.join(defaults)} are all marked default = true; keep one")
    orphans = [label for label in INTENTS if label not in owners]
    if orphans and not defaults:
        raise ConfigError(
            f"departments: no department owns {', '.join(orphans)}; add them to a department's intents "
            "or mark one department default = true"
        )
    for i, route in enumerate(config.routes):
        where = f"routes[{i}]"
        if route.department not in names:
            raise ConfigError(
                f'{where}: department "{route.department}" is not defined in [[departments]]; '
                f"defined: {', '.join(names)}" + _did_you_mean(route.department, dict.fromkeys(names))
            )
        for label in route.intent:
            if label not in INTENTS:
                raise ConfigError(f'{where}.intent: unknown intent "{label}"; known intents: {", ".join(INTENTS)}')
        if route.min_urgency and route.min_urgency not in URGENCIES:
            raise ConfigError(f'{where}.min_urgency: "{route.min_urgency}" must be one of {", ".join(URGENCIES)}')
        brand_names = {b.name for b in config.brands}
        for brand in route.brand:
            if brand not in brand_names:
                raise ConfigError(f'{where}.brand: brand "{brand}" is not defined in [brands]')
    esc = config.escalation
    _check_deadlines(esc.claim_within, "escalation.claim_within")
    _check_deadlines(esc.resolve_within, "escalation.resolve_within")
    parse_duration(esc.second_level_after, "escalation.second_level_after")
    parse_duration(esc.claim_expires_after, "escalation.claim_expires_after")
    parse_duration(config.grouping.window, "grouping.window")
    parse_duration(config.grouping.spike_window, "grouping.spike_window")
    if not 0 < config.grouping.similarity <= 1:
        raise ConfigError("grouping.similarity: must be between 0 (exclusive) and 1, e.g. 0.4")
    if not config.brands:
        raise ConfigError('brands: none defined; add [brands.<name>] with terms = ["YourBrand", "@yourbrand"]')
    if config.slack.enabled and not (config.slack.signing_secret or config.slack.app_token):
        raise ConfigError(
            "slack.signing_secret: required when slack.bot_token is set (or set slack.app_token for Socket Mode)"
        )
    if config.teams.app_id and not config.teams.app_password:
        raise ConfigError("teams.app_password: required when teams.app_id is set (the bot's client secret)")
    if config.server.max_body_bytes < 1024:
        raise ConfigError("server.max_body_bytes: must be at least 1024")


def _check_deadlines(table: Mapping[str, str], key: str) -> None:
    for level, text in table.items():
        if level not in URGENCIES:
            raise ConfigError(f'{key}: unknown urgency "{level}"; use {", ".join(URGENCIES)}')
        parse_duration(text, f"{key}.{level}")
