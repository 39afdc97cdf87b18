"""Ages typed as numbers, in any script's digits."""

from __future__ import annotations

import unicodedata

from bot.understand.normalise import MAX_TYPED


def parse_age(text: str) -> int | None:
    """The first whole number in the text, in any script's digits (٢٥, ۲۵, 25), if 0-120."""
    digits: list[str] = []
    for ch in text[:MAX_TYPED]:
        value = unicodedata.decimal(ch, None)
        if value is not None:
            digits.append(str(value))
        elif digits:
            break
    if not digits or len(digits) > 3:
        return None
    age = int("".join(digits))
    return age if age <= 120 else None
