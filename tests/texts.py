"""Every text a person reads, per language, for the wording tests.

`ui_texts(code)` are the UI strings (msgstrs, the msgids for English), `catalogue_texts(code)`
the catalogue's names, summaries, notes, office names and contact labels. `allowed_latin(code)`
is the set of Latin-script words a text in a non-Latin script may contain: names, derived from
the catalogue (organisations, cities, and the words every non-Latin translation of a name
keeps), plus the short `KEPT_NAMES` list below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from babel.messages.pofile import read_po

from bot.catalog.loader import bundled_catalog_path, load_catalog
from bot.catalog.model import Catalog, Service, Text
from bot.i18n import LOCALES_DIR

LANGUAGES = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")
NON_LATIN = ("ar", "fa", "ti", "uk", "ru")  # texts in these must not carry Latin words

# Latin words that are names but not in the catalogue's names, and why.
KEPT_NAMES: dict[str, set[str]] = {
    "*": {
        "Telegram",  # the app the bot lives in
        "asbl",  # the legal form of an association, part of its name ("CESMI asbl")
        "fënster",  # an online platform (seed 003), its name written in lower case
        "Esch",  # the usual short name of Esch-sur-Alzette, on a place button
    },
    # Telegram has no Tigrinya interface: a Tigrinya reader sees the English menu item
    # "Location" in the 📎 menu, so the hint names it as it appears there.
    "ti": {"Location"},
}

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
ADDRESS = re.compile(r"\S+@\S+\.\w+|https?://\S+|\bt\.me/\S+")
ELISION = re.compile(r"^[dlDL]['’]")
NAME_WORD = re.compile(r"[A-Z\u00c0-\u00de0-9]")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'’\-]*")


@dataclass(frozen=True)
class Piece:
    """One text: where it comes from (msgid, or service id and field) and its words."""

    where: str
    text: str


@cache
def catalogue() -> Catalog:
    return load_catalog(bundled_catalog_path())


def _po(code: str):  # type: ignore[no-untyped-def]
    path = LOCALES_DIR / ("fr" if code == "en" else code) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


@cache
def ui_texts(code: str) -> tuple[Piece, ...]:
    """The UI strings in `code`, every plural form; English is the msgids."""
    pieces = []
    for message in _po(code):
        if not message.id or "keyword" in " ".join(message.auto_comments):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts = ids if code == "en" else strings
        pieces += [Piece(ids[0], text) for text in dict.fromkeys(texts) if text]
    return tuple(pieces)


def _texts(service: Service) -> Iterator[tuple[str, Text]]:
    yield "name", service.name
    yield "summary", service.summary
    if service.contact_note:
        yield "contact_note", service.contact_note
    for location in service.locations:
        if location.name:
            yield "office name", location.name
    for contact in (*service.phones, *service.emails, *service.urls):
        if contact.label:
            yield "contact label", contact.label


@cache
def catalogue_texts(code: str, field: str | None = None) -> tuple[Piece, ...]:
    """The catalogue's texts in `code` (only those of `field`, when given)."""
    return tuple(
        Piece(f"{service.id} {name}", text.as_dict()[code])
        for service in catalogue().services
        for name, text in _texts(service)
        if text.has(code) and (field is None or name == field)
    )


def latin_words(text: str) -> list[str]:
    """The Latin-script words of a text, leaving out placeholders, commands and addresses."""
    for pattern in (PLACEHOLDER, ADDRESS, COMMAND):
        text = pattern.sub(" ", text)
    return LATIN_WORD.findall(text)


def bare(word: str) -> str:
    """A word without a French elision in front: "d'Arcus" -> "Arcus"."""
    return ELISION.sub("", word)


def _name_words(text: str) -> set[str]:
    """The words of a name that are names themselves: with a capital or a digit ("ONE",
    "Alupse", "Arcus", "FG1"), not the "de", "pour" or "and" between them."""
    return {bare(word) for word in latin_words(text) if NAME_WORD.search(word)}


@cache
def catalogue_names() -> frozenset[str]:
    """Latin words that are names: those of organisation names and office cities, and the
    name-like words that all five non-Latin translations of a catalogue text keep."""
    names: set[str] = set()
    for service in catalogue().services:
        names |= _name_words(service.organization)
        for location in service.locations:
            names |= _name_words(location.city)
        for _, text in _texts(service):
            kept = [_name_words(text.get(code)) for code in NON_LATIN if text.has(code)]
            if len(kept) == len(NON_LATIN):
                names |= set.intersection(*kept)
    return frozenset(names)


def allowed_latin(code: str) -> frozenset[str]:
    return catalogue_names() | KEPT_NAMES["*"] | KEPT_NAMES.get(code, set())


# --- sentences ----------------------------------------------------------------------------

# A sentence ends at . ! ? (and the Ethiopic ። ፧ and Arabic ؟) before a space or the end,
# or at a line break. "e.g." or "a.s.b.l." can end a sentence too early, never too late.
SENTENCE_END = re.compile(r"(?<=[.!?։።፧؟])(?=\s|$)|\n")
# Words are split by white space, and in Tigrinya also by the Ethiopic word space ፡.
WORD_SPLIT = re.compile(r"[\s፡]+")
HAS_LETTER = re.compile(r"[^\W_]")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def words(sentence: str) -> list[str]:
    """A placeholder counts as one word; dashes, bullets and emoji are no words."""
    return [w for w in WORD_SPLIT.split(sentence) if HAS_LETTER.search(w)]
