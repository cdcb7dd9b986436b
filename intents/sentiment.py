"""A small English + Dutch sentiment lexicon: is this post angry/negative, or positive?

Urgency needs one bit from sentiment ("viral *and negative*", "*angry* complaint"), not a score
to two decimals, and it must work in Dutch, where English-only tools (VADER) score ~0. So: a few
hundred hand-picked words and phrases per polarity, matched in one pass (``intents.phrases``),
with three adjustments that matter on social posts:

* a negator ("not", "never", "niet", "geen", "nooit") up to three words before a positive word
  turns it negative ("not happy", "niet tevreden");
* emoji carry polarity (😡 🤬 👎 🙄 vs ❤️ 😍 👍 🙏);
* shouting (two or more ALL-CAPS words, or "!!!") counts as one more negative cue, because in
  complaints it signals anger far more often than joy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intents.phrases import PhraseIndex
from intents.text import fold

_POSITIVE = (
    # English
    "thank*", "thx", "great", "awesome", "amazing", "love", "loved", "lovely", "excellent", "brilliant", "fantastic",
    "perfect", "happy", "glad", "kudos", "shoutout", "shout out", "well done", "good job", "impressed", "helpful",
    "friendly", "quick response", "fast delivery", "smooth", "recommend*", "best", "wonderful", "superb", "nice",
    "appreciate*", "pleased", "delighted", "satisfied", "legend", "hero", "saved my day", "lifesaver",
    # Dutch / Flemish
    "bedankt", "dank je", "dank u", "dankjewel", "dankuwel", "top", "topper", "geweldig", "super", "fantastisch",
    "prima", "tevreden", "blij", "fijn", "heerlijk", "chapeau", "complimenten", "compliment", "aanrader", "netjes",
    "snel geholpen", "goed geholpen", "vriendelijk", "behulpzaam", "knap", "mooi", "lekker", "merci", "schitterend",
    "uitstekend", "perfect", "held", "helden", "dik tevreden", "keigoed", "goed gedaan",
    # emoji
    "❤", "❤️", "😍", "🥰", "👍", "🙏", "👏", "🎉", "😊", "💯", "🙌",
)

_NEGATIVE = (
    # English
    "terrible", "awful", "horrible", "worst", "useless", "pathetic", "disgusting", "disgrace*", "shameful", "shame",
    "ridiculous", "unacceptable", "furious", "angry", "livid", "fuming", "pissed", "annoyed", "frustrat*",
    "disappoint*", "rude", "incompetent", "joke", "scam*", "rip off", "ripoff", "ripped off", "nightmare", "hate",
    "never again", "fed up", "sick of", "sick and tired", "appalling", "outrageous", "shocking", "garbage", "trash",
    "crap", "wtf", "ffs", "fuck*", "shit*", "dangerous", "unsafe", "panic*", "scared", "worried", "broken",
    "still waiting", "no response", "ignored", "ignoring", "lied", "liars", "clowns", "inhumane", "disaster",
    "fiasco", "mess", "chaos", "nobody answers", "no one answers", "can't believe", "cannot believe", "absurd",
    "refused", "denied", "devastated", "under fire", "criticised", "criticized", "complaints", "layoffs", "fined",
    "strike", "shortage", "backlash", "slammed", "worst-rated", "price hike",
    "allegations", "alleged*", "accused", "misled", "misleading", "documents suggest*",
    # Dutch / Flemish
    "slecht", "slechte", "slechtste", "waardeloos", "waardeloze", "belachelijk", "schandalig", "schande",
    "bizar", "triest", "treurig", "kwaad", "boos", "woedend", "pissig", "chagrijnig", "geïrriteerd", "irritant",
    "teleurgesteld", "teleurstellend", "onbeschoft", "onacceptabel", "onaanvaardbaar", "onmenselijk", "klaar mee",
    "het gehad", "nooit meer", "zielig", "dramatisch", "drama", "rampzalig", "ramp", "puinhoop", "chaos", "kut*",
    "godverdomme", "tering*", "kanker*", "wtf", "amateurs", "amateuristisch", "prutsers", "klantonvriendelijk",
    "oplichters", "oplichting", "gevaarlijk", "levensgevaarlijk", "onveilig", "paniek", "bang", "ongerust",
    "niemand neemt op", "geen reactie", "nog steeds", "afgang", "lachertje", "zwak", "ongehoord", "pfff", "zucht",
    "schamen", "schaam", "wanprestatie", "afzetterij", "zooi", "bagger", "stom", "stomme", "walgelijk",
    "kapot van", "geweigerd", "weigerde", "slechtst", "onder vuur", "klachten", "prijsstijging", "verhoging",
    "ontslag*", "schrapt", "boete", "staking", "protest", "tekort", "vrezen", "kritiek", "van het kastje",
    # emoji
    "😡", "🤬", "👎", "🙄", "😤", "😠", "💩", "🤡", "😭", "😢",
)

_NEGATORS = frozenset({"not", "never", "no", "don't", "dont", "isn't", "wasn't", "niet", "geen", "nooit", "nie"})
_INDEX: PhraseIndex[str] = PhraseIndex({"pos": _POSITIVE, "neg": _NEGATIVE})
_CAPS_WORD = re.compile(r"\b[A-Z]{2,}\b")
_SHOUT = re.compile(r"[!?]{3,}")


@dataclass(frozen=True)
class Sentiment:
    positive: int
    negative: int

    @property
    def score(self) -> float:
        """From -1 (only negative cues) to +1 (only positive); 0 with no cues."""
        total = self.positive + self.negative
        return (self.positive - self.negative) / total if total else 0.0

    @property
    def is_negative(self) -> bool:
        return self.negative > self.positive


def sentiment(text: str) -> Sentiment:
    folded = fold(text)
    positive = negative = 0
    for key, _phrase, start in _INDEX.hits(folded):
        if key == "pos" and _negated(folded, start):
            negative += 1
        elif key == "pos":
            positive += 1
        else:
            negative += 1
    if len(_CAPS_WORD.findall(text)) >= 2 or _SHOUT.search(text):
        negative += 1
    return Sentiment(positive=positive, negative=negative)


def _negated(folded: str, start: int) -> bool:
    before = folded[max(0, start - 40) : start].split()[-3:]
    return any(word.strip(".,!?") in _NEGATORS for word in before)
