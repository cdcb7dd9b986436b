"""The Teams alert as an Adaptive Card: pure functions from ``AlertView`` to plain dicts, and back from a click.

No SDK here (the card is JSON; ``teams.py`` attaches it), so the rendering is tested without a Bot
Connector and survives a move off botbuilder. Cards are built as Python dicts and serialized by
``json``, never by string templates, so no post can inject card JSON. Every string that reaches a
markdown ``TextBlock`` or ``FactSet`` goes through ``escape_md``: a post cannot forge bold text, a
link label, an ``<at>`` mention or a ``{{DATE()}}`` function, and cannot start a list or a quote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.alerts import AlertView
from bot.platforms import wording

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
#: Teams refuses bot messages above ~100 KB; stay well under it, then degrade to the compact card.
CARD_SOFT_LIMIT = 80_000
#: Verbs a card button may send; anything else in an invoke is refused.
CARD_VERBS = ("claim", "resolve", "dismiss", "reassign")
TEXT_LIMIT = 1500
COMPACT_TEXT_LIMIT = 300
NOTE_LIMIT = 500
EXAMPLES_SHOWN = 3

# Characters CommonMark (and the Teams TextBlock subset) may treat as syntax anywhere in a line.
# ``{``/``}`` are here for the {{DATE()}}/{{TIME()}} text functions; ``<``/``>``/``&`` for HTML,
# entities, autolinks and ``<at>`` mention tags.
_ALWAYS = frozenset("\\`*_[](){}<>&~|")
_LINE_START = re.compile(r"^(\s*)([#+=-]|\d{1,9}[.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_URGENCY_STYLE = {"critical": "attention", "high": "warning", "normal": "accent", "low": "default"}


def escape_md(text: str) -> str:
    """Make untrusted text render literally in an Adaptive Card TextBlock (CommonMark backslash escapes).

    Newlines are kept as line breaks; leading indentation is dropped (no code blocks); control and
    bidi-override characters are removed.
    """
    text = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        escaped = "".join("\\" + ch if ch in _ALWAYS else ch for ch in line)
        match = _LINE_START.match(escaped)
        if match:  # a heading, list item, setext underline or numbered list would start here
            marker = match.group(2)
            escaped = escaped[: match.start(2)] + (marker[:-1] + "\\" + marker[-1]) + escaped[match.end(2):]
        lines.append(escaped)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def unescape_md(text: str) -> str:
    """What a CommonMark renderer shows for ``escape_md`` output (used by tests to prove nothing is lost)."""
    return _UNESCAPE.sub(r"\1", text)


def safe_url(url: str) -> str:
    """The post's link if it is a plain http(s) URL; empty otherwise (no javascript:, no data:)."""
    url = (url or "").strip()
    if not re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE) or len(url) > 2000:
        return ""
    return url


# -- the card ------------------------------------------------------------------------------------


def alert_card(alert: AlertView, *, compact: bool = False) -> dict[str, Any]:
    """The whole alert: header, facts, the post, why, context, state, and the actions still possible.

    ``compact`` is the degraded form used when the full card is too large for Teams: the post cut
    short, no case examples, and the link to read the rest.
    """
    body: list[dict[str, Any]] = [_header(alert)]
    body.append({"type": "FactSet", "facts": _facts(alert)})
    text, was_cut = wording.cut(alert.text, COMPACT_TEXT_LIMIT if compact else TEXT_LIMIT)
    body.append(_text(escape_md(text) or "_(no text)_", spacing="Medium"))
    if was_cut:
        body.append(_text("(shortened; open the post to read all of it)", subtle=True, size="Small"))
    body.append(_text(escape_md(why_line(alert)), subtle=True, size="Small", italic=True))
    if alert.case_summary:
        body.append(_text("📎 " + escape_md(alert.case_summary), size="Small"))
    if alert.case_examples and not compact:
        for handle, example in alert.case_examples[:EXAMPLES_SHOWN]:
            snippet, _ = wording.cut(example, 200)
            body.append(_text(f"{escape_md(handle or 'someone')}: {escape_md(snippet)}", subtle=True, size="Small"))
    if alert.author_history:
        body.append(_text("👤 " + escape_md(alert.author_history), subtle=True, size="Small"))
    body.extend(_state(alert))
    actions = _actions(alert)
    if actions["inputs"]:
        body.extend(actions["inputs"])
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
        "actions": actions["actions"],
    }
    return card


def card_size(card: dict[str, Any]) -> int:
    """Bytes of the serialized card (what counts against Teams' message limit)."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def fitted_card(alert: AlertView, limit: int = CARD_SOFT_LIMIT) -> dict[str, Any]:
    """The full card, or the compact one when the full card would be too large to send."""
    card = alert_card(alert)
    return card if card_size(card) <= limit else alert_card(alert, compact=True)


def summary(alert: AlertView) -> str:
    """The plain notification preview Teams shows for the card (activity ``summary``)."""
    return f"{alert.urgency} {wording.INTENT_WORDS.get(alert.intent, alert.intent)} · {alert.short_id}"


def why_line(alert: AlertView) -> str:
    parts = [alert.route_reason or "routed by default"]
    if alert.top_intents:
        parts.append(wording.scores(alert.top_intents))
    if alert.urgency_reasons:
        parts.append(", ".join(alert.urgency_reasons))
    return "Why: " + "; ".join(parts)


def status_words(alert: AlertView) -> str:
    if alert.moved_to:
        return f"Moved to {alert.moved_to}"
    words = wording.STATUS_WORDS.get(alert.status, alert.status)
    if alert.status == "claimed" and alert.claimed_by_name:
        return f"{words} by {alert.claimed_by_name}"
    if alert.status in ("resolved", "dismissed") and alert.resolved_by_name:
        return f"{words} by {alert.resolved_by_name}"
    return words


def _header(alert: AlertView) -> dict[str, Any]:
    emoji = wording.URGENCY_EMOJI.get(alert.urgency, "")
    intent = wording.INTENT_WORDS.get(alert.intent, alert.intent)
    title = f"{emoji} {alert.urgency.upper()} · {intent} · {alert.short_id}"
    if alert.purpose == "escalation":
        title = "🚨 ESCALATION · " + title
    return {
        "type": "Container",
        "style": _URGENCY_STYLE.get(alert.urgency, "default"),
        "bleed": True,
        "items": [
            _text(escape_md(title), weight="Bolder", size="Medium"),
            _text(escape_md(status_words(alert)), subtle=True, spacing="None"),
        ],
    }


def _facts(alert: AlertView) -> list[dict[str, str]]:
    author = alert.author_handle or "(unknown author)"
    if alert.author_name and alert.author_name != alert.author_handle:
        author = f"{alert.author_name} ({author})"
    facts = [
        ("Department", alert.department + (f" (this channel: {alert.copy_department})"
                                           if alert.copy_department and alert.copy_department != alert.department
                                           else "")),
        ("Brand", alert.brand or "-"),
        ("Author", f"{author} · {wording.followers(alert.author_followers)}"),
        ("Source", f"{alert.source} · {wording.LANG_WORDS.get(alert.lang, alert.lang)} · "
                   f"{wording.when(alert.created_at)}"),
    ]
    return [{"title": escape_md(title), "value": escape_md(value)} for title, value in facts]


def _state(alert: AlertView) -> list[dict[str, Any]]:
    lines: list[str] = []
    if alert.moved_to:
        lines.append(f"➡️ Reassigned: {alert.moved_to} has this mention now.")
    if alert.status == "claimed" and alert.claimed_by_name:
        lines.append(f"✋ Claimed by {alert.claimed_by_name} at {wording.when(alert.claimed_at)}")
    if alert.status == "resolved":
        line = f"✅ Resolved by {alert.resolved_by_name or 'someone'} at {wording.when(alert.resolved_at)}"
        if alert.note:
            line += f": {wording.cut(alert.note, NOTE_LIMIT)[0]}"
        lines.append(line)
    if alert.status == "dismissed":
        line = f"🚫 Dismissed by {alert.resolved_by_name or 'someone'}"
        if alert.dismissed_reason:
            line += f": {wording.cut(alert.dismissed_reason, NOTE_LIMIT)[0]}"
        lines.append(line)
    if alert.status == "snoozed" and alert.snoozed_until:
        lines.append(f"💤 Snoozed until {wording.when(alert.snoozed_until)}")
    if alert.escalation_level:
        lines.append(f"🚨 Escalated (level {alert.escalation_level})")
    if alert.edited_at:
        lines.append(f"✏️ The author edited the post at {wording.when(alert.edited_at)}")
    if alert.deleted_at:
        lines.append(f"🗑️ The author deleted the post at {wording.when(alert.deleted_at)}")
    return [_text(escape_md(line), weight="Bolder" if i == 0 else "Default", spacing="Medium" if i == 0 else "Small")
            for i, line in enumerate(lines)]


def _actions(alert: AlertView) -> dict[str, list[dict[str, Any]]]:
    actions: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    if alert.open and not alert.moved_to:
        if alert.status != "claimed":
            actions.append(_execute("claim", "Claim", alert.mention_id, style="positive"))
        actions.append(_execute("resolve", "Resolve", alert.mention_id))
        actions.append(_execute("dismiss", "Dismiss", alert.mention_id))
        inputs.append({"type": "Input.Text", "id": "note", "placeholder": "Note for Resolve, or reason for Dismiss "
                       "(optional)", "maxLength": NOTE_LIMIT, "spacing": "Medium"})
        if alert.reassign_options:
            actions.append({
                "type": "Action.ShowCard",
                "title": "Reassign…",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [{
                        "type": "Input.ChoiceSet",
                        "id": "department",
                        "label": "Move to department",
                        "style": "compact",
                        "isRequired": True,
                        "errorMessage": "Pick a department",
                        "value": alert.reassign_options[0],
                        "choices": [{"title": name, "value": name} for name in alert.reassign_options],
                    }],
                    "actions": [_execute("reassign", "Reassign", alert.mention_id)],
                },
            })
    url = safe_url(alert.url)
    if url:
        actions.append({"type": "Action.OpenUrl", "title": "Open post", "url": url})
    return {"actions": actions, "inputs": inputs}


def _execute(verb: str, title: str, mention_id: int, *, style: str = "default") -> dict[str, Any]:
    """A Universal Action button, with an Action.Submit fallback for clients without Action.Execute."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "style": style,
        "data": {"mention": mention_id},
        "fallback": {"type": "Action.Submit", "title": title, "style": style,
                     "data": {"verb": verb, "mention": mention_id}},
    }


def _text(text: str, *, subtle: bool = False, size: str = "Default", weight: str = "Default",
          spacing: str = "Default", italic: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": f"_{text}_" if italic and text else text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if size != "Default":
        block["size"] = size
    if weight != "Default":
        block["weight"] = weight
    if spacing != "Default":
        block["spacing"] = spacing
    return block


# -- a click back into an action -----------------------------------------------------------------


@dataclass(frozen=True)
class CardAction:
    """A button press, validated: what the platform hands to the core as an ``Action``."""

    verb: str
    mention: int
    note: str = ""
    department: str = ""


def parse_action(verb: Any, data: Any) -> CardAction | str:
    """Read an Action.Execute (verb + data) or Action.Submit (data with ``verb``); a str is the refusal."""
    if not isinstance(data, dict):
        return "the card action carried no data"
    verb = verb or data.get("verb")
    if not isinstance(verb, str) or verb not in CARD_VERBS:
        return f'"{str(verb)[:40]}" is not a card action; use {", ".join(CARD_VERBS)}'
    raw = data.get("mention")
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str):
        raw = raw.strip().upper().removeprefix("M-")
        raw = int(raw) if raw.isdigit() and len(raw) < 12 else None
    if not isinstance(raw, int) or raw <= 0:
        return "the card action does not say which mention it is for"
    note = data.get("note") if isinstance(data.get("note"), str) else ""
    department = data.get("department") if isinstance(data.get("department"), str) else ""
    return CardAction(verb, raw, note.strip()[:NOTE_LIMIT], department.strip().lower()[:60])


def thread_text(line: str) -> str:
    """A quiet line for the alert's thread, escaped like card text."""
    return escape_md(line)
