"""Which department(s) a classified mention goes to.

``[[routes]]`` are tried in order and the first match wins, unless it says ``continue = true``,
in which case it adds its department and the search goes on (Alertmanager's routing tree, flat).
When no route stops the search, the department that owns the intent gets it, else the default
department. The decision carries its reasons, so the alert can say why it came here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config, RouteConfig
from intents.labels import URGENCY_RANK


@dataclass(frozen=True)
class RouteDecision:
    departments: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def primary(self) -> str:
        return self.departments[0]


def route(
    config: Config, *, intent: str, urgency: str, brand: str = "", lang: str = "", text: str = ""
) -> RouteDecision:
    departments: list[str] = []
    reasons: list[str] = []
    lowered = text.casefold()
    stopped = False
    for index, rule in enumerate(config.routes):
        if not _matches(rule, intent=intent, urgency=urgency, brand=brand, lang=lang, lowered=lowered):
            continue
        if rule.department not in departments:
            departments.append(rule.department)
            reasons.append(f"route #{index + 1} ({describe(rule)})")
        if not rule.continue_:
            stopped = True
            break
    if not stopped:
        owner = owner_of(config, intent)
        if owner not in departments:
            departments.append(owner)
            owns = config.department(owner)
            reasons.append(
                f'{owner} owns "{intent}"' if owns and intent in owns.intents else f"{owner} is the default department"
            )
    return RouteDecision(tuple(departments), tuple(reasons))


def owner_of(config: Config, intent: str) -> str:
    for dept in config.departments:
        if intent in dept.intents:
            return dept.name
    default = next((d.name for d in config.departments if d.default), None)
    return default or config.departments[0].name


def describe(rule: RouteConfig) -> str:
    """A short human description of what a route matches, for the alert's "why" line."""
    parts = []
    for label, values in (
        ("intent", rule.intent),
        ("brand", rule.brand),
        ("lang", rule.lang),
        ("keywords", rule.keywords),
    ):
        if values:
            parts.append(f"{label}={'|'.join(values)}")
    if rule.min_urgency:
        parts.append(f"urgency>={rule.min_urgency}")
    return ", ".join(parts) or "everything"


def _matches(rule: RouteConfig, *, intent: str, urgency: str, brand: str, lang: str, lowered: str) -> bool:
    if rule.intent and intent not in rule.intent:
        return False
    if rule.brand and brand not in rule.brand:
        return False
    if rule.lang and lang not in rule.lang:
        return False
    if rule.keywords and not any(k.casefold() in lowered for k in rule.keywords):
        return False
    return not (rule.min_urgency and URGENCY_RANK.get(urgency, 1) < URGENCY_RANK[rule.min_urgency])
