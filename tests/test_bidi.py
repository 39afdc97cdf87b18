"""Right-to-left screens as a bidi renderer draws them: commands, numbers, names and brackets.

Every line of every screen in Arabic and Persian is laid out with python-bidi (tests/
bidi_layout.py) in a right-to-left paragraph, as a phone shows it; the checks read the drawn
order, not the isolation marks, so they hold whatever way the text is isolated.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel import Locale

from bot.i18n import FSI, PDI, Translators, available_languages
from tests import screens
from tests.bidi_layout import bracket_pairs, layout

RTL = [language.code for language in available_languages() if language.rtl]
CONTROLS = {FSI, PDI, "\u2066", "\u2067", "\u200e", "\u200f"}
COMMAND = re.compile(r"(?<!\S)/[a-z]+")
# Latin words (names, postcodes, phone numbers, e-mails, links) joined by spaces or ", ":
# each such run reads left to right as one piece, also inside right-to-left text.
_WORD = (
    r"\+?[A-Za-z0-9\u00c0-\u024f](?:[A-Za-z0-9\u00c0-\u024f.'’@&_\-–/:]*[A-Za-z0-9\u00c0-\u024f])?"
)
LATIN_RUN = re.compile(f"{_WORD}(?:(?:, | ){_WORD})*")


def _plain(text: str) -> str:
    return "".join(char for char in text if char not in CONTROLS)


def _lines(code: str) -> list[tuple[str, str]]:
    """(screen name, line) for every line of text and every button label of the walk."""
    found = []
    for screen in screens.walk(code):
        found += [(screen.name, line) for line in screen.text.split("\n") if line.strip()]
        found += [(screen.name, label) for label in screen.labels]
    return found


def bracket_problems(line: str) -> list[str]:
    """Bracket pairs that are not drawn as "(" … ")" around the same characters."""
    drawn = layout(line)
    glyphs = drawn.glyphs
    problems = []
    for opening, closing in bracket_pairs(line):
        left, right = sorted((drawn.position(opening), drawn.position(closing)))
        inside = {i for i in range(opening + 1, closing) if line[i] not in CONTROLS}
        between = {i for i in drawn.order[left + 1 : right] if line[i] not in CONTROLS}
        pair = glyphs[left] + glyphs[right]
        if pair not in ("()", "[]") or inside != between:
            problems.append(f"{line[opening : closing + 1]!r} drawn as {_plain(glyphs)!r}")
    return problems


def order_problems(line: str) -> list[str]:
    """Commands and Latin runs that are not drawn as they are written."""
    drawn = _plain(layout(line).glyphs)
    plain = _plain(line)
    wanted = COMMAND.findall(plain) + LATIN_RUN.findall(plain)
    return [f"{piece!r} drawn as {drawn!r}" for piece in wanted if piece not in drawn]


@pytest.mark.parametrize("code", RTL)
def test_brackets_stay_paired_on_every_screen(code):
    problems = [f"{name}: {p}" for name, line in _lines(code) for p in bracket_problems(line)]
    assert problems == []


@pytest.mark.parametrize("code", RTL)
def test_commands_numbers_and_names_read_left_to_right_on_every_screen(code):
    problems = [f"{name}: {p}" for name, line in _lines(code) for p in order_problems(line)]
    assert problems == []


@pytest.mark.parametrize("code", RTL)
def test_every_screen_has_commands_and_brackets_to_check(code):
    """The two checks above see what they are about (the walk has both, drawn right)."""
    lines = [line for _, line in _lines(code)]
    assert sum(len(COMMAND.findall(_plain(line))) for line in lines) >= 5
    assert sum(len(bracket_pairs(line)) for line in lines) >= 20


def test_the_checks_catch_the_defects_they_are_for():
    assert bracket_problems(f"(مؤسسة {FSI}Pro Familia){PDI}")
    assert bracket_problems(f"(مؤسسة {FSI}Pro Familia{PDI})") == []
    assert order_problems("أرسل /start للبدء")
    assert order_problems(f"أرسل {FSI}/start{PDI} للبدء") == []
    assert order_problems("📞 116 111")
    assert order_problems(f"📍 {FSI}33, Rives de Clausen{PDI}, {FSI}L-2926 Luxembourg{PDI}")


@pytest.mark.parametrize(
    "text",
    [
        "(مؤسسة Pro Familia)",
        "أرسل /forget لحذفها.",
        "/emergency – أرقام الطوارئ",
        "فرم FG1).",
        "Caritas (Luxembourg) مؤسسة",
        "(Caritas مؤسسة) (ONE) [x (y)] info@asti.lu",
        "الوسط الشمالي (Ettelbruck)",
    ],
)
def test_isolated_latin_is_drawn_in_order_with_paired_brackets(text):
    isolated = Translators()["ar"].isolate_latin(text)
    assert bracket_problems(isolated) == [] and order_problems(isolated) == []


def _outside_isolates(text: str) -> str:
    return re.sub(f"{FSI}[^{FSI}{PDI}]*{PDI}", "", text)


@pytest.mark.parametrize("code", RTL)
def test_lists_use_the_locales_own_separators(code):
    """No Latin ", " between right-to-left words or isolated names (CLDR: "،", "و")."""
    commas = [f"{name}: {line!r}" for name, line in _lines(code) if "," in _outside_isolates(line)]
    assert commas == []


# The digit zero of each CLDR numbering system our locales default to.
ZERO = {
    "latn": "DIGIT ZERO",
    "arab": "ARABIC-INDIC DIGIT ZERO",
    "arabext": "EXTENDED ARABIC-INDIC DIGIT ZERO",
}


def _default_digits(code: str) -> str:
    """The locale's digits, from CLDR's default numbering system (Persian: ۰…۹)."""
    zero = ord(unicodedata.lookup(ZERO[Locale.parse(code).default_numbering_system]))
    return "".join(chr(zero + i) for i in range(10))


@pytest.mark.parametrize("code", sorted(language.code for language in available_languages()))
def test_numbers_in_sentences_use_the_locales_digits(code):
    """Digits outside isolates (isolated: phone numbers, postcodes, names) are the locale's."""
    allowed = set(_default_digits(code))
    wrong = [
        f"{name}: {line!r}"
        for name, line in _lines(code)
        if any(
            unicodedata.decimal(c, None) is not None and c not in allowed
            for c in _outside_isolates(line)
        )
    ]
    assert wrong == []


def _catalogue_texts(code: str) -> set[str]:
    """Every text of the bundled catalogue in language `code`, as the cards show it."""
    import yaml

    from bot.catalog.loader import bundled_catalog_path

    data = yaml.safe_load(bundled_catalog_path().read_text(encoding="utf-8"))
    found: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == code and isinstance(value, str):
                    found.add(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(data)
    return found


@pytest.mark.parametrize("code", sorted(language.code for language in available_languages()))
def test_a_needs_name_is_never_put_inside_a_sentence(code):
    """A button label is in the nominative: inside a sentence German needs another case
    ("passt zu Psychische Gesundheit"). On the results for a need, its name may only head a
    line ("Psychische Gesundheit: 3 Angebote gefunden")."""
    from bot.flows.options import NEEDS

    tr = Translators()[code]
    catalogue = {_plain(text) for text in _catalogue_texts(code)}
    glued, headings = [], 0
    for screen in screens.walk(code):
        need = next((o for o in NEEDS if screen.name.split(": ")[1:2] == [o.id]), None)
        if need is None:
            continue
        label = tr(need.label)
        for line in map(_plain, screen.text.split("\n")):
            if line in catalogue or label not in line:
                continue
            if line.startswith(label) and line[len(label) :].lstrip().startswith(":"):
                headings += 1
            else:
                glued.append(f"{screen.name}: {line!r}")
    assert glued == []
    assert headings >= len(NEEDS)


def test_a_distance_of_1_km_is_a_plural_form():
    """Spanish "a unos 1 km": the distance sentence has its plural forms per count."""
    es = Translators()["es"]
    one, many = (es.plural("(about {n} km)", "(about {n} km)", km) for km in (1, 7))
    assert "unos" not in one and "unos" in many


@pytest.mark.parametrize("code", RTL)
def test_the_telegram_adapters_own_texts_are_drawn_in_order(code):
    """The share text, the private-chat notice and the bot's descriptions come from the
    adapter, not the flows; they are isolated by the same translator."""
    from bot.channels.telegram import COMMAND_MENU, DESCRIPTION, PRIVATE_ONLY, SHORT_DESCRIPTION
    from bot.share import SHARE_TEXT

    tr = Translators()[code]
    link = "https://t.me/example_bot?start=ar-mental_health"
    texts = [tr(SHARE_TEXT, link=link), tr(PRIVATE_ONLY, link=link), tr(DESCRIPTION)]
    texts += [tr(SHORT_DESCRIPTION), *(tr(text) for _, text in COMMAND_MENU)]
    assert link in texts[0] and link in texts[1]
    assert [p for text in texts for p in order_problems(text) + bracket_problems(text)] == []
