"""The alert as a Block Kit message: pure functions from ``AlertView`` to the JSON Slack takes.

One module renders every Slack message Siloless sends, so escaping happens in one place (every
untrusted string passes through ``slack_text.escape``) and Block Kit's limits are respected by
construction: post text is cut to fit before it is wrapped, lists are bounded, and a button's
``value`` and the actions ``block_id`` carry only the mention id (the rest is looked up server
side). Nothing here talks to Slack or imports bolt, so it is tested without a network.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.alerts import AlertView
from bot.platforms import wording
from bot.platforms.slack_text import escape, escape_inline, link, ping, safe_url

# action ids: the listeners match on these (constants, never built from data)
CLAIM = "siloless_claim"
UNCLAIM = "siloless_unclaim"
RESOLVE = "siloless_resolve"
DISMISS = "siloless_dismiss"
REOPEN = "siloless_reopen"
REASSIGN = "siloless_reassign"
MORE = "siloless_more"
#: button action id → lifecycle verb
BUTTON_VERBS = {CLAIM: "claim", UNCLAIM: "unclaim", RESOLVE: "resolve", DISMISS: "dismiss", REOPEN: "reopen"}
#: "More" menu option value → (verb, argument); the argument is a duration or a dismiss reason
MORE_OPTIONS: dict[str, tuple[str, str, str]] = {
    "snooze_1h": ("snooze", "1h", "Snooze 1 hour"),
    "snooze_4h": ("snooze", "4h", "Snooze 4 hours"),
    "snooze_1d": ("snooze", "1d", "Snooze 1 day"),
    "not_relevant": ("dismiss", "not relevant", "Dismiss: not about us"),
}

# Block Kit limits (docs.slack.dev/reference/block-kit), and our own budget well below the ~13k
# characters at which Slack starts refusing messages that are within every documented limit.
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MESSAGE_BUDGET = 8000
POST_TEXT_CHARS = 1200
POST_LINES = 14
COMPACT_POST_TEXT_CHARS = 280
EXAMPLES = 3

_STATE_EMOJI = {
    "new": ":hourglass_flowing_sand:",
    "alerted": ":hourglass_flowing_sand:",
    "claimed": ":raising_hand:",
    "snoozed": ":zzz:",
    "resolved": ":white_check_mark:",
    "dismissed": ":no_entry_sign:",
    "silenced": ":mute:",
}
_OPEN = ("new", "alerted", "snoozed")
_FINISHED = ("resolved", "dismissed", "silenced")


def render_alert(view: AlertView, *, compact: bool = False) -> dict[str, Any]:
    """``{"text", "blocks"}`` for ``chat.postMessage``/``chat.update``.

    ``compact`` drops everything but the essentials: the fallback when Slack refuses the full
    message (``invalid_blocks``, ``msg_blocks_too_long``) so the alert still arrives.
    """
    blocks: list[dict[str, Any]] = [_header(view)]
    blocks.append(_mrkdwn_section(_author_and_post(view, compact)))
    blocks.append(_context([_facts(view)]))
    blocks.append(_mrkdwn_section(_state(view)))
    if not compact:
        blocks.extend(_extras(view))
    actions = _actions(view)
    if actions is not None:
        blocks.append(actions)
    if not compact:
        blocks.append(_context([_why(view)]))
    return {"text": fallback_text(view), "blocks": blocks}


def fallback_text(view: AlertView) -> str:
    """The notification and screen-reader line; always sent with the blocks."""
    snippet, _ = wording.cut(" ".join(view.text.split()), 150)
    urgency = view.urgency.capitalize()
    intent = wording.INTENT_WORDS.get(view.intent, view.intent)
    state = "" if view.status in ("new", "alerted") else f" [{_status_word(view)}]"
    return escape(f"{urgency} {intent} {view.short_id} for {view.department}{state}: "
                  f"{' '.join(view.author_handle.split())[:100]}: {snippet}")


def render_thread_line(text: str, ping_target: str = "") -> str:
    """A quiet thread reply: the core's line, escaped; a ping (``<!subteam^S…>``) only when asked."""
    mention = ping(ping_target) if ping_target else ""
    line = escape(text[:MAX_TEXT - 100])
    return f"{mention} {line}" if mention else line


def render_answer(text: str) -> str:
    """An ephemeral answer to a person: the core's reply text, escaped (it may quote post text)."""
    return escape(text[:MAX_TEXT - 100])


# -- pieces ----------------------------------------------------------------------------------


def _header(view: AlertView) -> dict[str, Any]:
    emoji = wording.URGENCY_SLACK.get(view.urgency, ":white_circle:")
    intent = wording.INTENT_WORDS.get(view.intent, view.intent)
    prefix = ":rotating_light: Escalated · " if view.purpose == "escalation" else ""
    text = f"{emoji} {prefix}{view.urgency.capitalize()} · {intent} · {view.short_id}"
    return {"type": "header", "text": {"type": "plain_text", "text": text[:MAX_HEADER], "emoji": True}}


def _author_and_post(view: AlertView, compact: bool) -> str:
    handle = escape_inline(view.author_handle or "unknown author", 100)
    name = escape_inline(view.author_name, 80)
    who = f"*{handle}*" + (f" ({name})" if name and view.author_name != view.author_handle else "")
    who += f" · {wording.followers(view.author_followers)}"
    if view.deleted_at is not None:
        who += f"\n:wastebasket: _The author deleted this post {_time(view.deleted_at)}._"
    elif view.edited_at is not None:
        who += f"\n:pencil2: _Edited by the author {_time(view.edited_at)}._"
    budget = MAX_TEXT - len(who) - 200
    limit = COMPACT_POST_TEXT_CHARS if compact else POST_TEXT_CHARS
    return who + "\n" + _quote(view.text, view.url, limit, budget)


def _quote(text: str, url: str, limit: int, budget: int) -> str:
    """The post as a mrkdwn quote, cut at a word boundary to fit ``budget`` once escaped."""
    raw = [" ".join(line.split()) for line in text.strip().splitlines()]
    lines = [line for i, line in enumerate(raw) if line or (i and raw[i - 1])]  # one blank line at most
    cut_any = len(lines) > POST_LINES
    flat = "\n".join(lines[:POST_LINES]) or "(no text)"
    while True:
        body, was_cut = wording.cut(flat, limit)
        quoted = "\n".join("> " + escape(line) if line else ">" for line in body.splitlines())
        more = " " + link(url, "Read the full post") if (was_cut or cut_any) and safe_url(url) else ""
        if len(quoted) + len(more) <= budget or limit <= 40:
            return quoted + more
        limit = max(40, int(limit * 0.7))


def _facts(view: AlertView) -> str:
    lang = wording.LANG_WORDS.get(view.lang, view.lang)
    parts = [
        f"*{escape_inline(view.department, 60)}*",
        f"brand {escape_inline(view.brand, 60)}" if view.brand else "",
        escape_inline(view.source, 40),
        escape_inline(lang, 40),
        _time(view.created_at),
        link(view.url, "Open post") if safe_url(view.url) else "",
    ]
    return " · ".join(p for p in parts if p)


def _state(view: AlertView) -> str:
    if view.moved_to:
        return f":arrow_right: *Moved to {escape_inline(view.moved_to, 60)}*: it is followed up there."
    emoji = _STATE_EMOJI.get(view.status, ":grey_question:")
    line = f"{emoji} *{_status_word(view)}*"
    if view.status == "claimed" and view.claimed_by_name:
        line += f" by {escape_inline(view.claimed_by_name, 80)}{_at(view.claimed_at)}"
    elif view.status == "snoozed" and view.snoozed_until is not None:
        line += f" until {_time(view.snoozed_until)}"
        if view.claimed_by_name:
            line += f" (claimed by {escape_inline(view.claimed_by_name, 80)})"
    elif view.status in ("resolved", "dismissed") and view.resolved_by_name:
        line += f" by {escape_inline(view.resolved_by_name, 80)}{_at(view.resolved_at)}"
    elif view.status in ("new", "alerted"):
        line += ": waiting for someone to claim it"
    if view.status == "resolved" and view.note:
        line += f"\n_Note:_ {escape(_one_para(view.note, 500))}"
    if view.status == "dismissed" and view.dismissed_reason:
        line += f"\n_Reason:_ {escape(_one_para(view.dismissed_reason, 500))}"
    if view.escalation_level and view.status not in _FINISHED:
        level = "again" if view.escalation_level > 1 else "to on-call"
        line += f"\n:rotating_light: Escalated {level} (level {view.escalation_level})"
    return line


def _extras(view: AlertView) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if view.case_summary or view.case_examples:
        lines = [f":link: {escape(_one_para(view.case_summary, 300))}"] if view.case_summary else []
        for handle, text in view.case_examples[:EXAMPLES]:
            lines.append(f"• *{escape_inline(handle, 60)}*: {escape(_one_para(text, 160))}")
        out.append(_context(["\n".join(lines)]))
    if view.author_history:
        out.append(_context([f":busts_in_silhouette: {escape(_one_para(view.author_history, 300))}"]))
    return out


def _actions(view: AlertView) -> dict[str, Any] | None:
    if view.moved_to:
        return None
    sid = view.short_id
    elements: list[dict[str, Any]]
    if view.status in _FINISHED:
        elements = [_button("Reopen", REOPEN, sid)]
    elif view.status == "claimed":
        elements = [_button("Resolve", RESOLVE, sid, "primary"), _button("Unclaim", UNCLAIM, sid),
                    _button("Dismiss", DISMISS, sid)]
    elif view.status in _OPEN:
        elements = [_button("Claim", CLAIM, sid, "primary"), _button("Resolve", RESOLVE, sid),
                    _button("Dismiss", DISMISS, sid)]
    else:
        return None
    if view.status not in _FINISHED:
        select = _reassign_select(view.reassign_options)
        if select["options"]:
            elements.append(select)
        elements.append(_more_menu())
    return {"type": "actions", "block_id": sid, "elements": elements}


def _button(label: str, action_id: str, sid: str, style: str = "") -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "value": sid,
                              "text": {"type": "plain_text", "text": label, "emoji": True}}
    if style:
        button["style"] = style
    return button


def _reassign_select(departments: tuple[str, ...]) -> dict[str, Any]:
    names = [name for name in departments if name.strip() and len(name) <= MAX_OPTION_VALUE][:MAX_OPTIONS]
    options = [_option(name[:MAX_OPTION_TEXT], name) for name in names]
    return {"type": "static_select", "action_id": REASSIGN, "options": options,
            "placeholder": {"type": "plain_text", "text": "Reassign to…", "emoji": True}}


def _more_menu() -> dict[str, Any]:
    return {"type": "overflow", "action_id": MORE,
            "options": [_option(label, value) for value, (_verb, _arg, label) in MORE_OPTIONS.items()]}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}


def _why(view: AlertView) -> str:
    parts = [f"Why here: {escape(_one_para(view.route_reason or 'default department', 300))}"]
    if view.top_intents:
        parts.append(f"intent {escape(wording.scores(view.top_intents))}")
    if view.urgency_reasons:
        parts.append(f"{view.urgency}: {escape(_one_para(', '.join(view.urgency_reasons), 300))}")
    return " · ".join(parts)


# -- helpers ---------------------------------------------------------------------------------


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def _context(texts: list[str]) -> dict[str, Any]:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": t[:MAX_TEXT]} for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def _one_para(text: str, limit: int) -> str:
    return wording.cut(" ".join(text.split()), limit)[0]


def _status_word(view: AlertView) -> str:
    return wording.STATUS_WORDS.get(view.status, view.status.capitalize())


def _at(moment: datetime | None) -> str:
    return f" · {_time(moment)}" if moment is not None else ""


def _time(moment: datetime | None) -> str:
    """A time every reader sees in their own time zone; the UTC text is the fallback."""
    if moment is None:
        return ""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{wording.when(moment)}>"


def message_chars(message: dict[str, Any]) -> int:
    """Characters of text in a message's blocks: what Slack's undocumented size cap counts."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return total
