"""Turn what a person typed into an answer: an age, a need, a language. Nothing is stored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

MAX_TYPED = 200  # longer texts are not answers; we do not read further


def normalise(text: str) -> str:
    """Lower case, no accents or marks, no zero-width or direction characters, single spaces."""
    text = unicodedata.normalize("NFKD", text[:MAX_TYPED]).casefold()
    kept = [ch for ch in text if unicodedata.category(ch) not in {"Mn", "Cf", "Cc"}]
    return re.sub(r"[\W_]+", " ", "".join(kept)).strip()


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


def _similar(word: str, candidate: str) -> bool:
    if word == candidate:
        return True
    if min(len(word), len(candidate)) < 4 or word[0] != candidate[0]:
        return False  # typos rarely hit the first letter; "secours" is not "cours"
    return SequenceMatcher(None, word, candidate).ratio() >= 0.8


def best_match(text: str, choices: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The id whose keywords best fit the typed text, tolerant of small typos.

    `choices` gives, per id, phrases such as "mental health" or "psychologist". A phrase
    fits when each of its words is found (or nearly) among the typed words.
    """
    words = normalise(text).split()
    if not words:
        return None
    best: tuple[int, str] | None = None
    for option_id, phrases in choices:
        for phrase in phrases:
            phrase_words = normalise(phrase).split()
            if not phrase_words:
                continue
            if all(any(_similar(w, p) for w in words) for p in phrase_words):
                score = sum(len(p) for p in phrase_words)
                if best is None or score > best[0]:
                    best = (score, option_id)
    return best[1] if best else None


def split_keywords(translated: str) -> list[str]:
    """A translated comma-separated keyword list ("stress, trauma, …") as phrases."""
    return [part.strip() for part in re.split(r"[,،、;]", translated) if part.strip()]
