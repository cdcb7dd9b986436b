"""A transparent keyword-rule classifier: what listening tools' alert rules do today.

It is the fallback when no trained model is present and the baseline the trained model must beat
(``docs/classifier.md``). Each intent has a list of word stems in English and Dutch; the intent
with the most hits wins, ties broken by the order of ``_RULES`` (more specific intents first).
"""

from __future__ import annotations

import re

from intents.labels import INTENTS

# Ordered: specific, high-stakes intents first so they win ties.
_RULES: dict[str, tuple[str, ...]] = {
    "legal": ("lawyer", "lawsuit", "sue ", "suing", "court", "attorney", "regulator", "gdpr", "avg-verzoek",
              "advocaat", "rechter", "rechtszaak", "aanklacht", "juridisch", "acm", "ombudsman",
              "consumentenbond", "small claims", "legal action", "dagvaard"),
    "security": ("hacked", "phishing", "scam", "fraud", "data leak", "breach", "account taken",
                 "password", "vulnerab", "gehackt", "oplichting", "oplichter", "datalek", "fraude",
                 "nepmail", "wachtwoord", "privacy", "lek "),
    "outage": ("down", "outage", "not working", "doesn't work", "won't load", "error", "crash",
               "storing", "werkt niet", "ligt eruit", "plat", "ligt er", "eruit", "doet het niet", "kapot", "offline",
               "stroomuitval", "geen internet", "500"),
    "billing": ("charged", "refund", "invoice", "bill", "payment", "double charge", "overcharged",
                "factuur", "rekening", "terugbetal", "afschrijving", "dubbel betaald", "incasso",
                "geld terug", "aanmaning", "termijnbedrag"),
    "press": ("journalist", "reporter", "comment for", "our story", "newsroom", "press",
              "for an article", "deadline", "verslaggever", "redactie", "reactie voor", "artikel",
              "pers"),
    "careers": ("job", "hiring", "vacancy", "career", "intern", "apply", "recruiter", "vacature",
                "solliciteren", "sollicitatie", "stage", "werken bij", "baan"),
    "sales": ("pricing", "quote", "buy", "purchase", "enterprise plan", "demo", "partnership",
              "offerte", "kopen", "prijs", "abonnement afsluiten", "samenwerking", "klant worden",
              "overstappen naar"),
    "feature_request": ("feature", "would be nice", "please add", "wish", "dark mode", "could you add",
                        "zou fijn zijn", "graag een", "mis ik", "verzoek", "functie", "optie om",
                        "zou handig zijn"),
    "praise": ("thank", "love", "great", "awesome", "amazing", "best", "kudos", "bedankt", "dank je",
               "top", "geweldig", "super", "chapeau", "complimenten", "fantastisch"),
    "complaint": ("terrible", "worst", "awful", "rude", "waited", "still no", "disappointed",
                  "unacceptable", "slecht", "belachelijk", "schandalig", "klantonvriendelijk",
                  "wachten", "teleurgesteld", "waardeloos", "onbeschoft", "nog steeds"),
    "question": ("how do", "how can", "can i", "is it possible", "where", "when", "?", "hoe ",
                 "kan ik", "waar ", "wanneer", "is het mogelijk", "weet iemand"),
}

_WORDS = re.compile(r"\w+", re.UNICODE)


def scores(text: str) -> dict[str, float]:
    """Hit counts per intent normalised to sum to 1; all-zero text gives ``other`` 1.0."""
    lowered = f" {text.lower()} "
    hits = {intent: sum(lowered.count(term) for term in terms) for intent, terms in _RULES.items()}
    total = sum(hits.values())
    if total == 0:
        return {intent: (1.0 if intent == "other" else 0.0) for intent in INTENTS}
    return {intent: hits.get(intent, 0) / total for intent in INTENTS}


def predict(text: str) -> str:
    return best(scores(text))


def best(table: dict[str, float]) -> str:
    """The intent with the most hits; ties go to the more specific intent (``_RULES`` order)."""
    top = max(table.values())
    if top == 0:
        return "other"
    for intent in _RULES:  # order breaks ties
        if table[intent] == top:
            return intent
    return "other"
