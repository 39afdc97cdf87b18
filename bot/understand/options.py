"""Which offered option a typed text means, if it clearly means one.

"I have no child" is not "My child" (a negation outside the option's own words), "me and
my child" is two options at once (ambiguous): both are asked again. A bare number picks
the option at that place in the list, as shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.understand.lexicon import Lexicon
from bot.understand.matching import Phrase, covered, typed
from bot.understand.normalise import normalise

Options = Sequence[tuple[str, Sequence[Phrase]]]  # (option id, phrases that name it)


@dataclass(frozen=True)
class Reading:
    """What a text says about the options: one value, or why there is none."""

    value: str | None = None
    negated: bool = False
    ambiguous: bool = False


def by_number(text: str, count: int) -> int | None:
    """The 0-based place of a bare option number ("2", "٢"), or None."""
    typed = normalise(text)
    if typed.isdigit() and 1 <= int(typed) <= count:
        return int(typed) - 1
    return None


def read_option(text: str, options: Options, lexicon: Lexicon, numbers: bool = True) -> Reading:
    """The option the text names; see the module docstring for negation and ambiguity."""
    if numbers:
        place = by_number(text, len(options))
        if place is not None:
            return Reading(options[place][0])
    tokens = typed(text)
    if not tokens:
        return Reading()
    found: list[tuple[int, str, set[int]]] = []  # (weight, option id, covered tokens)
    for option_id, names in options:
        best: tuple[int, set[int]] | None = None
        for p in names:
            used = covered(p, tokens)
            if used is not None and (best is None or p.weight > best[0]):
                best = (p.weight, used)
        if best is not None:
            found.append((best[0], option_id, best[1]))
    if not found:
        return Reading()
    found.sort(key=lambda item: -item[0])
    weight, value, used = found[0]
    for other_weight, other, other_used in found[1:]:
        if other != value and (other_weight == weight or not (other_used & used)):
            return Reading(ambiguous=True)
    negations = lexicon.negations
    if any(t in negations and i not in used for i, t in enumerate(tokens)):
        return Reading(negated=True)
    return Reading(value)
