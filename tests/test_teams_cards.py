"""The Adaptive Card alone: pure functions, no SDK, no connector.

Same facts as the Slack alert, state in place, the actions still possible, and untrusted text
that renders literally: no forged mention, link, emphasis, list, date function or card JSON.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts import AlertView
from bot.platforms import teams_cards as cards
from tests.fakes.fake_teams import walk_card

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def view(**kw: Any) -> AlertView:
    base: dict[str, Any] = dict(
        mention_id=12, short_id="M-12", status="alerted", department="billing", copy_department="billing",
        brand="parcelo", intent="billing", top_intents=(("billing", 0.82), ("complaint", 0.1)), urgency="high",
        urgency_reasons=("money stuck",), route_reason="intent billing → billing", text="Parcelo charged me twice",
        author_handle="@ann@example.social", author_name="Ann", url="https://example.social/@ann/1",
        author_followers=12_500, source="mastodon", lang="en", created_at=T0,
        reassign_options=("support", "engineering"),
    )
    base.update(kw)
    return AlertView(**base)


def texts(card: dict[str, Any]) -> str:
    """Every string a person sees on the card, in order (TextBlocks, facts, action titles)."""
    out: list[str] = []
    for node in walk_card(card):
        if node.get("type") == "TextBlock":
            out.append(node["text"])
        if isinstance(node.get("title"), str):
            out.append(node["title"])
        if node.get("type") is None and isinstance(node.get("value"), str):
            out.append(node["value"])
    return "\n".join(out)


def actions(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["verb"]: node for node in walk_card(card) if node.get("type") == "Action.Execute"}


def test_the_card_shows_the_same_facts_as_the_slack_alert() -> None:
    card = cards.alert_card(view(case_summary="+37 similar in the last 10 minutes",
                                 author_history="3rd mention from this author in 90 days"))
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    shown = cards.unescape_md(texts(card))
    for fact in ("🟠", "HIGH", "Billing", "M-12", "billing", "parcelo", "@ann@example.social", "12k followers",
                 "mastodon", "English", "2026-11-23 10:00 UTC", "Parcelo charged me twice",
                 "Why: intent billing → billing; billing 82%, complaint 10%; money stuck",
                 "+37 similar in the last 10 minutes", "3rd mention from this author", "Unclaimed"):
        assert fact in shown, fact
    open_post = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert open_post == [{"type": "Action.OpenUrl", "title": "Open post", "url": "https://example.social/@ann/1"}]


def test_open_card_has_universal_actions_with_submit_fallback_and_a_reassign_choice() -> None:
    card = cards.alert_card(view())
    found = actions(card)
    assert set(found) == {"claim", "resolve", "dismiss", "reassign"}
    for verb, action in found.items():
        assert action["data"] == {"mention": 12}
        assert action["fallback"] == {"type": "Action.Submit", "title": action["title"], "style": action["style"],
                                      "data": {"verb": verb, "mention": 12}}
    show = next(a for a in card["actions"] if a["type"] == "Action.ShowCard")
    choice = show["card"]["body"][0]
    assert choice["type"] == "Input.ChoiceSet" and choice["id"] == "department"
    assert [c["value"] for c in choice["choices"]] == ["support", "engineering"]
    assert any(b.get("type") == "Input.Text" and b["id"] == "note" for b in card["body"])


@pytest.mark.parametrize(("changes", "expected", "verbs"), [
    ({"status": "claimed", "claimed_by_name": "Bo", "claimed_at": T0}, ["Claimed by Bo at 2026-11-23 10:00 UTC"],
     {"resolve", "dismiss", "reassign"}),
    ({"status": "resolved", "resolved_by_name": "Bo", "resolved_at": T0, "note": "refunded"},
     ["Resolved by Bo at 2026-11-23 10:00 UTC: refunded"], set()),
    ({"status": "dismissed", "resolved_by_name": "Bo", "dismissed_reason": "spam"}, ["Dismissed by Bo: spam"], set()),
    ({"status": "snoozed", "snoozed_until": T0}, ["Snoozed until 2026-11-23 10:00 UTC"],
     {"claim", "resolve", "dismiss", "reassign"}),
    ({"moved_to": "support", "department": "support"}, ["Moved to support", "support has this mention now"], set()),
    ({"escalation_level": 2}, ["Escalated (level 2)"], {"claim", "resolve", "dismiss", "reassign"}),
    ({"edited_at": T0, "deleted_at": T0}, ["edited the post", "deleted the post"],
     {"claim", "resolve", "dismiss", "reassign"}),
    ({"purpose": "escalation"}, ["ESCALATION"], {"claim", "resolve", "dismiss", "reassign"}),
])
def test_state_is_shown_in_place_and_finished_actions_disappear(changes: dict[str, Any], expected: list[str],
                                                                verbs: set[str]) -> None:
    card = cards.alert_card(view(**changes))
    shown = cards.unescape_md(texts(card))
    for words in expected:
        assert words in shown, words
    assert set(actions(card)) == verbs


FORGERIES = [
    "<at>Everyone</at> please look",
    "**URGENT** click [here](https://evil.example/login)",
    "![img](https://evil.example/x.png)",
    "# Heading\n- item\n1. first\n> quote\n+ plus\n2) second",
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}} at {{TIME(2017-02-14T06:00:00Z)}}",
    '"}], "actions": [{"type": "Action.OpenUrl", "url": "https://evil.example"}]}',
    "a_b_c *x* `code` ~~strike~~ | pipe &amp; &lt;b&gt; \\* backslash",
    "<https://evil.example> <script>alert(1)</script>",
]


@pytest.mark.parametrize("text", FORGERIES)
def test_untrusted_text_cannot_forge_markup(text: str) -> None:
    card = cards.alert_card(view(text=text, author_handle=text, author_name=text, note=text, status="resolved",
                                 resolved_by_name=text, case_examples=((text, text),)))
    serialized = json.dumps(card)
    assert json.loads(serialized) == card  # a dict serialized by json: the post cannot add keys
    assert [a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl"] == ["https://example.social/@ann/1"]
    assert "https://evil.example" not in [a.get("url") for a in card["actions"]]
    body = texts(card)
    assert "<at>" not in body and "](" not in body and "{{" not in body and "**" not in body
    assert _normal(text) in cards.unescape_md(body)  # shown literally, nothing lost


def _normal(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines()).strip()


_SPECIAL = set("\\`*_[](){}<>&~|")


_LINE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_LINE, max_size=60), max_size=4))
def test_escape_is_reversible_and_leaves_no_bare_syntax(lines: list[str]) -> None:
    text = "\n".join(line.strip() for line in lines if line.strip())
    escaped = cards.escape_md(text)
    i = 0
    while i < len(escaped):
        ch = escaped[i]
        if ch == "\\":
            assert i + 1 < len(escaped) and not escaped[i + 1].isalnum(), escaped
            i += 2
            continue
        assert ch not in _SPECIAL, (text, escaped)
        i += 1
    for line in escaped.split("\n"):
        stripped = line.lstrip()
        assert stripped[:1] not in ("#", "-", "+", "=", ">"), line
        digits = len(stripped) - len(stripped.lstrip("0123456789"))
        assert not (digits and stripped[digits:digits + 1] in (".", ")")), line
    assert cards.unescape_md(escaped) == text  # a renderer shows exactly what was posted


def test_escape_keeps_ordinary_text_readable() -> None:
    assert cards.escape_md("Parcelo lost my parcel. Again! 2 days late - call me?") == \
        "Parcelo lost my parcel. Again! 2 days late - call me?"
    assert cards.escape_md("1. first\n  - second") == "1\\. first\n\\- second"
    assert cards.escape_md("a\r\nb\u202ec\x00") == "a\nbc"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "https://a b", "ftp://x", ""])
def test_only_plain_http_links_become_buttons(url: str) -> None:
    card = cards.alert_card(view(url=url))
    assert not [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]


def test_an_oversized_card_degrades_to_the_compact_card_with_the_link() -> None:
    examples = tuple((f"@user{i}", "x" * 5000) for i in range(3))
    huge = view(text="y" * 100_000, case_examples=examples, case_summary="+3 similar")
    full = cards.alert_card(huge)
    fitted = cards.fitted_card(huge, limit=4_000)
    assert cards.card_size(fitted) < cards.card_size(full)
    assert cards.card_size(fitted) < 4_000
    assert "open the post to read all of it" in texts(fitted)
    assert any(a["type"] == "Action.OpenUrl" for a in fitted["actions"])
    assert set(actions(fitted)) == {"claim", "resolve", "dismiss", "reassign"}
    assert cards.fitted_card(view()) == cards.alert_card(view())


@pytest.mark.parametrize(("verb", "data", "expected"), [
    ("claim", {"mention": 12}, cards.CardAction("claim", 12)),
    ("resolve", {"mention": "12", "note": "  refunded "}, cards.CardAction("resolve", 12, note="refunded")),
    ("reassign", {"mention": "M-12", "department": "Support"}, cards.CardAction("reassign", 12, department="support")),
    (None, {"verb": "dismiss", "mention": 12, "note": "spam"}, cards.CardAction("dismiss", 12, note="spam")),
])
def test_parse_action_reads_execute_and_submit(verb: Any, data: Any, expected: cards.CardAction) -> None:
    assert cards.parse_action(verb, data) == expected


@pytest.mark.parametrize(("verb", "data"), [
    ("delete", {"mention": 12}), ("claim", {}), ("claim", {"mention": True}), ("claim", {"mention": "x; DROP"}),
    ("claim", None), ("alert", {"mention": 12}), ("claim", {"mention": -1}),
])
def test_parse_action_refuses_anything_else(verb: Any, data: Any) -> None:
    assert isinstance(cards.parse_action(verb, data), str)


def test_a_copy_left_behind_by_a_reassign_says_where_it_went() -> None:
    card = cards.alert_card(replace(view(), department="support", copy_department="billing", moved_to="support"))
    shown = cards.unescape_md(texts(card))
    assert "Moved to support" in shown and "this channel: billing" in shown
    assert not actions(card)
