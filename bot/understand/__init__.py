"""Understanding typed text: distress, needs, options, languages, greetings, ages.

Pure functions over the text and a `Lexicon` (the per-language data files
`locales/<code>/understand.yaml`). Nothing typed is stored or logged here.
"""

from bot.understand.ages import parse_age
from bot.understand.distress import distress
from bot.understand.languages import is_greeting, language_options, read_language
from bot.understand.lexicon import Lexicon, default_lexicon
from bot.understand.matching import Analyzer, Phrase, phrase, phrases
from bot.understand.needs import read_need, wants_person
from bot.understand.normalise import MAX_TYPED, normalise, words
from bot.understand.options import Reading, by_number, read_option

__all__ = [
    "MAX_TYPED",
    "Analyzer",
    "Lexicon",
    "Phrase",
    "Reading",
    "by_number",
    "default_lexicon",
    "meaning",
    "distress",
    "is_greeting",
    "language_options",
    "normalise",
    "parse_age",
    "phrase",
    "phrases",
    "read_language",
    "read_need",
    "read_option",
    "wants_person",
    "words",
]


def meaning(text: str, lexicon: Lexicon, language: str | None = None) -> str | None:
    """'distress', a need id, or None: what the need step makes of a typed text."""
    if distress(text, lexicon, language) is not None:
        return "distress"
    return read_need(text, lexicon, language)
