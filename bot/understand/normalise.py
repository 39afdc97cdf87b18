"""Typed text as comparable words: case, accents, scripts' letter variants, digits, clitics.

Everything here is pure and works on at most `MAX_TYPED` characters.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TYPED = 200  # longer texts are not answers; we do not read further

# Arabic and Persian spellings of the same letter, to one form (Persian ی/ک as Arabic ي/ك,
# hamza seats and alef forms as bare alef, teh marbuta as heh, as people type on phones).
LETTER_VARIANTS = str.maketrans(
    {
        "ی": "ي",
        "ى": "ي",
        "ئ": "ي",
        "ې": "ي",
        "ک": "ك",
        "ڪ": "ك",
        "ة": "ه",
        "ۀ": "ه",
        "ە": "ه",
        "ھ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel, the stretching stroke
    }
)
APOSTROPHES = "'’ʼ`´"
ARABIC = re.compile(r"[\u0600-\u06FF]")
ETHIOPIC = re.compile(r"[\u1200-\u137F]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")

# Arabic proclitics (conjunction, prepositions, article) and enclitic pronouns; Persian
# possessive and plural endings. Stripped only while a stem of 3 letters or more remains.
ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف")
ARABIC_SUFFIXES = (
    "هايم",
    "هاي",
    "كما",
    "هما",
    "مان",
    "تان",
    "شان",
    "ها",
    "هم",
    "هن",
    "كم",
    "كن",
    "نا",
    "ني",
    "ات",
    "ام",
    "اش",
    "ه",
    "ك",
    "ي",
    "م",
    "ت",
    "ش",
)
PERSIAN_VERB_PREFIXES = ("مي", "نمي")


def script_of(word: str) -> str:
    """'arabic', 'ethiopic', 'cyrillic' or 'latin' (everything else)."""
    if ARABIC.search(word):
        return "arabic"
    if ETHIOPIC.search(word):
        return "ethiopic"
    if CYRILLIC.search(word):
        return "cyrillic"
    return "latin"


def _digits(text: str) -> str:
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in text
    )


def _apostrophes(text: str) -> str:
    """An apostrophe inside a Cyrillic word is part of it (бʼє), and so is one before a last
    letter (don't, it's, I'm: typed "dont", "its", "im"); elsewhere it splits (j'ai)."""
    out = []
    for i, ch in enumerate(text):
        if ch in APOSTROPHES:
            before = text[i - 1] if i else ""
            after = text[i + 1 : i + 3]
            last_letter = len(after) >= 1 and after[0].isalpha() and not after[1:].isalpha()
            out.append("" if CYRILLIC.match(before) or last_letter else " ")
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """Lower case, no accents or marks, one letter per Arabic-script variant, ASCII digits,
    no zero-width or direction characters, words separated by single spaces."""
    text = unicodedata.normalize("NFKC", text[:MAX_TYPED]).translate(LETTER_VARIANTS)
    text = _apostrophes(_digits(text))
    text = unicodedata.normalize("NFKD", text).casefold()
    kept = [ch for ch in text if unicodedata.category(ch) not in {"Mn", "Me", "Cf", "Cc"}]
    return re.sub(r"[\W_]+", " ", "".join(kept)).strip()


def words(text: str) -> list[str]:
    """The normalised words of a text; Persian 'mi-' verb prefixes joined to their verb."""
    out: list[str] = []
    for word in normalise(text).split():
        if out and out[-1] in PERSIAN_VERB_PREFIXES and script_of(word) == "arabic":
            out[-1] += word
        else:
            out.append(word)
    return out


def arabic_forms(word: str) -> set[str]:
    """A word of Arabic script with and without its article, proclitics and pronoun endings:
    'والمحامي' -> {'والمحامي', 'المحامي', 'محامي', 'محام', ...}."""
    forms = {word}
    stems = {word}
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            stems.add(word[len(prefix) :])
    for stem in list(stems):
        for suffix in ARABIC_SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
                stems.add(stem[: -len(suffix)])
    forms |= stems
    return forms


def ethiopic_skeleton(word: str) -> str:
    """Each Ge'ez syllable as its consonant (first order): ደቀይ -> ደቀየ, ደቂ -> ደቀ.

    Tigrinya inflects inside the syllable, so comparing consonants finds the same word
    under its endings."""
    out = []
    for ch in word:
        code = ord(ch)
        if 0x1200 <= code <= 0x135A:
            out.append(chr(code - (code - 0x1200) % 8))
        else:
            out.append(ch)
    return "".join(out)
