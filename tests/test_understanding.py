"""Understanding typed text: the corpus targets, normalisation, options, languages, greetings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bot.catalog.model import Need
from bot.understand import (
    Analyzer,
    default_lexicon,
    distress,
    is_greeting,
    normalise,
    parse_age,
    phrase,
    read_language,
    read_need,
    read_option,
    wants_person,
    words,
)
from bot.understand.normalise import arabic_forms, ethiopic_skeleton

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_understanding", ROOT / "bench/understanding.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("bench_understanding", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lexicon():
    return default_lexicon()


# --- the corpus ---------------------------------------------------------------------------


def test_corpus_is_large_enough_and_well_labelled():
    corpus = _bench().load_corpus()
    assert set(corpus) == set(LANGUAGES)
    labels = {need.value for need in Need} | {"distress", "nothing"}
    for code, rows in corpus.items():
        assert len(rows) >= 30, code
        assert {label for _, label in rows} <= labels, code
        assert sum(label == "nothing" for _, label in rows) >= 5, code
        assert sum(label == "distress" for _, label in rows) >= 8, code
    assert sum(len(rows) for rows in corpus.values()) >= 300


def test_corpus_meets_the_targets_in_every_language():
    bench = _bench()
    results = bench.score(bench.load_corpus())
    misses = {code: s.errors for code, s in results.items() if s.errors}
    for code, s in results.items():
        assert s.distress_recall == 1.0, (code, misses.get(code))
        assert s.false_alarms == 0, (code, misses.get(code))
        assert s.need_accuracy >= 0.9, (code, misses.get(code))


def test_bench_prints_a_line_per_language(capsys):
    assert _bench().main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:]] == list(LANGUAGES)


# --- normalisation ------------------------------------------------------------------------


def test_normalise_case_accents_marks_and_spaces():
    assert normalise("  Ça  VA, Très\u200b bien!! ") == "ca va tres bien"
    assert normalise("ٱلْعُنْفُ") == "العنف"  # harakat and alef wasla
    assert normalise("مـــحـــامي") == "محامي"  # tatweel


def test_normalise_arabic_and_persian_letter_variants():
    assert normalise("کمک") == normalise("كمك")  # Persian and Arabic kaf
    assert normalise("فارسی") == normalise("فارسي") == normalise("فارسى")  # yeh forms
    assert normalise("مدرسة") == normalise("مدرسه")  # teh marbuta
    assert normalise("أمي إلى آخر") == "امي الي اخر"  # hamza seats


def test_normalise_digits_of_every_script():
    assert normalise("۲۵") == "25" == normalise("٢٥")
    assert parse_age("عمره ٧ سنوات") == 7
    assert parse_age("۱۲ سال") == 12
    assert parse_age("121") is None


def test_arabic_article_prepositions_and_pronouns_come_off():
    assert "محامي" in arabic_forms("المحامي")
    assert "نوم" in arabic_forms("والنوم")
    assert "زوج" in arabic_forms("زوجي")
    assert "اولاد" in arabic_forms("اولادها")
    assert "بيت" in arabic_forms("بيت")  # a short word is left whole


def test_persian_mi_prefix_joins_its_verb_and_zwnj_goes():
    assert words("می خوام") == words("می\u200cخوام") == words("میخوام")


def test_apostrophes_split_french_but_not_ukrainian():
    assert words("j'ai besoin d'un avocat") == ["j", "ai", "besoin", "d", "un", "avocat"]
    assert words("б'є") == words("бʼє") == ["бє"]


def test_ethiopic_skeleton_ignores_the_vowel_of_each_syllable():
    assert ethiopic_skeleton("ደቀይ").startswith(ethiopic_skeleton("ደቂ")[:1])
    assert ethiopic_skeleton("ሓገዝ") == ethiopic_skeleton("ሓጊዝ")


# --- distress -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "I want to kill myself",
        "suicide",
        "sucide",  # typo
        "help",
        "HELP ME!!!",
        "مساعدة",
        "ሓገዝ",
        "my husband hits me",
        "زوجي يضربني",
        "شوهرم منو میزنه",
        "мене побили",
        "je suis en danger",
        "llamen a la policía",
        "please help me",  # English in any conversation
        "112",
    ],
)
def test_distress_is_heard(text, lexicon):
    assert distress(text, lexicon, "fr") is not None


@pytest.mark.parametrize(
    "text",
    [
        "help with my papers",
        "I was fired from my job",
        "thank you",
        "ok",
        "je cherche un cours de français",
        "ich bin gestern nach Hause gefahren",
        "مرحبا",
        "",
        "🙂",
    ],
)
def test_ordinary_text_is_no_alarm(text, lexicon):
    assert distress(text, lexicon, "en") is None


def test_distress_names_the_language_it_was_written_in(lexicon):
    assert distress("اريد ان اموت", lexicon) == "ar"
    assert distress("хочу померти", lexicon) == "uk"


# --- needs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "need"),
    [
        ("النوم", "ar", "mental_health"),
        ("المحامي", "ar", "legal_admin"),
        ("العنف", "ar", "women_violence"),
        ("не можу спати", "uk", "mental_health"),
        ("je ne dors pas", "fr", "mental_health"),
        ("I lost my brother", "en", "family_tracing"),
        ("kindergarten", "en", "children_family"),
        ("I need a lawyer", "en", "legal_admin"),
        ("I need a doctor", "en", "mental_health"),
        ("psycholgist please", "en", "mental_health"),
        ("I need a lawyer", "fa", "legal_admin"),  # English in a Persian conversation
        ("racisme au travail", "fr", "discrimination"),  # the problem wins over the place
    ],
)
def test_needs_from_ordinary_words(text, language, need, lexicon):
    assert read_need(text, lexicon, language) == need


def test_no_need_in_ordinary_phrases(lexicon):
    for text in ("thank you", "ok", "what is this", "qqqq zzzz"):
        assert read_need(text, lexicon, "en") is None, text


def test_talk_to_a_person(lexicon):
    assert wants_person("can I talk to a person?", lexicon, "en")
    assert wants_person("je veux parler à quelqu'un", lexicon, "fr")
    assert not wants_person("housing", lexicon, "en")


# --- options ------------------------------------------------------------------------------

PLAIN = Analyzer()
WHO = [
    ("me", [phrase("Me", PLAIN), phrase("Moi", PLAIN)]),
    ("child", [phrase("My child", PLAIN), phrase("Mon enfant", PLAIN), phrase("child", PLAIN)]),
    ("family", [phrase("Someone in my family", PLAIN), phrase("family", PLAIN)]),
]


def test_option_by_label_in_any_language_or_number(lexicon):
    assert read_option("me", WHO, lexicon).value == "me"
    assert read_option("moi", WHO, lexicon).value == "me"
    assert read_option("mon enfant", WHO, lexicon).value == "child"
    assert read_option("2", WHO, lexicon).value == "child"
    assert read_option("۳", WHO, lexicon).value == "family"
    assert read_option("4", WHO, lexicon).value is None


def test_option_under_negation_is_not_taken(lexicon):
    reading = read_option("I have no child", WHO, lexicon)
    assert reading.value is None and reading.negated
    assert read_option("it's not me", WHO, lexicon).negated


def test_two_options_at_once_are_ambiguous(lexicon):
    reading = read_option("me and my child", WHO, lexicon)
    assert reading.value is None and reading.ambiguous


def test_negation_inside_the_label_itself_is_fine(lexicon):
    unknown = [
        ("unknown", [phrase("I don't know", PLAIN)]),
        ("no_papers", [phrase("No papers", PLAIN)]),
    ]
    assert read_option("i dont know", unknown, lexicon).value == "unknown"
    assert read_option("no papers", unknown, lexicon).value == "no_papers"


# --- languages and greetings ------------------------------------------------------------

NATIVE = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("lb", "Lëtzebuergesch"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("ti", "ትግርኛ"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("es", "Español"),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Arabic", "ar"),
        ("عربي", "ar"),
        ("arabe", "ar"),
        ("farsi", "fa"),
        ("Dari", "fa"),
        ("persian please", "fa"),
        ("Українська", "uk"),
        ("ukrainian", "uk"),
        ("Tigrinya", "ti"),
        ("ትግርኛ", "ti"),
        ("Lëtzebuergesch", "lb"),
        ("luxembourgish", "lb"),
        ("Deutsch", "de"),
        ("German", "de"),
        ("Allemand", "de"),
        ("francais", "fr"),
        ("fr", "fr"),
        ("espanol", "es"),
        ("russian", "ru"),
    ],
)
def test_language_names(text, code, lexicon):
    assert read_language(text, lexicon, NATIVE).value == code


def test_language_not_named(lexicon):
    assert read_language("hello", lexicon, NATIVE).value is None
    assert read_language("que es esto", lexicon, NATIVE).value is None


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "Hi!",
        "salut",
        "bonjour",
        "hallo",
        "Moien",
        "مرحبا",
        "سلام",
        "привіт",
        "привет",
        "hola",
        "ሰላም",
        "hello 👋",
    ],
)
def test_greetings(text, lexicon):
    assert is_greeting(text, lexicon)


def test_a_question_is_not_a_greeting(lexicon):
    assert not is_greeting("hello where can I find a flat", lexicon)


def test_no_town_or_village_name_is_an_alarm(lexicon):
    from bot.catalog.places import default_gazetteer

    names = [n for p in default_gazetteer().places for n in (p.name, *p.aliases)]
    assert len(names) > 100
    assert [n for n in names if distress(n, lexicon, "lb") is not None] == []


def test_no_button_label_is_an_alarm(lexicon):
    from bot.flows.options import AGE_BANDS, NEEDS, REGIONS, STATUSES, WHO
    from bot.i18n import Translators

    translators = Translators()
    alarms = [
        (lang.code, translators[lang.code](option.label))
        for lang in translators.languages
        for option in (*WHO, *STATUSES, *NEEDS, *AGE_BANDS, *REGIONS)
        if distress(translators[lang.code](option.label), lexicon, lang.code) is not None
    ]
    assert alarms == []


def test_no_typed_word_is_kept_in_a_cache(lexicon):
    import bot.understand.matching as matching
    import bot.understand.normalise as normalising

    caches = [
        name
        for module in (matching, normalising)
        for name, value in vars(module).items()
        if hasattr(value, "cache_info")
    ]
    assert caches == ["_snowball"]  # stemmer objects, built once per language
    assert matching._snowball.cache_info().maxsize <= 32
