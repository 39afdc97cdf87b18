"""Languages, translators and locale-aware formatting.

UI strings are English msgids in gettext catalogues under `locales/<code>/LC_MESSAGES/`.
A locale folder is all it takes to add a language: its native name and text direction come
from babel's CLDR data. Catalogues are compiled in memory at start when no fresh `.mo` exists,
so a fresh clone works without a build step.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate


# Latin script inside right-to-left text: a name, a number, an e-mail address. A run is the
# longest stretch of these characters that begins with a letter, a digit, "+" or "(" and
# ends with a letter, a digit or ")" (a single letter or digit is a run too).
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_INSIDE = " .,'’()\\-–/&+@:"  # may sit inside a run, besides letters and digits
_NOT_FIRST = " .,'’)-–/&@:"  # inside characters a run cannot begin with
_NOT_LAST = " .,'’(-–/&+@:"  # inside characters a run cannot end with
# A maximal stretch of run characters; each holds at most one run (found without backtracking,
# so the time is linear in the text: the old single regex was quadratic on "++++…").
LATIN_RUN = re.compile(f"[{_LATIN}{_INSIDE}]+")


def _isolate_run(match: re.Match[str]) -> str:
    stretch = match.group(0)
    core = stretch.lstrip(_NOT_FIRST).rstrip(_NOT_LAST)
    if not core or (len(core) == 1 and core in "+("):
        return stretch
    start = len(stretch) - len(stretch.lstrip(_NOT_FIRST))
    end = start + len(core)
    return f"{stretch[:start]}{FSI}{core}{PDI}{stretch[end:]}"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, at render time."""
    return message


@dataclass(frozen=True)
class Language:
    """A language the bot speaks."""

    code: str
    native_name: str
    rtl: bool


def _language(code: str) -> Language:
    locale = Locale.parse(code)
    name = locale.get_display_name(code) or code
    return Language(code, name[:1].upper() + name[1:], locale.character_order == "right-to-left")


# Order of the language picker: the languages most of our users read first.
PREFERRED_ORDER = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")


@cache
def available_languages(locales_dir: Path = LOCALES_DIR) -> tuple[Language, ...]:
    """English plus every locale folder that holds a catalogue, in picker order."""
    codes = {SOURCE_LANGUAGE}
    if locales_dir.is_dir():
        for po in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
            codes.add(po.parent.parent.name)
    rank = {code: i for i, code in enumerate(PREFERRED_ORDER)}
    ordered = sorted(codes, key=lambda code: (rank.get(code, len(rank)), code))
    return tuple(_language(code) for code in ordered)


def language_codes(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    return tuple(language.code for language in available_languages(locales_dir))


def supported(code: str | None, locales_dir: Path = LOCALES_DIR) -> str | None:
    """Our code for a Telegram `language_code` such as 'fr' or 'pt-BR', or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in language_codes(locales_dir) else None


def _load_translations(code: str, locales_dir: Path) -> gettext.NullTranslations:
    folder = locales_dir / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """Everything a reply needs to speak one language: gettext, plurals, dates, direction."""

    def __init__(self, language: Language, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def rtl(self) -> bool:
        return self.language.rtl

    def __call__(self, message: str, **params: object) -> str:
        """Translate, then fill `{placeholders}`."""
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate with the locale's CLDR plural rules; `{n}` is filled in."""
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def join(self, items: list[str]) -> str:
        """Items as a list the locale writes ("a, b, c"; "a، b" in Persian), without "and"."""
        if not items:
            return ""
        middle = Locale.parse(self.code).list_patterns["standard"]["middle"]
        text = items[0]
        for item in items[1:]:
            text = middle.format(text, item)
        return text

    def date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.code)

    def isolate(self, text: str) -> str:
        """Wrap left-to-right material (numbers, e-mails, Latin names) so RTL text keeps order."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def isolate_latin(self, text: str) -> str:
        """In a right-to-left language, isolate every run of Latin script inside `text`."""
        if not self.rtl:
            return text
        return LATIN_RUN.sub(_isolate_run, text)


class Translators:
    """One translator per available language, built once."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self.languages = available_languages(locales_dir)
        self._by_code = {
            language.code: Translator(language, _load_translations(language.code, locales_dir))
            for language in self.languages
        }

    def __getitem__(self, code: str | None) -> Translator:
        return self._by_code.get(code or SOURCE_LANGUAGE, self._by_code[SOURCE_LANGUAGE])

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)
