"""Texts a stressed reader can follow, in the language they chose, on buttons that fit.

Checks every UI string, every catalogue text and every rendered keyboard of the walk
(`tests/screens.py`) in all ten languages.
"""

from __future__ import annotations

import unicodedata

import pycld2
import pytest

from bot.flows.options import STATUSES
from bot.i18n import Translators
from tests import screens, texts
from tests.texts import LANGUAGES, NON_LATIN

# --- no Latin words in a text of another script ---------------------------------------------


@pytest.mark.parametrize("code", NON_LATIN)
def test_no_latin_word_but_names(code):
    allowed = texts.allowed_latin(code)
    found = sorted(
        {
            f"{piece.where[:50]!r}: {word}"
            for piece in (*texts.ui_texts(code), *texts.catalogue_texts(code))
            for word in texts.latin_words(piece.text)
            if texts.bare(word) not in allowed
        }
    )
    assert found == []


def test_allowlist_holds_names_not_words():
    names = texts.catalogue_names()
    assert {"CESMI", "ONE", "Alupse", "Wiltz"} <= names
    assert not {"early", "intervention", "therapy", "mentor", "e-mail"} & names


# --- every text of 40 characters or more is in its language ---------------------------------

MIN_LENGTH = 40
SCRIPTS = {"ar": "ARABIC", "fa": "ARABIC", "ti": "ETHIOPIC", "uk": "CYRILLIC", "ru": "CYRILLIC"}
# Letters one of the two Cyrillic languages has and the other has not.
OWN_LETTERS = {"uk": set("іїєґІЇЄҐ"), "ru": set("ыэъёЫЭЪЁ")}


def _prose(text: str, code: str) -> str:
    """The text without the names, addresses and placeholders CLD2 would read as another
    language."""
    kept = texts.allowed_latin(code)
    for pattern in (texts.PLACEHOLDER, texts.ADDRESS, texts.COMMAND):
        text = pattern.sub(" ", text)
    return " ".join(w for w in text.split() if texts.bare(w.strip("()[],.;:!?«»\"'")) not in kept)


def identified(text: str, code: str) -> str:
    """CLD2's language for a text said to be in `code` ("un" when it cannot tell).

    `code` is CLD2's prior, as a reader's setting would be: short texts in one language
    of a close pair (lb/de, es/pt, fr/en) are read as the other without it, while a text
    wholly in another language still is (test_cld2_catches_a_text_in_another_language)."""
    _, _, found = pycld2.detect(text, bestEffort=True, hintLanguage=code)
    return found[0][1]


def script_fits(text: str, code: str) -> bool:
    """For a text CLD2 cannot tell: every letter in the language's script (Latin for the
    Latin-script languages, apart from names), and no letter of the other Cyrillic language."""
    script = SCRIPTS.get(code, "LATIN")
    letters = [c for c in text if c.isalpha()]
    if any(not unicodedata.name(c, "").startswith(script) for c in letters):
        return False
    other = {"uk": "ru", "ru": "uk"}.get(code)
    return not (other and OWN_LETTERS[other] & set(text))


def test_cld2_knows_tigrinya_and_luxembourgish():
    ti = "ስድራቤትኩም ኣብ ከቢድ እዋን እንተሃልያ፡ ካብ ቤት ጽሕፈት ሓገዝ ክትሓቱ ትኽእሉ ኢኹም።"
    lb = "Wann Är Famill eng schwiereg Zäit duerchmécht, kënnt Dir ëm Hëllef froen."
    assert {"ti", "lb"} <= {code for _, code in pycld2.LANGUAGES}
    assert (pycld2.detect(ti)[2][0][1], pycld2.detect(lb)[2][0][1]) == ("ti", "lb")


@pytest.mark.parametrize(
    ("claimed", "text", "actual"),
    [
        ("de", "Tap a button or type the age as a number.", "en"),
        ("lb", "Tippen Sie auf eine Taste oder schreiben Sie das Alter als Zahl.", "de"),
        ("fr", "Family planning – psychological counselling for everyone", "en"),
        ("fa", "اطلب المساعدة من المكتب الوطني للطفولة إذا كانت عائلتك تمرّ بوقت صعب", "ar"),
        ("ti", "ቤተሰብዎ አስቸጋሪ ጊዜ ውስጥ ከሆነ ከብሔራዊ የልጆች ቢሮ እርዳታ መጠየቅ ይችላሉ።", "am"),
    ],
)
def test_cld2_catches_a_text_in_another_language(claimed, text, actual):
    assert identified(text, claimed) == actual


def test_script_check_for_what_cld2_cannot_tell():
    assert script_fits("Служба по делам беженцев", "ru")
    assert not script_fits("Служба у справах біженців", "ru")
    assert not script_fits("Вы увидите службы", "uk")
    assert not script_fits("early intervention ጽሕፈት", "ti")


@pytest.mark.parametrize("code", LANGUAGES)
def test_long_texts_are_in_their_language(code):
    """Each text of 40 characters or more, less its names: CLD2 names its language, or,
    where CLD2 cannot tell (short Russian texts mostly), its letters are of its script."""
    wrong = []
    for piece in (*texts.ui_texts(code), *texts.catalogue_texts(code)):
        prose = _prose(piece.text, code)
        if len(prose) < MIN_LENGTH:
            continue
        found = identified(prose, code)
        if found != code and not (found == "un" and script_fits(prose, code)):
            wrong.append(f"{piece.where[:40]!r} read as {found}: {piece.text[:60]}")
    assert wrong == []


# --- buttons fit a 360-dp phone ---------------------------------------------------------------

# Characters a button shows on a 360-dp-wide phone, by the number of buttons in the row.
ROW_WIDTH = {1: 40, 2: 20, 3: 13}


def width(label: str) -> int:
    """Characters as the phone draws them: an emoji counts as two, marks that sit on a letter
    (Arabic vowels, the emoji variation selector, joiners) as none."""
    total = 0
    for char in label:
        category = unicodedata.category(char)
        if category in ("Mn", "Me", "Cf"):
            continue
        total += 2 if category == "So" else 1
    return total


def test_width_counts_emoji_as_two():
    assert width("🆘 Notfall") == 10
    assert width("⬅️ Back") == 7
    assert width("مُنحت") == 4


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_button_fits_its_row(code):
    too_wide = sorted(
        {
            f"{len(row)} in a row, {width(label)} > {ROW_WIDTH.get(len(row), 0)}: {label}"
            for screen in screens.walk(code)
            for row in screen.rows
            for label in row
            if width(label) > ROW_WIDTH.get(len(row), 0)
        }
    )
    assert too_wide == []


def test_walk_shows_the_keyboards_it_must():
    steps = {screen.name for screen in screens.walk("en")}
    assert {"start", "/language", "me: age", "me: status", "me: need", "emergency"} <= steps


# --- status options that cannot be confused ------------------------------------------------

# Per language, the words that must be on the two statuses people mix up: an applicant who
# waits for a decision, and a refugee whose protection was granted.
SETS_APART = {
    "en": ("waiting", "granted"),
    "fr": ("en attente", "accordée"),
    "de": ("Antrag läuft", "Schutz erhalten"),
    "lb": ("Ufro leeft", "Schutz kritt"),
    "ar": ("بانتظار", "مُنحت"),
    "fa": ("منتظر", "پذیرفته"),
    "ti": ("ዝጽበ", "ዝተዋህቦ"),
    "uk": ("чекає", "надано"),
    "ru": ("ждёт", "предоставлена"),
    "es": ("en espera", "concedida"),
}


@pytest.mark.parametrize("code", LANGUAGES)
def test_status_labels_carry_what_sets_them_apart(code):
    tr = Translators()[code]
    applicant, refugee = (tr(option.label) for option in STATUSES[:2])
    waiting, granted = SETS_APART[code]
    assert waiting in applicant and granted not in applicant
    assert granted in refugee and waiting not in refugee


@pytest.mark.parametrize("code", ["uk", "ru"])
def test_asylum_label_does_not_read_as_asking_for_shelter(code):
    applicant = Translators()[code](STATUSES[0].label)
    assert not applicant.startswith("Прошу")


def _hints(screen: screens.Screen) -> set[str]:
    return {line for line in screen.text.splitlines() if line.startswith("•")}


@pytest.mark.parametrize("code", LANGUAGES)
def test_status_hints_speak_of_the_person_asked_for(code):
    walked = {screen.name: screen for screen in screens.walk(code)}
    mine = _hints(walked["me: status"])
    tr = Translators()[code]
    first_person = {tr(option.hint) for option in STATUSES}
    assert len(mine) == len(STATUSES)
    for who in ("child", "family"):
        theirs = _hints(walked[f"{who}: status"])
        assert len(theirs) == len(STATUSES)
        assert not theirs & mine, f"{who}: the same hints as for 'Me'"
        assert not [h for h in first_person if h in walked[f"{who}: status"].text]


# --- sentences of at most 25 words --------------------------------------------------------

MAX_WORDS = 25


def test_sentence_splitting_and_counting():
    assert texts.sentences("One. Two!\nThree? ዓራት። ኣርባዕተ፧ خمسة؟ sechs") == [
        "One.",
        "Two!",
        "Three?",
        "ዓራት።",
        "ኣርባዕተ፧",
        "خمسة؟",
        "sechs",
    ]
    assert texts.sentences("CESMI asbl, 1.5 km") == ["CESMI asbl, 1.5 km"]
    assert texts.words("ስድራቤትኩም፡ ካብ ONE – {n} 🆘") == ["ስድራቤትኩም", "ካብ", "ONE", "{n}"]


def long_sentences(pieces: tuple[texts.Piece, ...]) -> list[str]:
    return [
        f"{len(texts.words(sentence))} words: {sentence}"
        for piece in pieces
        for sentence in texts.sentences(piece.text)
        if len(texts.words(sentence)) > MAX_WORDS
    ]


@pytest.mark.parametrize("code", LANGUAGES)
def test_ui_sentences_are_short(code):
    assert long_sentences(texts.ui_texts(code)) == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_summary_sentences_are_short(code):
    assert long_sentences(texts.catalogue_texts(code, "summary")) == []
