"""People's corrections as training examples.

When someone reassigns a mention to another department or dismisses it as not relevant, the core
stores the post with the intent it *should* have had (``bot.store.Store.feedback_examples()``:
dicts with ``text``, ``lang``, ``intent``, ``mention_id``). This module turns those dicts into
``LabelledPost``s for ``intents.train``, and guards the evaluation:

* a row without text or with an unknown intent is skipped and reported, never fatal: one bad row
  must not block retraining on a hundred good ones;
* the latest correction of a mention wins (people change their minds);
* a post whose text is also in the dev or test split is left out, so before/after numbers on dev
  measure learning, not memorising the answers;
* each correction counts ``weight`` times, because a handful of corrections among ~3,500 training
  posts would otherwise barely move the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intents.dataset import LabelledPost
from intents.labels import INTENTS
from intents.text import fold

DEFAULT_WEIGHT = 3


@dataclass(frozen=True)
class Feedback:
    examples: tuple[LabelledPost, ...]
    skipped: tuple[str, ...] = field(default_factory=tuple)  # one human-readable line per skipped row

    @property
    def unique(self) -> int:
        return len({post.id for post in self.examples})


def examples_from_feedback(
    rows: Iterable[Mapping[str, Any]],
    *,
    held_out: Iterable[LabelledPost] = (),
    weight: int = DEFAULT_WEIGHT,
) -> Feedback:
    """Validated, de-duplicated training examples from the store's feedback rows."""
    if weight < 1:
        raise ValueError(f"weight must be at least 1, got {weight}")
    forbidden = {fold(post.text) for post in held_out}
    latest: dict[str, LabelledPost] = {}
    skipped: list[str] = []
    for number, row in enumerate(rows, start=1):
        mention = str(row.get("mention_id") or f"row-{number}")
        text, intent = row.get("text"), row.get("intent")
        if not isinstance(text, str) or not text.strip():
            skipped.append(f"{mention}: no text")
        elif intent not in INTENTS:
            skipped.append(f"{mention}: intent {intent!r} is not one of the 12 labels")
        elif fold(text) in forbidden:
            skipped.append(f"{mention}: same text as a dev/test post (kept out so evaluation stays fair)")
        else:
            lang = row.get("lang") if isinstance(row.get("lang"), str) else None
            record = {"id": f"feedback-{mention}", "text": text, "lang": lang, "intent": intent}
            latest[mention] = LabelledPost(id=record["id"], text=text, intent=str(intent), lang=lang, record=record)
    examples = tuple(post for post in latest.values() for _ in range(weight))
    return Feedback(examples=examples, skipped=tuple(skipped))
