"""Block Kit rendering: what an alert shows in each state, escaping, and Block Kit's limits."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts import AlertView
from bot.platforms import slack_blocks as sb
from bot.platforms.slack_text import escape, link, ping, safe_url, unwrap
from tests.fakes.fake_slack import block_kit_problems

pytestmark = pytest.mark.timeout(15)

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HOSTILE = [
    "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<https://evil.example|bank.com>",
    "<!subteam^S0ONCALL>", "<!date^1^{date}|x>",
]


def make_view(**changes: Any) -> AlertView:
    base = AlertView(
        mention_id=42, short_id="M-42", status="alerted", department="billing", copy_department="billing",
        brand="parcelo", intent="billing", top_intents=(("billing", 0.9), ("complaint", 0.06)), urgency="high",
        urgency_reasons=("author has 12k followers",), route_reason="intent billing → billing",
        text="Parcelo charged me twice for one parcel", author_handle="@ann@example.social", author_name="Ann",
        url="https://example.social/@ann/1", author_followers=12_345, source="mastodon", lang="en", created_at=AT,
        reassign_options=("support", "engineering", "security"),
    )
    return replace(base, **changes)


def all_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def strings(message: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            out.append(node)

    walk(message)
    return out


def action_ids(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_open_alert_shows_what_matters_at_a_glance() -> None:
    message = sb.render_alert(make_view())
    header = message["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == ":large_orange_circle: High · Billing · M-42"
    text = all_text(message)
    for fact in ("*@ann@example.social* (Ann)", "12k followers", "Parcelo charged me twice", "*billing*",
                 "brand parcelo", "mastodon", "English", "2026-11-23 10:00 UTC", "Open post", "Unclaimed"):
        assert fact in text, fact
    assert message["text"].startswith("High Billing M-42 for billing: @ann@example.social: Parcelo")
    assert action_ids(message) == [sb.CLAIM, sb.RESOLVE, sb.DISMISS, sb.REASSIGN, sb.MORE]
    select = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == sb.REASSIGN)
    assert [o["value"] for o in select["options"]] == ["support", "engineering", "security"]
    assert block_kit_problems(message["blocks"]) == []


def test_the_why_line_names_route_scores_and_urgency_reasons() -> None:
    why = sb.render_alert(make_view())["blocks"][-1]
    assert why["type"] == "context"
    assert why["elements"][0]["text"] == (
        "Why here: intent billing → billing · intent billing 90%, complaint 6% · high: author has 12k followers"
    )


def test_buttons_and_block_id_carry_only_the_mention_id() -> None:
    message = sb.render_alert(make_view())
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert actions["block_id"] == "M-42"
    assert {e["value"] for e in actions["elements"] if e["type"] == "button"} == {"M-42"}


def test_claimed_alert_names_the_claimer_and_offers_resolve_and_unclaim() -> None:
    message = sb.render_alert(make_view(status="claimed", claimed_by_name="Bob Builder", claimed_at=AT))
    assert ":raising_hand: *Claimed* by Bob Builder · <!date^" in all_text(message)
    assert action_ids(message) == [sb.RESOLVE, sb.UNCLAIM, sb.DISMISS, sb.REASSIGN, sb.MORE]
    assert "[Claimed]" in message["text"]


def test_finished_alerts_keep_only_reopen() -> None:
    resolved = sb.render_alert(make_view(status="resolved", resolved_by_name="Bob", resolved_at=AT,
                                         note="refunded the second charge"))
    assert action_ids(resolved) == [sb.REOPEN]
    assert "*Resolved* by Bob" in all_text(resolved) and "refunded the second charge" in all_text(resolved)
    dismissed = sb.render_alert(make_view(status="dismissed", resolved_by_name="Eve", dismissed_reason="spam"))
    assert action_ids(dismissed) == [sb.REOPEN]
    assert "_Reason:_ spam" in all_text(dismissed)


def test_snoozed_escalated_and_edited_states_are_shown() -> None:
    text = all_text(sb.render_alert(make_view(status="snoozed", snoozed_until=AT, escalation_level=2, edited_at=AT)))
    assert ":zzz: *Snoozed* until" in text
    assert "Escalated again (level 2)" in text
    assert "Edited by the author" in text
    deleted = all_text(sb.render_alert(make_view(deleted_at=AT)))
    assert "The author deleted this post" in deleted


def test_a_copy_that_moved_says_where_and_has_no_buttons() -> None:
    message = sb.render_alert(make_view(copy_department="billing", department="support", moved_to="support"))
    assert action_ids(message) == []
    assert "*Moved to support*" in all_text(message)


def test_escalation_copy_case_and_author_history() -> None:
    message = sb.render_alert(make_view(
        purpose="escalation", case_summary="+37 similar in the last 10 minutes, 3 sources",
        case_examples=(("@bob@x.social", "also charged twice <!here>"),), author_history="3rd mention in 90 days",
    ))
    text = all_text(message)
    assert message["blocks"][0]["text"]["text"].startswith(":large_orange_circle: :rotating_light: Escalated")
    assert "+37 similar" in text and "*@bob@x.social*: also charged twice &lt;!here&gt;" in text
    assert ":busts_in_silhouette: 3rd mention in 90 days" in text


def test_hostile_post_text_names_and_notes_cannot_ping_or_disguise_links() -> None:
    evil = " ".join(HOSTILE) + " @here @channel @everyone & done"
    message = sb.render_alert(make_view(text=evil, author_handle=evil, author_name=evil, status="resolved",
                                        resolved_by_name=evil, note=evil, case_examples=((evil, evil),),
                                        case_summary=evil, author_history=evil))
    sent = "\n".join(strings(message))
    for raw in HOSTILE:
        assert raw not in sent
    assert "&lt;!channel&gt;" in sent and "&lt;https://evil.example|bank.com&gt;" in sent
    assert re.search(r"@(here|channel|everyone)\b", sent) is None
    assert "&amp; done" in sent
    # the only control sequences left are our own dates and the link to the post
    for sequence in re.findall(r"<[^>]*>", sent):
        assert sequence.startswith(("<!date^", "<https://example.social/@ann/1|")), sequence


def test_long_text_is_cut_at_a_word_with_a_link_to_the_original() -> None:
    message = sb.render_alert(make_view(text="word " * 2000))
    section = message["blocks"][1]["text"]["text"]
    assert section.endswith("… <https://example.social/@ann/1|Read the full post>")
    assert "wor…" not in section
    assert len(section) <= sb.MAX_TEXT
    assert block_kit_problems(message["blocks"]) == []


def test_text_that_grows_when_escaped_still_fits() -> None:
    message = sb.render_alert(make_view(text="<>&" * 3000 + "\n" * 500 + "x\n" * 500))
    assert block_kit_problems(message["blocks"]) == []
    assert sb.message_chars(message) <= sb.MESSAGE_BUDGET


def test_unsafe_urls_are_never_linked() -> None:
    for url in ("javascript:alert(1)", "https://evil.example|bank.com", "https://x.example/a>b<c", "ftp://x"):
        message = sb.render_alert(make_view(url=url, text="word " * 1000))
        for sequence in re.findall(r"<[^>]*>", "\n".join(strings(message))):
            assert sequence.startswith("<!date^") or "|bank.com>" not in sequence, sequence
            assert "javascript:" not in sequence and "ftp:" not in sequence
    assert safe_url("https://x.example/a|b>c") == "https://x.example/a%7Cb%3Ec"
    assert link("javascript:alert(1)", "x") == "x"


def test_compact_alert_is_small_and_keeps_the_buttons() -> None:
    message = sb.render_alert(make_view(text="word " * 2000, author_history="x"), compact=True)
    assert len(message["blocks"]) <= 6
    assert action_ids(message)[0] == sb.CLAIM
    assert sb.message_chars(message) < 1500


def test_thread_lines_escape_and_only_ping_when_asked() -> None:
    assert sb.render_thread_line("Claimed by <@U999> @here.") == "Claimed by &lt;@U999&gt; @\u2060here."
    assert sb.render_thread_line("Unclaimed for 5m", "S0ONCALL") == "<!subteam^S0ONCALL> Unclaimed for 5m"
    assert sb.render_thread_line("x", "U0ANN") == "<@U0ANN> x"
    assert sb.render_thread_line("x", "<!channel>") == "x"
    assert ping("security-team") == ""


def test_command_text_is_unwrapped_to_the_words_typed() -> None:
    assert unwrap("reassign M-4 <#C0BILLING|billing>") == "reassign M-4 #billing"
    assert unwrap("resolve M-4 told <@U0BOB|bob> &amp; <https://x.example|x.example> &lt;3") == (
        "resolve M-4 told @bob & https://x.example <3"
    )
    assert unwrap("list <!subteam^S1|@oncall>") == "list @oncall"
    assert escape("a <b> & c") == "a &lt;b&gt; &amp; c"


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=4000)


@settings(max_examples=60, deadline=None)
@given(text=_TEXT, handle=st.text(max_size=400), note=st.text(max_size=3000),
       status=st.sampled_from(["new", "alerted", "claimed", "snoozed", "resolved", "dismissed", "silenced"]),
       options=st.lists(st.text(min_size=1, max_size=120), max_size=150), url=st.text(max_size=200))
def test_any_alert_fits_block_kit_and_never_pings(text: str, handle: str, note: str, status: str,
                                                   options: list[str], url: str) -> None:
    view = make_view(text=text, author_handle=handle, author_name=handle, note=note, dismissed_reason=note,
                     claimed_by_name=handle, resolved_by_name=handle, status=status, url=url,
                     case_examples=tuple((handle, note) for _ in range(6)), case_summary=note,
                     reassign_options=tuple(options))
    for compact in (False, True):
        message = sb.render_alert(view, compact=compact)
        assert block_kit_problems(message["blocks"]) == []
        assert sb.message_chars(message) <= sb.MESSAGE_BUDGET
        sent = "\n".join(strings(message))
        assert "<!channel>" not in sent and "<!here>" not in sent and "<!everyone>" not in sent
        assert "<@" not in sent and "<#" not in sent
        assert message["text"]


def test_rendering_modules_do_not_import_bolt_or_the_sdk() -> None:
    for name in ("slack_blocks.py", "slack_text.py"):
        tree = ast.parse(Path("bot/platforms", name).read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m.startswith(("slack_bolt", "slack_sdk"))}, name
