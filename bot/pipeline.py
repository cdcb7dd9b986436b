"""Ingest: prefilter → classify → route → store + outbox, one transaction per mention.

A mention is accepted only once it is stored; its outbox rows, its claim-deadline timer and its
source cursor commit in the same transaction, so a crash at any point either loses nothing or
replays an item that the ``(source, source_id)`` key then ignores. Classification runs in batches
(``nlp.pipe``) before the transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.base import Mention
from bot import escalation, grouping, messages
from bot.clock import Clock, iso
from bot.config import Config
from bot.fanout import enqueue_posts, enqueue_updates
from bot.routing import RouteDecision, route
from bot.silences import matching_silence
from bot.store import Store
from intents import Post, Verdict, classify_many
from intents.prefilter import BrandMatcher

log = logging.getLogger("siloless.pipeline")

Classifier = Callable[[Sequence[Post]], list[Verdict]]


@dataclass(frozen=True)
class IngestResult:
    #: stored | duplicate | ignored | silenced | grouped | edited | deleted | followup | error
    outcome: str
    mention_id: int | None = None
    departments: tuple[str, ...] = ()
    detail: str = ""


@dataclass
class IngestStats:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, result: IngestResult) -> None:
        self.counts[result.outcome] = self.counts.get(result.outcome, 0) + 1


class Pipeline:
    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock,
        *,
        classifier: Classifier = classify_many,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.classifier = classifier
        self.matcher = BrandMatcher({b.name: b.terms for b in config.brands})
        self.on_enqueued = on_enqueued
        self.stats = IngestStats()

    def ingest(self, mention: Mention, cursor: tuple[str, str] | None = None) -> IngestResult:
        return self.ingest_batch([(mention, cursor)])[0]

    def ingest_batch(self, items: Sequence[tuple[Mention | None, tuple[str, str] | None]]) -> list[IngestResult]:
        """Ingest in order. ``None`` mentions only advance their cursor (a skipped malformed line)."""
        brands = [self.matcher.match(m.text) if m is not None and m.kind == "post" else None for m, _ in items]
        to_classify = [
            (i, m)
            for i, (m, _c) in enumerate(items)
            if m is not None and brands[i] is not None and self.store.find_mention(m.source, m.id) is None
        ]
        verdicts = dict(
            zip(
                [i for i, _ in to_classify],
                self.classifier([_post(m) for _, m in to_classify]) if to_classify else [],
                strict=True,
            )
        )
        results = []
        # One commit (one fsync) for the batch; each mention in its own savepoint, so one that fails rolls
        # back alone. Nothing is acknowledged to the sender before this commit.
        with self.store.atomic():
            for i, (mention, cursor) in enumerate(items):
                try:
                    result = self._ingest_one(mention, cursor, brands[i], verdicts.get(i))
                except Exception as exc:  # one bad item must never stop the stream
                    log.exception("could not ingest %s", mention.id if mention else "(cursor only)")
                    result = IngestResult("error", detail=f"{type(exc).__name__}: {exc}")
                results.append(result)
        for result in results:
            self.stats.add(result)
        changed = ("stored", "edited", "deleted", "followup", "grouped")
        if any(r.outcome in changed for r in results) and self.on_enqueued:
            self.on_enqueued()
        return results

    # -- one mention ------------------------------------------------------------------------

    def _ingest_one(
        self, mention: Mention | None, cursor: tuple[str, str] | None, brand: str | None, verdict: Verdict | None
    ) -> IngestResult:
        now = self.clock.now()
        with self.store.atomic():
            if cursor is not None:
                self.store.set_cursor(cursor[0], cursor[1], now)
            if mention is None:
                return IngestResult("ignored", detail="cursor only")
            if mention.kind != "post":
                return self._change(mention, now)
            if brand is None:
                return IngestResult("ignored", detail="names no configured brand")
            existing = self.store.find_mention(mention.source, mention.id)
            if existing is not None:
                return IngestResult("duplicate", existing["id"], (existing["department"],))
            assert verdict is not None
            decision = route(
                self.config,
                intent=verdict.intent,
                urgency=verdict.urgency,
                brand=brand,
                lang=verdict.lang,
                text=mention.text,
            )
            parent = self._conversation_parent(mention)
            record = _record(mention, brand, verdict, decision, now)
            case, spike_reason = None, None
            if parent is not None:
                record.update(status="grouped", case_id=parent["id"], department=parent["department"])
            else:
                silence_id = matching_silence(self.store, now, record)
                if silence_id is not None:
                    record.update(status="silenced", silence_id=silence_id)
                else:
                    case = grouping.find_case(self.store, self.config, record, now)
                    if case is not None:
                        record.update(status="grouped", case_id=case.case_id, department=self._department_of(case))
            if record["status"] != "silenced":
                spike_reason = grouping.volume_spike(self.store, self.config, record["department"], verdict.intent,
                                                     now)
            mention_id = self.store.insert_mention(record).mention_id
            self.store.add_event(
                mention_id,
                at=now,
                actor="system",
                actor_name="Siloless",
                action="ingest",
                detail={
                    "source": mention.source,
                    "brand": brand,
                    "intent": verdict.intent,
                    "urgency": verdict.urgency,
                    "departments": list(decision.departments),
                    "route": list(decision.reasons),
                    "model": verdict.model,
                    **({"case": f"M-{case.case_id}", "grouped_because": case.reason} if case else {}),
                },
            )
            if parent is not None:
                return self._followup(parent, mention_id, now)
            if record["status"] == "silenced":
                return IngestResult("silenced", mention_id, decision.departments, detail=f"S-{record['silence_id']}")
            if case is not None:
                enqueue_updates(self.store, case.case_id, now)
                grouping.after_join(self.store, self.config, case.case_id, now)
                return IngestResult("grouped", mention_id, (record["department"],), detail=f"joins M-{case.case_id}")
            for department in decision.departments:
                enqueue_posts(self.store, self.config, mention_id, department, now)
            row = self.store.mention(mention_id)
            assert row is not None
            escalation.schedule_claim_deadline(self.store, self.config, row, now)
            if spike_reason and not self.store.open_spike(record["department"], verdict.intent, now):
                grouping.start_spike(self.store, self.config, mention_id, record["department"], verdict.intent,
                                     spike_reason, now)
            return IngestResult("stored", mention_id, decision.departments)

    def _department_of(self, case: grouping.CaseMatch) -> str:
        row = self.store.mention(case.case_id)
        return (row["department"] if row else None) or ""

    def _conversation_parent(self, mention: Mention) -> dict[str, Any] | None:
        """The earlier mention this post continues: same source, same author, replying in its thread."""
        for ref in (mention.in_reply_to, mention.conversation):
            if not ref:
                continue
            parent = self.store.find_mention(mention.source, ref)
            if parent is None:
                continue
            if parent["status"] == "grouped" and parent["case_id"]:
                parent = self.store.mention(parent["case_id"])
            if parent and parent["author_handle"] and parent["author_handle"] == mention.author.handle:
                return parent
        return None

    def _followup(self, parent: dict[str, Any], mention_id: int, now: datetime) -> IngestResult:
        """The author wrote again in a tracked conversation: reopen it if it was resolved, note it in the thread."""
        if parent["status"] in ("resolved", "dismissed"):
            from bot.lifecycle import SYSTEM, Action, apply

            apply(
                self.store,
                self.config,
                self.clock,
                Action("reopen", parent["id"], SYSTEM, note=messages.reopened_by_author_line()),
            )
        else:
            enqueue_updates(self.store, parent["id"], now, line=messages.reopened_by_author_line())
        return IngestResult("followup", mention_id, (parent["department"],), detail=f"joins M-{parent['id']}")

    def _change(self, mention: Mention, now: datetime) -> IngestResult:
        """An edit or delete reported by the source: keep the evidence, mark the alert, never overwrite."""
        existing = self.store.find_mention(mention.source, mention.id)
        if existing is None:
            return IngestResult("ignored", detail=f"{mention.kind} of a post we never stored")
        self.store.add_version(
            existing["id"], at=now, kind=mention.kind, text=mention.text, url=mention.url, metrics=dict(mention.metrics)
        )
        column = "edited_at" if mention.kind == "edit" else "deleted_at"
        self.store.update_mention(existing["id"], {column: iso(now)}, now)
        self.store.add_event(
            existing["id"],
            at=now,
            actor=f"source:{mention.source}",
            actor_name=mention.source,
            action=f"source_{mention.kind}",
            detail={"text": mention.text[:500]},
        )
        target = existing["case_id"] if existing["status"] == "grouped" and existing["case_id"] else existing["id"]
        enqueue_updates(self.store, target, now)
        return IngestResult("edited" if mention.kind == "edit" else "deleted", existing["id"])


def _post(mention: Mention) -> Post:
    return Post(
        text=mention.text,
        lang=mention.lang,
        followers=mention.author.followers,
        reposts=mention.metrics.get("reposts"),
        likes=mention.metrics.get("likes"),
    )


def _record(mention: Mention, brand: str, verdict: Verdict, decision: RouteDecision, now: datetime) -> dict[str, Any]:
    return {
        "source": mention.source,
        "source_id": mention.id,
        "kind": mention.kind,
        "url": mention.url,
        "created_at": iso(mention.created_at),
        "received_at": iso(now),
        "author_handle": mention.author.handle,
        "author_name": mention.author.name,
        "author_followers": mention.author.followers,
        "text": mention.text,
        "lang": verdict.lang,
        "in_reply_to": mention.in_reply_to,
        "conversation": mention.conversation,
        "metrics": dict(mention.metrics),
        "extra": dict(mention.extra),
        "brand": brand,
        "intent": verdict.intent,
        "intent_scores": {k: round(float(v), 4) for k, v in verdict.intent_scores.items()},
        "urgency": verdict.urgency,
        "urgency_reasons": list(verdict.urgency_reasons),
        "model": verdict.model,
        "department": decision.primary,
        "route": "; ".join(decision.reasons),
        "status": "new",
        "updated_at": iso(now),
    }
