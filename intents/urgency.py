"""How urgent a post is: rules over the text, the intent, sentiment and the author's reach.

Rules, not a model, because urgency from text alone is noisy (classifier-notes.md) and because a
person reading an alert should see *why* it is urgent: every rule that fires adds a reason
("legal threat", "author has 240k followers", "outage happening now"). The level is the highest
any rule gives; no rule lowers another's level. The rules follow DESIGN.md's definitions:

First the intent gives a base level, refined by what kind of post of that intent it is:

| intent | base level |
|---|---|
| praise, feature_request, careers, other | low |
| complaint, question, billing | normal |
| sales | normal; low for a daydream, not a lead ("misschien ooit", "someday") |
| outage | high "outage happening now"; normal when the post says it is over ("werkt weer", "was down yesterday") |
| security | critical "security incident"; high for a scam/phishing warning, normal for a privacy worry |
| legal | critical "legal threat"; high when only musing ("thinking about a lawyer", "weet iemand…") |
| press | high for an inquiry or negative coverage; normal for plainly good news |

Then every rule below that applies can raise it (none lowers it):

| rule | level | when |
|---|---|---|
| safety | critical | physical danger: gas, fire, injury, poisoning, brakes, "dangerous" |
| takeover | critical | account takeover or fraud in progress ("hacked", "niet goedgekeurd", "op mijn naam") |
| data leak | critical | someone else's data visible, leaks, vulnerability reports |
| legal threat | critical | lawyer/court/regulator words under any intent but press/careers (high when musing) |
| press deadline | critical | press with a same-day deadline, unless the story is good news |
| viral crisis | critical | author ≥ 100k followers or ≥ 1,000 reposts, and negative (or press, not good news) |
| loud author | high | author ≥ 10k followers and the post is negative (any intent: an angry ex-applicant too) |
| outage words | high | "ligt plat", "keeps crashing" in a complaint/billing/question/feature request |
| cancel threat | high | "I'm cancelling", "zeg op", "nooit meer", "overstappen" |
| money/service loss | high | billing trouble that leaves someone overdrawn, cut off or blocked |
| unknown language | ≥ normal | a post in a language we do not model is read by a person, never auto-lowered |
| learned critical | critical | the learned critical detector (shipped with the model) gives critical ≥ 0.25 |

The learned detector is the safety net under the cue lists: a textcat trained on the labelled posts'
four urgency levels, whose probability of critical catches critical posts written in words no cue
lists yet. Its threshold is low on purpose (a quarter, not a half): it is the lowest whose dev
urgency accuracy stays at 0.815 or more, so that recall gets all the room the accuracy target leaves
(docs/classifier.md); below it, it never lowers anything.

"Negative" means a negative intent (complaint, outage, billing, security, legal) or, for the other
intents, a negative sentiment lexicon score (``intents.sentiment``). Recall on critical matters more
than precision: cues are deliberately broad, and a post that trips one is escalated.
The cue words live in ``intents.cues``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from intents import cues
from intents.labels import LANGUAGES, UNKNOWN_LANG, URGENCY_RANK
from intents.phrases import PhraseIndex
from intents.sentiment import sentiment
from intents.text import fold
from intents.verdict import Post

#: The learned detector's probability from which a post is critical (chosen on dev, docs/classifier.md).
LEARNED_CRITICAL_THRESHOLD = 0.25
VIRAL_FOLLOWERS = 100_000
VIRAL_REPOSTS = 1_000
LOUD_FOLLOWERS = 10_000

NEGATIVE_INTENTS = frozenset({"complaint", "outage", "billing", "security", "legal"})
LOW_INTENTS = frozenset({"praise", "feature_request", "careers", "other"})
#: Intents where danger words are about the post's own situation (not a wish, a job or a sale).
#: (Billing is left out: "ziekenhuis" on an invoice is a charge, not an emergency. Praise is in: a
#: misread intent must not hide "allergische reactie".)
_SAFETY_INTENTS = frozenset({"complaint", "question", "outage", "security", "legal", "press", "praise", "other"})
#: (Praise is in for the same reason as for safety: "card used while it is in my wallet" misread as praise.)
_FRAUD_INTENTS = frozenset({"security", "billing", "complaint", "question", "outage", "legal", "other", "praise"})
_CANCEL_INTENTS = frozenset({"complaint", "billing", "outage", "question", "security", "legal", "feature_request"})
#: (Outage is left out: an outage is already high, and "no gas yesterday" must stay a past outage.)
_MONEY_INTENTS = frozenset({"billing", "complaint", "question", "security"})

_INDEX: PhraseIndex[str] = PhraseIndex(
    {
        "safety": cues.SAFETY,
        "takeover": cues.ACCOUNT_TAKEOVER,
        "leak": cues.DATA_LEAK,
        "legal": cues.LEGAL_THREAT,
        "legal_hedge": cues.LEGAL_HEDGE,
        "legal_in_motion": cues.LEGAL_IN_MOTION,
        "same_day": cues.PRESS_SAME_DAY,
        "cancel": cues.CANCEL_THREAT,
        "resolved": cues.OUTAGE_RESOLVED,
        "ongoing": cues.OUTAGE_ONGOING,
        "outage_now": cues.OUTAGE_NOW,
        "money": cues.MONEY_OR_SERVICE_LOSS,
        "inquiry": cues.PRESS_INQUIRY,
        "good_news": cues.GOOD_NEWS,
        "sales_vague": cues.SALES_VAGUE,
        "scam_warning": cues.SCAM_WARNING,
        "privacy": cues.PRIVACY_WORRY,
    }
)


@dataclass(frozen=True)
class Signals:
    """What one pass over a post found: cue names, sentiment and reach."""

    intent: str
    lang: str
    cues: frozenset[str]
    negative: bool
    followers: int
    reposts: int
    critical_chance: float | None = None

    def has(self, cue: str) -> bool:
        return cue in self.cues

    @property
    def musing(self) -> bool:
        """Legal words, but only wondering about it ("anyone sued them?"), nothing in motion."""
        return self.has("legal_hedge") and not self.has("legal_in_motion")

    @property
    def incident(self) -> bool:
        return self.has("takeover") or self.has("leak")


Finding = tuple[str, str]  # (level, reason)
Rule = Callable[[Signals], Finding | None]


def read_signals(post: Post, intent: str, lang: str, critical_chance: float | None = None) -> Signals:
    found = frozenset(_INDEX.keys_in(fold(post.text)))
    negative = intent in NEGATIVE_INTENTS or sentiment(post.text).is_negative
    return Signals(intent=intent, lang=lang, cues=found, negative=negative,
                   followers=max(post.followers or 0, 0), reposts=max(post.reposts or 0, 0),
                   critical_chance=critical_chance)


def assess_urgency(
    post: Post, intent: str, lang: str, *, critical_chance: float | None = None
) -> tuple[str, tuple[str, ...]]:
    """The urgency level and the reasons for it, most severe first.

    ``critical_chance`` is the learned critical detector's probability, when a model ships one.
    """
    signals = read_signals(post, intent, lang, critical_chance)
    findings = [intent_level(signals), *(finding for rule in RULES if (finding := rule(signals)) is not None)]
    level = max((lvl for lvl, _ in findings), key=URGENCY_RANK.__getitem__)
    ordered = sorted(findings, key=lambda f: -URGENCY_RANK[f[0]])
    reasons = tuple(dict.fromkeys(reason for lvl, reason in ordered if reason))
    return level, reasons


# --- the base level, from the intent ----------------------------------------------------------


def intent_level(s: Signals) -> Finding:
    """The level the intent alone gives, refined by what kind of post of that intent it is."""
    by_intent = {"outage": _outage, "security": _security, "legal": _legal, "press": _press, "sales": _sales}
    if s.intent in by_intent:
        return by_intent[s.intent](s)
    return ("low", "") if s.intent in LOW_INTENTS else ("normal", "")


def _outage(s: Signals) -> Finding:
    if s.has("resolved") and not s.has("ongoing"):
        return "normal", "outage already over"
    return "high", "outage happening now"


def _security(s: Signals) -> Finding:
    if s.has("scam_warning") and not s.incident:
        return "high", "scam or phishing warning"
    if s.has("privacy") and not s.incident:
        return "normal", "privacy concern"
    return "critical", "security incident"


def _legal(s: Signals) -> Finding:
    return ("high", "legal action considered") if s.musing else ("critical", "legal threat")


def _press(s: Signals) -> Finding:
    if s.has("inquiry"):
        return "high", "press inquiry"
    if s.has("good_news") and not s.negative:
        return "normal", "good-news coverage"
    return "high", "news coverage"


def _sales(s: Signals) -> Finding:
    return ("low", "no buying intent yet") if s.has("sales_vague") else ("normal", "")


# --- the rules that raise it, in the order of the table above ------------------------------------


def safety(s: Signals) -> Finding | None:
    return ("critical", "physical safety risk") if s.has("safety") and s.intent in _SAFETY_INTENTS else None


def takeover(s: Signals) -> Finding | None:
    if s.has("takeover") and s.intent in _FRAUD_INTENTS:
        return "critical", "account takeover or fraud in progress"
    return None


def data_leak(s: Signals) -> Finding | None:
    return ("critical", "data leak") if s.has("leak") and s.intent in _FRAUD_INTENTS else None


def legal_threat(s: Signals) -> Finding | None:
    if not s.has("legal") or s.intent in ("legal", "press", "careers"):
        return None
    return ("high", "legal action considered") if s.musing else ("critical", "legal or regulator threat")


def press_deadline(s: Signals) -> Finding | None:
    if s.intent == "press" and s.has("same_day") and not (s.has("good_news") and not s.negative):
        return "critical", "press deadline today"
    return None


def viral(s: Signals) -> Finding | None:
    # A big account posting as press is a public figure calling the brand out, unless it is good news.
    calling_out = s.intent == "press" and not s.has("good_news")
    if not (s.negative or calling_out):
        return None
    if s.followers >= VIRAL_FOLLOWERS:
        return "critical", f"viral risk: author has {short_count(s.followers)} followers"
    if s.reposts >= VIRAL_REPOSTS:
        return "critical", f"viral risk: reposted {short_count(s.reposts)} times"
    return None


def loud_author(s: Signals) -> Finding | None:
    if s.negative and s.followers >= LOUD_FOLLOWERS:
        return "high", f"author has {short_count(s.followers)} followers"
    return None


def outage_words(s: Signals) -> Finding | None:
    """An outage the model filed under another intent ("app crasht direct" read as a complaint)."""
    over = s.has("resolved") and not s.has("ongoing")
    if s.intent in ("complaint", "billing", "question", "feature_request") and s.has("outage_now") and not over:
        return "high", "outage happening now"
    return None


def cancel_threat(s: Signals) -> Finding | None:
    return ("high", "threat to cancel") if s.has("cancel") and s.intent in _CANCEL_INTENTS else None


def money_loss(s: Signals) -> Finding | None:
    return ("high", "left without money or service") if s.has("money") and s.intent in _MONEY_INTENTS else None


def unknown_language(s: Signals) -> Finding | None:
    if s.lang in LANGUAGES or s.lang == UNKNOWN_LANG:
        return None
    return "normal", f"language not modelled ({s.lang}): needs a person to read it"


def learned_critical(s: Signals) -> Finding | None:
    """The safety net: critical posts said in words the cue lists do not know yet."""
    if s.critical_chance is None or s.critical_chance < LEARNED_CRITICAL_THRESHOLD:
        return None
    return "critical", f"reads like earlier critical posts (detector {s.critical_chance:.2f})"


#: Rules that can only raise the base level; each returns None when it does not apply.
RULES: tuple[Rule, ...] = (
    safety, takeover, data_leak, legal_threat, press_deadline, viral, loud_author, outage_words, cancel_threat,
    money_loss, unknown_language, learned_critical,
)


def short_count(n: int) -> str:
    """240000 → "240k", 1500000 → "1.5M": how people say reach."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1_000:
        return f"{n // 1_000}k"
    return str(n)
