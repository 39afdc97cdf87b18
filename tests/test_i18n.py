"""Every locale complete and correct; no English on a non-English screen; RTL isolation."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.catalog.loader import bundled_catalog_path
from bot.flows.model import Action
from bot.i18n import FSI, LOCALES_DIR, PDI, Translators, available_languages
from tests import screens
from tests.flow_helpers import Driver, make_context

TEMPLATE = LOCALES_DIR / "messages.pot"
PO_FILES = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
TEN = {"en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es"}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_ten_languages_are_available():
    assert {language.code for language in available_languages()} >= TEN
    assert len(PO_FILES) >= 9


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_catalogue_complete_and_placeholders_match(po):
    template = read(TEMPLATE)
    catalog = read(po)
    code = po.parent.parent.name
    cldr = get_plural(code)
    assert catalog.num_plurals == cldr.num_plurals, "plural forms differ from CLDR"
    ours, theirs = gettext.c2py(catalog.plural_expr), gettext.c2py(cldr.plural_expr)
    assert [ours(n) for n in COUNTS] == [theirs(n) for n in COUNTS], "plural rule differs"
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        if translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = {p for source in sources for p in PLACEHOLDER.findall(source)}
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"plural forms: {message.id!r}")
        for form, string in enumerate(strings):
            # A plural form for one number only (Arabic "one", "two") may say it in words.
            alone = isinstance(message.id, tuple) and len(numbers_of_form(ours, form)) == 1
            allowed = [expected, expected - {"{n}"}] if alone else [expected]
            if not string or not string.strip():
                problems.append(f"empty: {message.id!r}")
            elif set(PLACEHOLDER.findall(string)) not in allowed:
                problems.append(f"placeholders: {message.id!r} -> {string!r}")
    assert problems == []


COUNTS = [*range(0, 1201), 10**6, 2 * 10**6, 10**6 + 1]


def numbers_of_form(rule, form: int) -> list[int]:
    """The counts (of those we try) that a plural rule sends to `form`."""
    return [n for n in COUNTS if rule(n) == form]


def test_arabic_singular_and_dual_do_not_repeat_the_number():
    """ "وجدتُ 2 خدمتين" says two twice: the dual (and singular) noun says the number itself."""
    catalog = read(LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po")
    rule = gettext.c2py(catalog.plural_expr)
    forms = [
        form for form in range(catalog.num_plurals) if numbers_of_form(rule, form) in ([1], [2])
    ]
    assert len(forms) == 2
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals
    repeated = [
        (m.id[0], m.string[form]) for m in plurals for form in forms if "{n}" in m.string[form]
    ]
    assert repeated == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (Debian gettext) not installed")
@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_msgfmt_check(po):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_plurals_follow_each_locale():
    translators = Translators()
    ar = translators["ar"]
    forms = {
        ar.plural("{need}: {n} service found", "{need}: {n} services found", n, need="x")
        for n in (0, 1, 2, 3, 11, 100)
    }
    assert len(forms) == 6
    ru = translators["ru"]
    one, few, many = (
        ru.plural("{need}: {n} service found", "{need}: {n} services found", n, need="x")
        for n in (1, 3, 5)
    )
    assert len({one, few, many}) == 3


def test_dates_are_formatted_per_locale():
    from datetime import date

    translators = Translators()
    day = date(2026, 12, 31)
    assert translators["en"].date(day) == "December 31, 2026"
    assert "décembre" in translators["fr"].date(day)
    assert translators["ar"].date(day) != translators["en"].date(day)


def english_sentences() -> dict[str, list[str]]:
    """Per locale, the English UI fragments whose translation differs (and may not appear)."""
    template = read(TEMPLATE)
    result: dict[str, list[str]] = {}
    for po in PO_FILES:
        catalog = read(po)
        fragments = []
        for message in template:
            if not message.id or "," in str(message.id) and "keyword" in str(message.auto_comments):
                continue
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            translated = catalog.get(message.id)
            strings = (
                translated.string if isinstance(translated.string, tuple) else (translated.string,)
            )
            for source in sources:
                if source in strings:
                    continue  # the same words in this language (a name, an acronym)
                fragments += [f.strip() for f in PLACEHOLDER.split(source) if len(f.strip()) >= 12]
        result[po.parent.parent.name] = fragments
    return result


def walk(code: str) -> list[str]:
    """Every screen of the conversation in one language (texts and button labels)."""
    return [text for screen in screens.walk(code) for text in (screen.text, *screen.labels)]


@pytest.mark.parametrize("code", sorted(TEN - {"en"}))
def test_no_english_leaks_on_any_screen(code):
    fragments = english_sentences()[code]
    leaks = sorted({f for text in walk(code) for f in fragments if f in str(text)})
    assert leaks == []


@pytest.mark.parametrize("code", sorted(TEN - {"en"}))
def test_catalogue_texts_shown_in_the_language(code):
    import yaml

    data = yaml.safe_load(bundled_catalog_path().read_text(encoding="utf-8"))
    english = {
        s["summary"]["en"] for s in data["services"] if s["summary"].get(code) != s["summary"]["en"]
    }
    screens = "\n".join(str(t) for t in walk(code))
    assert [summary for summary in english if summary in screens] == []


@pytest.mark.parametrize("code", ["ar", "fa"])
def test_right_to_left_replies_isolate_numbers_and_latin(code):
    ctx = make_context(bundled_catalog_path().read_text(encoding="utf-8"))
    d = Driver(ctx)
    d.start()
    d.tap(code)
    d.tap("me")
    d.tap("16-17")
    d.tap("asylum_applicant")
    d.tap("mental_health")
    text = d.text
    assert "CESMI" in text
    for pattern in (r"\+352[\d ]+", r"L-\d{4}", r"CESMI"):
        for match in re.finditer(pattern, text):
            before = text[: match.start()]
            assert before.rfind(FSI) > before.rfind(PDI), f"{match.group(0)!r} is not isolated"
    d.tap(action=Action.EMERGENCY)
    assert f"{FSI}116 111{PDI}" in d.text


def test_left_to_right_replies_have_no_isolates():
    d = Driver()
    d.start()
    d.tap("en")
    d.tap(action=Action.EMERGENCY)
    assert FSI not in d.text and PDI not in d.text


def test_language_picker_shows_native_names():
    names = {language.code: language.native_name for language in available_languages()}
    assert names["ar"] == "العربية" and names["fa"] == "فارسی" and names["ti"] == "ትግርኛ"
    assert names["uk"] == "Українська" and names["lb"] == "Lëtzebuergesch"


def test_a_new_locale_folder_is_picked_up(tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    target = locales / "sw" / "LC_MESSAGES"
    target.mkdir(parents=True)
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace('msgid "Back"\nmsgstr ""', 'msgid "Back"\nmsgstr "Rudi"')
    (target / "messages.po").write_text(text, encoding="utf-8")
    translators = Translators(locales)
    assert "sw" in translators.codes
    assert translators["sw"]("Back") == "Rudi"
    assert translators["sw"].language.native_name == "Kiswahili"


def test_bundled_catalogue_is_fully_translated_in_every_language():
    from datetime import date

    from bot.catalog.loader import load_catalog
    from bot.catalog.report import build_report

    report = build_report(load_catalog(bundled_catalog_path()), date(2026, 11, 23))
    coverage = {c.language: (c.percent, c.missing) for c in report.coverage}
    assert set(coverage) >= TEN
    assert {code: value for code, value in coverage.items() if value[0] < 100} == {}
