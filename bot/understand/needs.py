"""Needs understood from ordinary words ("I can't sleep", "النوم", "kindergarten").

Keyword phrases per need and language come from the data files. Health in general has no
need of its own in the catalogue: "doctor" is read as mental_health, the closest need whose
services give care, so that a person asking for a doctor meets someone who cares for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.understand.lexicon import Lexicon
from bot.understand.matching import Phrase, covered, typed

# When two needs fit equally, the person's problem wins over where it happens: "racism at
# work" is discrimination, "violence at home" violence. Ties between others are asked again.
SPECIFIC_FIRST = (
    "women_violence",
    "discrimination",
    "family_tracing",
    "development_disability",
    "pregnancy_baby",
    "mental_health",
)


def read_need(
    text: str,
    lexicon: Lexicon,
    language: str | None = None,
    extra: Mapping[str, Sequence[Phrase]] | None = None,
) -> str | None:
    """The need whose words fit the text best, or None when none or two fit equally.

    `extra` adds phrases per need (the buttons' labels in every language)."""
    tokens = typed(text)
    if not tokens:
        return None
    best: dict[str, int] = {}
    sources = [lang.needs for lang in lexicon.order(language)] + [extra or {}]
    for needs in sources:
        for need, names in needs.items():
            for p in names:
                if p.weight > best.get(need, 0) and covered(p, tokens) is not None:
                    best[need] = p.weight
    if not best:
        return None
    top = max(best.values())
    tied = [need for need, weight in best.items() if weight == top]
    if len(tied) == 1:
        return tied[0]
    specific = [need for need in SPECIFIC_FIRST if need in tied]
    return specific[0] if specific else None


def wants_person(text: str, lexicon: Lexicon, language: str | None = None) -> bool:
    """Whether the text asks to talk to a person ("talk to someone", "un humain")."""
    tokens = typed(text)
    return any(
        covered(p, tokens) is not None for lang in lexicon.order(language) for p in lang.person
    )
