"""Phrases matched against typed words: same word, same stem, a known ending, or a typo.

A phrase such as "kill myself" fits a text when each of its words is found among the
text's words. A keyword word written `=fire` is matched exactly (no stem, no typo), one
written `kind*` matches any word that starts with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import OSA

from bot.understand.normalise import arabic_forms, ethiopic_skeleton, script_of, words

TYPO_MIN_LENGTH = 6  # shorter keywords must be typed exactly or as a known form
LONG_WORD = 9  # from this length two slips are allowed, below it one
MIN_STEM = 4  # a Snowball stem shorter than this (Latin, Cyrillic) is too vague to compare


@lru_cache(maxsize=32)
def _snowball(algorithm: str):  # type: ignore[no-untyped-def]
    return snowballstemmer.stemmer(algorithm)


@dataclass(frozen=True)
class Analyzer:
    """How one language finds a word's stem: a Snowball stemmer, or light suffix rules."""

    stemmer: str | None = None
    suffixes: tuple[str, ...] = ()
    compounds: bool = False  # words may be glued together (German): a keyword may be inside

    def stems(self, word: str) -> frozenset[str]:
        return _stems(self, word)


@lru_cache(maxsize=65536)
def _stems(analyzer: Analyzer, word: str) -> frozenset[str]:
    forms = {word}
    script = script_of(word)
    if script == "arabic":
        forms |= arabic_forms(word)
    if script == "ethiopic":
        forms.add(ethiopic_skeleton(word))
    if analyzer.stemmer:
        stemmer = _snowball(analyzer.stemmer)
        shortest = 2 if script in ("arabic", "ethiopic") else MIN_STEM
        stems = {stemmer.stemWord(form) for form in list(forms)}
        forms |= {stem for stem in stems if len(stem) >= shortest}
    for form in list(forms):
        for suffix in analyzer.suffixes:
            if form.endswith(suffix) and len(form) - len(suffix) >= 2:
                forms.add(form[: -len(suffix)])
                break
    return frozenset(f for f in forms if f)


@dataclass(frozen=True)
class Word:
    """One word of a keyword phrase, with the forms it is known by."""

    text: str
    forms: frozenset[str]
    exact: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """A keyword phrase of one language, ready to match."""

    source: str
    words: tuple[Word, ...]
    analyzer: Analyzer = field(compare=False)

    @property
    def weight(self) -> int:
        return sum(len(word.text) for word in self.words)


def phrase(source: str, analyzer: Analyzer) -> Phrase | None:
    """Compile a keyword phrase; None when it has no word left after normalisation."""
    compiled = []
    for raw in source.split():
        exact, prefix = raw.startswith("="), raw.endswith("*")
        for text in words(raw.strip("=*")):
            forms = frozenset({text}) if exact or prefix else analyzer.stems(text)
            compiled.append(Word(text, forms, exact, prefix))
    return Phrase(source, tuple(compiled), analyzer) if compiled else None


def phrases(sources: Iterable[str], analyzer: Analyzer) -> tuple[Phrase, ...]:
    return tuple(p for p in (phrase(s, analyzer) for s in sources) if p is not None)


def _same(keyword: Word, token: str, analyzer: Analyzer) -> bool:
    if keyword.exact:
        return token == keyword.text
    if keyword.prefix:
        return token.startswith(keyword.text)
    if token == keyword.text or keyword.forms & analyzer.stems(token):
        return True
    if analyzer.compounds and len(keyword.text) >= 5 and keyword.text in token:
        return True
    if script_of(token) == "ethiopic":
        skeleton = ethiopic_skeleton(keyword.text)
        return len(skeleton) >= 3 and ethiopic_skeleton(token).startswith(skeleton)
    return _typo(keyword.text, token)


def _typo(keyword: str, token: str) -> bool:
    """A small typing slip: same first letter, long enough, one letter wrong, missing, extra
    or swapped (two in long words)."""
    if len(keyword) < TYPO_MIN_LENGTH or token[0] != keyword[0]:
        return False
    slips = 2 if len(keyword) >= LONG_WORD else 1
    if abs(len(token) - len(keyword)) > slips:
        return False
    return OSA.distance(keyword, token, score_cutoff=slips) <= slips


def covered(p: Phrase, tokens: Sequence[str]) -> set[int] | None:
    """The positions of the tokens that the phrase's words found, or None if one is missing."""
    used: set[int] = set()
    for keyword in p.words:
        found = next(
            (i for i, t in enumerate(tokens) if i not in used and _same(keyword, t, p.analyzer)),
            None,
        )
        if found is None:
            return None
        used.add(found)
    return used
