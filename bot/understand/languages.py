"""Language names ("Arabic", "عربي", "farsi", "Allemand") and greetings ("hi", "مرحبا")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.understand.lexicon import Lexicon
from bot.understand.matching import Analyzer, Phrase, covered, phrase, typed
from bot.understand.normalise import normalise
from bot.understand.options import Reading, read_option


def language_options(
    lexicon: Lexicon, native_names: Sequence[tuple[str, str]]
) -> list[tuple[str, list[Phrase]]]:
    """Per language code, every name it is known by in every language's file."""
    options: list[tuple[str, list[Phrase]]] = []
    for code, native in native_names:
        names: list[Phrase] = []
        native_phrase = phrase(native, Analyzer())
        if native_phrase is not None:
            names.append(native_phrase)
        for lang in lexicon.by_code.values():
            names += lang.languages.get(code, ())
        options.append((code, names))
    return options


def read_language(text: str, lexicon: Lexicon, native_names: Sequence[tuple[str, str]]) -> Reading:
    """The language a text names; a bare code ("fr") counts only alone."""
    typed = normalise(text)
    codes = [code for code, _ in native_names]
    if typed in codes:
        return Reading(typed)
    return read_option(text, language_options(lexicon, native_names), lexicon)


def is_greeting(text: str, lexicon: Lexicon) -> bool:
    """A message that only greets: 'hello', 'salut !', 'مرحبا', 'привіт 👋'."""
    tokens = typed(text)
    if not tokens:
        return False
    used: set[int] = set()
    for lang in lexicon.by_code.values():
        for p in lang.greetings:
            found = covered(p, tokens)
            if found is not None:
                used |= found
    fillers = lexicon.fillers
    return bool(used) and all(i in used or t in fillers for i, t in enumerate(tokens))
