"""The words the bot understands, per language, read from `locales/<code>/understand.yaml`.

The files are data for translators, next to the gettext catalogues: keyword phrases per
need, for distress and danger, greetings, negations, "talk to a person", the answers to
the questions (who needs help, the situation),
and the names of the languages. They are read once and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.i18n import LOCALES_DIR
from bot.understand.matching import Analyzer, Phrase, phrases

FILE_NAME = "understand.yaml"


class TextLoader(yaml.SafeLoader):
    """YAML where every plain word is text: `no`, `on`, `off`, `yes` are words here."""


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> object:
    """A data file read with `TextLoader`."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=TextLoader)


@dataclass(frozen=True)
class Words:
    """Everything one language's file says, compiled."""

    code: str
    analyzer: Analyzer
    distress: tuple[Phrase, ...]
    distress_alone: tuple[Phrase, ...]
    greetings: tuple[Phrase, ...]
    person: tuple[Phrase, ...]
    negations: frozenset[str]
    fillers: frozenset[str]
    needs: dict[str, tuple[Phrase, ...]]
    answers: dict[str, tuple[Phrase, ...]]  # other words for an option, by option id
    languages: dict[str, tuple[Phrase, ...]]


def _words(code: str, data: dict) -> Words:  # type: ignore[type-arg]
    from bot.understand.normalise import words

    analyzer = Analyzer(
        stemmer=data.get("stemmer") or None,
        suffixes=tuple(sorted(data.get("suffixes") or (), key=len, reverse=True)),
        compounds=bool(data.get("compounds", False)),
    )

    def group(key: str) -> dict[str, tuple[Phrase, ...]]:
        return {str(k): phrases(v or (), analyzer) for k, v in (data.get(key) or {}).items()}

    def flat(key: str) -> frozenset[str]:
        return frozenset(w for item in data.get(key) or () for w in words(str(item)))

    return Words(
        code=code,
        analyzer=analyzer,
        distress=phrases(data.get("distress") or (), analyzer),
        distress_alone=phrases(data.get("distress_alone") or (), analyzer),
        greetings=phrases(data.get("greetings") or (), analyzer),
        person=phrases(data.get("person") or (), analyzer),
        negations=flat("negations"),
        fillers=flat("fillers"),
        needs=group("needs"),
        answers=group("answers"),
        languages=group("languages"),
    )


class Lexicon:
    """The understanding data of every language that has a file."""

    def __init__(self, by_code: dict[str, Words]) -> None:
        self.by_code = by_code

    @classmethod
    def load(cls, locales_dir: Path = LOCALES_DIR) -> Lexicon:
        found: dict[str, Words] = {}
        for path in sorted(locales_dir.glob(f"*/{FILE_NAME}")):
            data = read_yaml(path) or {}
            found[path.parent.name] = _words(path.parent.name, data)
        return cls(found)

    def order(self, first: str | None) -> list[Words]:
        """Every language, the given one first and English second."""
        ranked = [first, "en", *sorted(self.by_code)]
        return [self.by_code[c] for c in dict.fromkeys(ranked) if c in self.by_code]

    @property
    def negations(self) -> frozenset[str]:
        return frozenset().union(*(w.negations for w in self.by_code.values()))

    @property
    def fillers(self) -> frozenset[str]:
        return frozenset().union(*(w.fillers for w in self.by_code.values()))


@cache
def default_lexicon(locales_dir: Path = LOCALES_DIR) -> Lexicon:
    """The bundled lexicon, read on first use."""
    return Lexicon.load(locales_dir)
