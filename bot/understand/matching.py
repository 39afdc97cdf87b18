"""Phrases matched against typed words: same word, same stem, a known ending, or a typo.

A phrase such as "kill myself" fits a text when each of its words is found among the
text's words. A keyword word written `=fire` is matched exactly (no stem, no typo), one
written `kind*` matches any word that starts with it. A phrase written `~son` is weak: it
names a person more than a need, and counts only when nothing else fits ("my son has
autism" is about development).
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


# The script each Snowball stemmer we use is written for: others' words are left alone.
STEMMER_SCRIPTS = {"arabic": "arabic", "persian": "arabic", "russian": "cyrillic"}


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
        """The word and its stems (not cached here: typed words are never kept)."""
        return _stems(self, word)


def _stems(analyzer: Analyzer, word: str) -> frozenset[str]:
    forms = {word}
    script = script_of(word)
    if script == "arabic":
        forms |= arabic_forms(word)
    if script == "ethiopic":
        forms.add(ethiopic_skeleton(word))
    if analyzer.stemmer and STEMMER_SCRIPTS.get(analyzer.stemmer, "latin") == script:
        stemmer = _snowball(analyzer.stemmer)
        shortest = 2 if script in ("arabic", "ethiopic") else MIN_STEM
        stems = {stemmer.stemWord(form) for form in list(forms)}
        forms |= {stem for stem in stems if len(stem) >= shortest}
    for form in list(forms):
        for suffix in analyzer.suffixes:
            if len(form) >= 5 and form.endswith(suffix) and len(form) - len(suffix) >= 3:
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
    weak: bool = False  # written "~phrase": counts only when nothing else fits

    @property
    def weight(self) -> int:
        """How much the phrase says: its letters; a weak phrase says least."""
        return 1 if self.weak else sum(len(word.text) for word in self.words)


def phrase(source: str, analyzer: Analyzer) -> Phrase | None:
    """Compile a keyword phrase; None when it has no word left after normalisation."""
    weak = source.startswith("~")
    compiled = []
    for raw in source.lstrip("~").split():
        exact, prefix = raw.startswith("="), raw.endswith("*")
        for text in words(raw.strip("=*")):
            forms = frozenset({text}) if exact or prefix else analyzer.stems(text)
            compiled.append(Word(text, forms, exact, prefix))
    return Phrase(source, tuple(compiled), analyzer, weak) if compiled else None


def phrases(sources: Iterable[object], analyzer: Analyzer) -> tuple[Phrase, ...]:
    """Compile a data file's list (a number in it is read as its digits)."""
    return tuple(p for p in (phrase(str(s), analyzer) for s in sources) if p is not None)


class Typed(list[str]):
    """The words of one typed text, indexed for matching, with their stems per language.

    Lives as long as one reading of the text: nothing typed is kept after it."""

    def __init__(self, tokens: Iterable[str]) -> None:
        super().__init__(tokens)
        self._by_text: dict[str, list[int]] = {}
        self._by_first: dict[str, list[int]] = {}
        for i, token in enumerate(self):
            self._by_text.setdefault(token, []).append(i)
            self._by_first.setdefault(token[:1], []).append(i)
        self._skeletons = {
            i: ethiopic_skeleton(token)
            for i, token in enumerate(self)
            if script_of(token) == "ethiopic"
        }
        self._forms: dict[int, dict[str, list[int]]] = {}  # by id of the Analyzer

    def _forms_of(self, analyzer: Analyzer) -> dict[str, list[int]]:
        index = self._forms.get(id(analyzer))
        if index is None:
            index = self._forms[id(analyzer)] = {}
            for token, places in self._by_text.items():
                for form in analyzer.stems(token):
                    index.setdefault(form, []).extend(places)
        return index

    def find(self, keyword: Word, analyzer: Analyzer) -> list[int]:
        """The positions of the words that `keyword` matches, in order."""
        text = keyword.text
        if keyword.exact:
            return self._by_text.get(text, [])
        forms = self._forms_of(analyzer)
        if (
            not (keyword.prefix or analyzer.compounds or self._skeletons)
            and text not in self._by_text
            and not any(form in forms for form in keyword.forms)
            and (len(text) < TYPO_MIN_LENGTH or text[0] not in self._by_first)
        ):
            return []  # the usual case, decided without building anything
        return sorted(self._search(keyword, analyzer))

    def _search(self, keyword: Word, analyzer: Analyzer) -> set[int]:
        text = keyword.text
        if keyword.exact:
            return set(self._by_text.get(text, ()))
        if keyword.prefix:
            return {i for i, token in enumerate(self) if token.startswith(text)}
        found = set(self._by_text.get(text, ()))
        forms = self._forms_of(analyzer)
        for form in keyword.forms:
            found.update(forms.get(form, ()))
        if analyzer.compounds and len(text) >= 5:
            found.update(i for i, token in enumerate(self) if text in token)
        if self._skeletons and script_of(text) == "ethiopic":
            skeleton = ethiopic_skeleton(text)
            if len(skeleton) >= 3:
                found.update(i for i, s in self._skeletons.items() if s.startswith(skeleton))
        if len(text) >= TYPO_MIN_LENGTH:
            found.update(i for i in self._by_first.get(text[0], ()) if _typo(text, self[i]))
        return found


def typed(text: str) -> Typed:
    """The words of a typed text, ready to match."""
    return Typed(words(text))


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
    if not isinstance(tokens, Typed):
        tokens = Typed(tokens)
    used: set[int] = set()
    for keyword in p.words:
        found = next((i for i in tokens.find(keyword, p.analyzer) if i not in used), None)
        if found is None:
            return None
        used.add(found)
    return used
