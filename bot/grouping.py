"""Cases, not pings: similar mentions join one open case, and spikes raise the case's urgency.

A viral complaint reposted 300 times must be one alert that grows, not 300 pings. A new mention joins
an open case (status ``grouped``, ``case_id`` = the case's first mention) when, within
``[grouping].window`` and for the same brand, it

- continues the same conversation (a reply or quote in a tracked thread, or the same post reposted),
- links the same URL, or
- says nearly the same thing: Jaccard similarity of character 4-gram shingles of the normalised text
  (lower case, accents, links, @handles, ``#`` and punctuation removed) at or above
  ``[grouping].similarity``. Character shingles work for short posts in English and Dutch alike and
  survive typos, hashtags and compounds that word matching misses.

Grouping works across sources: the same story on Mastodon, Bluesky and Reddit is one case. The case's
alert is edited (coalesced by the outbox) to show a live counter and the newest examples; a claim or
resolve on it acts on the whole case.

Spikes:
- ``spike_count`` similar mentions within ``spike_window`` raise the case's urgency one level, once;
  members of a case never page on their own, they only edit the case's alert.
- a department's hourly volume of one intent at ``baseline_factor`` times its usual rate (a rolling
  baseline of the previous 7 days, kept in the ``volume`` table) raises the mention that crossed the line
  one level and says why, once per spike window per (department, intent). Different mentions are still
  each delivered: a spike of distinct complaints is not one story.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import parse_iso
from bot.config import Config, parse_duration
from bot.store import Store
from intents.labels import URGENCY_RANK, raise_urgency

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.@-]+")
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")
SHINGLE = 4
CANDIDATE_LIMIT = 400
BASELINE_DAYS = 7
MIN_BASELINE_HOURS = 24


@dataclass(frozen=True)
class CaseMatch:
    case_id: int
    reason: str


def normalise(text: str) -> str:
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text.replace("#", " "))
    return _SPACE.sub(" ", text).strip()


def shingles(text: str) -> frozenset[str]:
    norm = normalise(text)
    if len(norm) <= SHINGLE:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1))


_SHINGLE_CACHE: dict[tuple[int, str], frozenset[str]] = {}
_SHINGLE_CACHE_SIZE = 5_000  # a few hundred candidates per brand are hot; keep memory small


def _shingles_of(mention_id: int, text: str) -> frozenset[str]:
    """Shingles of a stored mention, computed once: every new mention is compared with hundreds of them."""
    key = (mention_id, text)  # the text is part of the key: ids repeat across stores (tests, replays)
    found = _SHINGLE_CACHE.get(key)
    if found is None:
        if len(_SHINGLE_CACHE) >= _SHINGLE_CACHE_SIZE:
            _SHINGLE_CACHE.clear()  # a rare full reset is cheaper than tracking use order on the hot path
        found = _SHINGLE_CACHE[key] = shingles(text)
    return found


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def links(text: str, own_url: str = "") -> set[str]:
    """Links in the text, without tracking noise, excluding the post's own address."""
    out = set()
    for url in _URL.findall(text):
        clean = url.rstrip(".,;:!?)\"'").split("#")[0]
        clean = re.sub(r"[?&](utm_[a-z]+|fbclid|gclid)=[^&]*", "", clean).rstrip("?&/").lower()
        if clean and clean != own_url.rstrip("/").lower():
            out.add(clean)
    return out


def find_case(store: Store, config: Config, record: dict[str, Any], now: datetime) -> CaseMatch | None:
    """The open case this new mention belongs to, if any (the record is not stored yet)."""
    window = parse_duration(config.grouping.window, "grouping.window") or timedelta(hours=2)
    candidates = store.recent_case_candidates(record.get("brand") or "", now - window, CANDIDATE_LIMIT)
    if not candidates:
        return None
    refs = {r for r in (record.get("in_reply_to"), record.get("conversation"), _refers_to(record)) if r}
    own_links = links(record["text"], record.get("url") or "")
    own = shingles(record["text"])
    best: tuple[float, int] | None = None
    for row in candidates:
        case_id = row["case_id"] if row["status"] == "grouped" and row["case_id"] else row["id"]
        if refs and (row["source_id"] in refs or (row["conversation"] and row["conversation"] in refs)):
            return CaseMatch(case_id, "same conversation")
        if own_links and own_links & links(row["text"] or "", row["url"] or ""):
            return CaseMatch(case_id, "same link")
        score = similarity(own, _shingles_of(row["id"], row["text"] or ""))
        if score >= config.grouping.similarity and (best is None or score > best[0]):
            best = (score, case_id)
    if best is not None:
        return CaseMatch(best[1], f"similar text ({best[0]:.0%})")
    return None


def _refers_to(record: dict[str, Any]) -> str | None:
    extra = record.get("extra") or {}
    value = extra.get("refers_to") or extra.get("repost_of") or extra.get("quote_of")
    return str(value) if value else None


def after_join(store: Store, config: Config, case_id: int, now: datetime) -> str | None:
    """Raise the case one level when it reaches ``spike_count`` members within ``spike_window``, once."""
    case = store.mention(case_id)
    if case is None or case["status"] not in ("new", "alerted", "claimed", "snoozed"):
        return None
    if "spike" in (case["extra"] or {}).get("_raised_by", []):
        return None
    window = parse_duration(config.grouping.spike_window, "grouping.spike_window") or timedelta(minutes=10)
    recent = store.case_member_count(case_id, since=now - window) + 1
    if recent < config.grouping.spike_count:
        return None
    minutes = int(window.total_seconds() // 60)
    reason = f"spike: {recent} similar mentions in {minutes} min"
    _raise(store, config, case, reason, "spike", now)
    return reason


def volume_spike(store: Store, config: Config, department: str, intent: str, now: datetime) -> str | None:
    """Count this mention in its hour; say why when the hour is a spike for (department, intent).

    The baseline is the mean hourly count over the previous 7 days (hours without mentions count as
    zero). With less than a day of history there is no baseline yet, so no spike is called.
    """
    hour = now.replace(minute=0, second=0, microsecond=0)
    count = store.bump_volume(department, intent, hour)
    history = store.volume_history(department, intent, hour - timedelta(days=BASELINE_DAYS), hour)
    if not history:
        return None
    oldest = min(parse_iso(h) for h in history)
    hours = int((hour - oldest).total_seconds() // 3600)  # type: ignore[operator]
    if hours < MIN_BASELINE_HOURS:
        return None
    baseline = sum(history.values()) / hours
    if count < max(config.grouping.spike_count, config.grouping.baseline_factor * baseline):
        return None
    return f"{department} {intent} at {count / baseline:.0f}× the usual hourly rate ({count} this hour)"


def start_spike(store: Store, config: Config, mention_id: int, department: str, intent: str, reason: str,
                now: datetime) -> None:
    window = parse_duration(config.grouping.window, "grouping.window") or timedelta(hours=2)
    store.add_spike(department, intent, mention_id, now, now + window)
    case = store.mention(mention_id)
    if case is not None:
        _raise(store, config, case, reason, "volume", now)


def _raise(store: Store, config: Config, case: dict[str, Any], reason: str, kind: str, now: datetime) -> None:
    from bot import escalation
    from bot.fanout import enqueue_updates

    extra = dict(case["extra"] or {})
    extra["_raised_by"] = [*extra.get("_raised_by", []), kind]
    old = case["urgency"] or "normal"
    new = raise_urgency(old)
    reasons = [*case["urgency_reasons"], reason]
    store.update_mention(case["id"], {"urgency": new, "urgency_reasons": reasons, "extra": extra}, now)
    store.add_event(case["id"], at=now, actor="system", actor_name="Siloless", action="spike",
                    detail={"from": old, "to": new, "reason": reason})
    if case["status"] in ("new", "alerted") and URGENCY_RANK[new] > URGENCY_RANK[old]:
        store.cancel_timers(case["id"], now, kinds=("claim_deadline",))
        updated = store.mention(case["id"])
        if updated is not None:
            escalation.schedule_claim_deadline(store, config, updated, now)
    enqueue_updates(store, case["id"], now, line=f"Urgency raised to {new}: {reason}.")


def case_summary(store: Store, case_id: int, now: datetime) -> tuple[str, tuple[tuple[str, str], ...]]:
    """("+37 similar in the last 10 minutes, 3 sources", newest examples) for a case's alert."""
    members = store.list_mentions(case_id=case_id, limit=1000)
    if not members:
        return "", ()
    first = min(parse_iso(m["received_at"]) for m in members)  # type: ignore[type-var]
    span = max(now - first, timedelta(minutes=1))  # type: ignore[operator]
    case = store.mention(case_id)
    sources = {m["source"] for m in members} | ({case["source"]} if case else set())
    summary = (f"+{len(members)} similar in the last {_span(span)}, {len(sources)} "
               f"source{'s' if len(sources) != 1 else ''}")
    examples = tuple((m["author_handle"] or "", m["text"] or "") for m in members[:3])
    return summary, examples


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours"
