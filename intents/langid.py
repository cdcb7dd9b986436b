"""Offline language identification, restricted to the languages we support.

py3langid ships its model in the wheel (no download at run time) and can be restricted to a few
languages, which lifts accuracy on short posts a lot (classifier-notes.md). Below three words we
answer "und" rather than guess.
"""

from __future__ import annotations

from functools import lru_cache

from intents.labels import UNKNOWN_LANG

_SUPPORTED = ("en", "nl", "fr", "de")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(_SUPPORTED))
    return ident


def detect_language(text: str) -> str:
    if len(text.split()) < 3:
        return UNKNOWN_LANG
    lang, _prob = _identifier().classify(text)
    return str(lang)
