"""Danger heard in any language: wanting to die, self-harm, violence, threats, emergencies."""

from __future__ import annotations

from bot.understand.lexicon import Lexicon
from bot.understand.matching import covered, typed


def distress(text: str, lexicon: Lexicon, language: str | None = None) -> str | None:
    """The code of the language whose distress words the text contains, or None.

    Every language is tried (English in any conversation, Arabic in a French one...).
    Phrases of `distress_alone` ("help", "help me") count only when the text says nothing
    else than them and filler words, so "help with my papers" is not an alarm.
    """
    tokens = typed(text)
    if not tokens:
        return None
    fillers = lexicon.fillers
    for lang in lexicon.order(language):
        if any(covered(p, tokens) is not None for p in lang.distress):
            return lang.code
        for p in lang.distress_alone:
            found = covered(p, tokens)
            if found is not None and all(i in found or t in fillers for i, t in enumerate(tokens)):
                return lang.code
    return None
