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
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate


# Latin script inside right-to-left text: a name, a number, an e-mail address, a /command.
# A run is the longest stretch of these characters that begins with a letter, a digit, "+" or
# "(" and ends with a letter, a digit or ")" (a single letter or digit is a run too); a "/"
# that starts a word ("/forget") belongs to the run after it. Brackets stay paired: a bracket
# whose partner is not in the same stretch (it closes or opens around right-to-left words)
# is never put inside an isolate, so "(مؤسسة Pro Familia)" keeps both brackets outside.
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_INSIDE = " .,'’()\\-–/&+@:"  # may sit inside a run, besides letters and digits
_NOT_FIRST = " .,'’)-–/&@:"  # inside characters a run cannot begin with
_NOT_LAST = " .,'’(-–/&+@:"  # inside characters a run cannot end with
# A maximal stretch of run characters; each holds a few runs at most, found without
# backtracking, so the time is linear in the text (the first single regex was quadratic).
LATIN_RUN = re.compile(f"[{_LATIN}{_INSIDE}]+")
# Text already isolated (by `Translator.isolate`) is left as it is.
ISOLATED = re.compile("\u2068[^\u2068\u2069]*\u2069")
_LETTER = re.compile(f"[{_LATIN}]")


def _unpaired_brackets(stretch: str) -> list[int]:
    """Positions of the brackets in `stretch` whose partner is not in it."""
    opened: list[int] = []
    unpaired: list[int] = []
    for i, char in enumerate(stretch):
        if char == "(":
            opened.append(i)
        elif char == ")":
            if opened:
                opened.pop()
            else:
                unpaired.append(i)
    return sorted(unpaired + opened)


def _isolate_piece(piece: str, word_start: bool) -> str:
    """`piece` (no unpaired bracket in it) with its run isolated, if it holds one."""
    core = piece.lstrip(_NOT_FIRST).rstrip(_NOT_LAST)
    if not core or core == "+":
        return piece
    start = len(piece) - len(piece.lstrip(_NOT_FIRST))
    end = start + len(core)
    # "/forget" at the start of a word is a command: its slash goes into the isolate.
    if start and piece[start - 1] == "/" and _LETTER.match(core):
        before = piece[start - 2] if start >= 2 else None
        if (before is None and word_start) or (before is not None and before.isspace()):
            start -= 1
    return f"{piece[:start]}{FSI}{piece[start:end]}{PDI}{piece[end:]}"


def _isolate_stretch(match: re.Match[str]) -> str:
    stretch = match.group(0)
    at = match.start()
    word_start = at == 0 or match.string[at - 1].isspace()
    out: list[str] = []
    begin = 0
    for cut in [*_unpaired_brackets(stretch), len(stretch)]:
        out.append(_isolate_piece(stretch[begin:cut], word_start and begin == 0))
        out.append(stretch[cut : cut + 1])
        begin = cut + 1
    return "".join(out)


def isolate_latin_runs(text: str) -> str:
    """Every run of Latin script in `text` wrapped in FSI…PDI (what is isolated stays so)."""
    out: list[str] = []
    begin = 0
    for done in ISOLATED.finditer(text):
        out.append(LATIN_RUN.sub(_isolate_stretch, text[begin : done.start()]))
        out.append(done.group(0))
        begin = done.end()
    out.append(LATIN_RUN.sub(_isolate_stretch, text[begin:]))
    return "".join(out)


PLACEHOLDER = re.compile(r"\{[a-z_]*\}")

# The digit zero of the CLDR numbering systems a locale may default to (babel knows each
# locale's default system, "arabext" for Persian, but not the systems' digits).
_ZERO = {"latn": "0", "arab": "\u0660", "arabext": "\u06f0", "beng": "\u09e6", "deva": "\u0966"}


@cache
def _digit_table(code: str) -> dict[int, str]:
    zero = _ZERO.get(Locale.parse(code).default_numbering_system, "0")
    return {ord("0") + i: chr(ord(zero) + i) for i in range(10)}


# Luxembourgish "and" as CLDR writes it, and the sounds before which its n is kept.
_LB_AND = re.compile(r"\ba\(n\) (\w)")
_LB_N = set("aeiouäëéèöüAEIOUÄËÉÈÖÜdhntzDHNTZ")


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
        """Translate, then fill `{placeholders}` (whole numbers in the locale's digits)."""
        text = self._translations.gettext(message)
        return self._fill(text, params, translated=text != message)

    def plural(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate with the locale's CLDR plural rules; `{n}` is filled in.

        A form may leave `{n}` out where its words already say the number (Arabic
        "خدمتان", two services)."""
        text = self._translations.ngettext(singular, plural, n)
        return self._fill(text, {"n": n, **params}, translated=text not in (singular, plural))

    def _fill(self, template: str, params: dict[str, object], translated: bool) -> str:
        # Isolate the translation's own Latin ("/forget"), not the values. A missing
        # translation comes back as the English, unchanged, so callers can tell.
        if self.rtl and translated:
            pieces = PLACEHOLDER.split(template)
            names = PLACEHOLDER.findall(template)
            isolated = [isolate_latin_runs(piece) for piece in pieces]
            template = "".join(p + n for p, n in zip(isolated, [*names, ""], strict=True))
        if not params:
            return template
        values = {
            key: self.number(value)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for key, value in params.items()
        }
        return template.format(**values)

    def number(self, value: int) -> str:
        """A whole number in the locale's default digits ("۱۸" in Persian, "18" in Arabic)."""
        return self.digits(str(value))

    def digits(self, text: str) -> str:
        """`text` with its Western digits written in the locale's default digits."""
        return text.translate(_digit_table(self.code))

    def join(self, items: list[str]) -> str:
        """Items as a list the locale writes: "a, b and c", "a، b و c" in Persian (CLDR)."""
        items = [item for item in items if item]
        if not items:
            return ""
        text = format_list(items, style="standard", locale=self.code)
        if self.code == "lb":  # CLDR writes "a(n)": the n stays before a vowel, d, h, n, t, z
            text = _LB_AND.sub(
                lambda m: ("an " if m.group(1) in _LB_N else "a ") + m.group(1), text
            )
        return text

    def date(self, value: date) -> str:
        return self.digits(format_date(value, format="long", locale=self.code))

    def isolate(self, text: str) -> str:
        """Wrap left-to-right material (numbers, e-mails, Latin names) so RTL text keeps order."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def isolate_latin(self, text: str) -> str:
        """In a right-to-left language, isolate every run of Latin script inside `text`."""
        return isolate_latin_runs(text) if self.rtl else text


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
