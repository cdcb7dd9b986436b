"""Slack text in and out: escaping untrusted strings for mrkdwn, and unwrapping what Slack sends us.

Outbound, anything a stranger wrote (post text, author names, notes) must not ping a channel, a
group or a person, nor disguise a link. Slack only turns ``<!channel>``, ``<@U1>``, ``<#C1>`` and
``<url|label>`` into pings and links, so escaping ``&``, ``<`` and ``>`` disarms all of them; bare
``@here`` is only parsed with ``parse=full``/``link_names``, which we never send, and is broken with
a word joiner anyway so a later change of those flags cannot re-arm it.

Inbound, a slash command's text arrives with Slack's own markup (``<#C1|billing>``,
``<@U1|ann>``, ``&lt;``): unwrapping it gives the words the person typed.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

#: U+2060 WORD JOINER: invisible, keeps ``@here`` readable but no longer the keyword Slack parses.
_JOINER = "\u2060"
_BROADCAST = re.compile(r"@(here|channel|everyone|group)\b", re.IGNORECASE)
_SLACK_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_PING_TARGET = re.compile(r"^(S|U|W)[A-Z0-9]{2,30}$")
MAX_URL = 3000


def escape(text: str) -> str:
    """Make untrusted text inert in mrkdwn: no pings, no links with fake labels, no broadcast words."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + _JOINER + m.group(1), text)


def escape_inline(text: str, limit: int = 200) -> str:
    """Escape a one-line value (a name, a handle): newlines folded, length bounded before escaping."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return escape(flat)


def safe_url(url: str) -> str:
    """An http(s) URL that cannot break out of ``<url|label>`` or a button; empty when unusable."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    cleaned = quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")
    return cleaned if len(cleaned) <= MAX_URL else ""


def link(url: str, label: str) -> str:
    """``<url|label>`` with a safe URL and an escaped label, or just the label when the URL is unsafe."""
    target = safe_url(url)
    # a label is mrkdwn inside the link; "|" and ">" would end it early, escape() handles ">"
    text = escape(label).replace("|", "¦")
    return f"<{target}|{text}>" if target else text


def ping(target: str) -> str:
    """The one way Siloless mentions someone: an on-call user group (``S…``) or user (``U…``/``W…``)."""
    target = target.strip()
    if not _PING_TARGET.match(target):
        return ""
    return f"<!subteam^{target}>" if target.startswith("S") else f"<@{target}>"


def unwrap(text: str) -> str:
    """Slack's command markup → the words typed: ``<#C1|billing>`` → ``#billing``, ``<@U1|ann>`` → ``@ann``."""

    def one(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("!"):
            name = label or target[1:].split("^", 1)[-1]
            return name if name.startswith("@") else "@" + name
        return target  # a link: keep the URL, drop Slack's display label

    text = _SLACK_MARKUP.sub(one, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
