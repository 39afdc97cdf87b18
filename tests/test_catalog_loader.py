"""Loading the catalogue: every problem found in one run, each with its line and plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.loader import (
    bundled_catalog_path,
    load_catalog,
    load_catalog_text,
)
from bot.catalog.model import Need, Status
from bot.catalog.problems import CatalogError, Problem

GOOD_ENTRY = """\
  - id: {ident}
    organization: CEPAS
    name: {{en: Counselling, fr: Consultation}}
    summary: {{en: Talk to someone., fr: Parler à quelqu'un.}}
    needs: [mental_health]
    statuses: [any]
    phones:
      - number: "(+352) 48 59 76"
    source: {{file: seed.txt, place: line 1}}
"""


def catalog_text(*entries: str) -> str:
    return 'version: "1"\nservices:\n' + "".join(entries)


def good(ident: str) -> str:
    return GOOD_ENTRY.format(ident=ident)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "catalog.yaml")
    return caught.value.problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_valid_file_loads_with_values_converted() -> None:
    text = catalog_text(
        good("cepas"),
        """\
  - id: tracing
    organization: Red Cross
    name: {en: Family tracing}
    summary: {en: Find family members.}
    needs: [family_tracing]
    statuses: [asylum_applicant, unaccompanied_minor]
    age: {min: 0, max: 17}
    languages: [en, fr, ar]
    active: {from: 2026-01-01, until: 2026-12-31}
    locations:
      - {address: [44 Bd Joseph II], postal_code: L-1840, city: Luxembourg,
         latitude: 49.61, longitude: 6.12}
    phones: [{number: 112}]
    general_information: yes
    source: {file: seed.txt, place: line 2}
""",
    )
    catalog = load_catalog_text(text)
    tracing = catalog.by_id()["tracing"]
    assert tracing.needs == [Need.FAMILY_TRACING]
    assert tracing.statuses == [Status.ASYLUM_APPLICANT, Status.UNACCOMPANIED_MINOR]
    assert tracing.age is not None and tracing.age.max == 17
    assert tracing.active is not None and tracing.active.until.isoformat() == "2026-12-31"
    assert tracing.locations[0].latitude == 49.61
    assert tracing.phones[0].number == "112"  # an unquoted number stays text
    assert tracing.general_information is True


def test_the_bundled_catalogue_is_valid() -> None:
    path = bundled_catalog_path()
    if not path.exists():
        pytest.skip("the bundled catalogue is not written yet")
    assert load_catalog(path).services


def test_yaml_syntax_error_has_its_line() -> None:
    text = catalog_text(good("cepas")).replace(
        "    organization: CEPAS", "    organization: CEPAS: the centre"
    )
    problem = only_problem(text)
    assert problem.line == 4
    assert "':'" in problem.message and "quotes" in problem.message
    assert str(problem).startswith("catalog.yaml:4: the file cannot be read here")


def test_tab_indentation_is_named() -> None:
    text = catalog_text(good("cepas")).replace("      - number", "\t- number")
    problem = only_problem(text)
    assert problem.line == 10
    assert "tab character" in problem.message


def test_unclosed_quote_points_at_where_it_opens() -> None:
    text = catalog_text(good("cepas")).replace('"(+352) 48 59 76"', '"(+352) 48 59 76')
    assert only_problem(text).line == 10
    assert "never closed" in only_problem(text).message


def test_unknown_field_suggests_the_right_one() -> None:
    text = catalog_text(good("cepas").replace("    phones:", "    phnoe:"))
    problem = only_problem(text)
    assert problem.line == 9
    assert problem.message == "unknown field 'phnoe' — did you mean 'phones'?"
    assert problem.field == 'entry "cepas"'
    assert problem.path == "services[0].phnoe"


def test_unknown_field_without_a_close_name_lists_the_allowed_ones() -> None:
    text = catalog_text(good("cepas").replace("    phones:", "    xyz: 1\n    phones:"))
    problem = only_problem(text)
    assert problem.line == 9
    assert "allowed here are: id, organization, name" in problem.message


def test_duplicate_ids_name_both_lines() -> None:
    problem = only_problem(catalog_text(good("cepas"), good("other"), good("cepas")))
    assert problem.line == 21
    assert "'cepas' is already used by the entry on line 3" in problem.message
    assert problem.path == "services[2].id"


def test_need_outside_the_closed_set_lists_the_allowed_values() -> None:
    problem = only_problem(catalog_text(good("cepas").replace("[mental_health]", "[mental_helth]")))
    assert problem.line == 7
    assert "'mental_helth' is not a known need" in problem.message
    assert "Did you mean 'mental_health'?" in problem.message
    assert all(need.value in problem.message for need in Need)


def test_status_outside_the_closed_set_lists_the_allowed_values() -> None:
    problem = only_problem(catalog_text(good("cepas").replace("[any]", "[any, refugee]")))
    assert problem.line == 8
    assert problem.path == "services[0].statuses[1]"
    assert all(status.value in problem.message for status in Status)


def test_bad_date_asks_for_the_iso_form() -> None:
    entry = good("cepas").replace(
        "    phones:", "    active:\n      from: 2026-01-01\n      until: 2026-02-30\n    phones:"
    )
    problem = only_problem(catalog_text(entry))
    assert problem.line == 11
    assert problem.field == 'entry "cepas", active → until'
    assert "'2026-02-30' is not a date — write it as YYYY-MM-DD" in problem.message


def test_age_range_upside_down() -> None:
    entry = good("cepas").replace(
        "    phones:", "    age:\n      min: 30\n      max: 18\n    phones:"
    )
    problem = only_problem(catalog_text(entry))
    assert problem.line == 9
    assert problem.message == "the age range is upside down: min 30 is above max 18"


def test_age_must_be_a_whole_number() -> None:
    entry = good("cepas").replace("    phones:", "    age: {min: twelve}\n    phones:")
    problem = only_problem(catalog_text(entry))
    assert (problem.line, problem.message) == (9, "must be a whole number")


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        (
            '"(+352) 48 59 76"',
            '"call the office"',
            10,
            'entry "cepas", phones → number',
            "does not look like a phone number",
        ),
        (
            '    phones:\n      - number: "(+352) 48 59 76"',
            "    emails:\n      - address: info(at)cepas.lu",
            10,
            'entry "cepas", emails → address',
            "is not an e-mail address",
        ),
        (
            "    phones:",
            "    locations:\n      - city: Wiltz\n        postal_code: 9530\n    phones:",
            11,
            'entry "cepas", locations → postal_code',
            "'9530' is not a Luxembourg postal code",
        ),
    ],
)
def test_malformed_contacts(old: str, new: str, line: int, field: str, words: str) -> None:
    problem = only_problem(catalog_text(good("cepas").replace(old, new)))
    assert (problem.line, problem.field) == (line, field)
    assert words in problem.message


def test_missing_required_field_is_reported_at_the_entry() -> None:
    entry = good("cepas").replace(
        "    summary: {en: Talk to someone., fr: Parler à quelqu'un.}\n", ""
    )
    problem = only_problem(catalog_text(good("first"), entry))
    assert problem.line == 12
    assert problem.message == "missing — every entry needs a 'summary'"
    assert str(problem) == (
        "catalog.yaml:12: entry \"cepas\", summary: missing — every entry needs a 'summary'"
    )


def test_missing_field_of_a_phone_names_the_phone() -> None:
    entry = good("cepas").replace('- number: "(+352) 48 59 76"', "- label: {en: Office}")
    problem = only_problem(catalog_text(entry))
    assert problem.line == 10
    assert problem.message == "missing — every phone needs a 'number'"


def test_duplicate_key_in_one_mapping_names_both_lines() -> None:
    entry = good("cepas").replace(
        "    organization: CEPAS\n", "    organization: A\n    organization: B\n"
    )
    problem = only_problem(catalog_text(entry))
    assert problem.line == 5
    assert "'organization' is written twice here (first on line 4)" in problem.message
    assert problem.field == 'entry "cepas"'


def test_duplicate_language_in_a_text_is_found_too() -> None:
    entry = good("cepas").replace("{en: Counselling, fr: Consultation}", "{en: A, en: B}")
    problem = only_problem(catalog_text(entry))
    assert problem.line == 5
    assert problem.path == "services[0].name.en"


def test_every_problem_of_every_entry_is_reported_in_one_run() -> None:
    first = (
        good("first")
        .replace("[mental_health]", "[housin]")
        .replace('"(+352) 48 59 76"', '"phone me"')
    )
    second = good("second").replace("    organization: CEPAS\n", "")
    third = good("third").replace("    phones:", "    phnoe:")
    fourth = good("first")
    problems = problems_of(catalog_text(first, second, third, fourth))
    found = [(p.line, p.path) for p in problems]
    assert found == [
        (7, "services[0].needs[0]"),
        (10, "services[0].phones[0].number"),
        (12, "services[1].organization"),
        (26, "services[2].phnoe"),
        (29, "services[3].id"),
    ]
    assert "housing" in problems[0].message  # did you mean


def test_empty_file_and_wrong_top_level() -> None:
    assert only_problem("").message == "the file is empty"
    assert only_problem("# only a comment\n").message == "the file is empty"
    problems = problems_of("- just\n- a list\n")
    assert problems[0].line == 1
    assert "group of 'name: value' lines" in problems[0].message


def test_top_level_typo_is_reported() -> None:
    problems = problems_of('version: "1"\nservcies: []\n')
    messages = {p.message for p in problems}
    assert "unknown field 'servcies' — did you mean 'services'?" in messages
    assert "missing — the file needs a 'services'" in messages


def test_yaml_anchors_and_merges_work() -> None:
    text = catalog_text(
        good("first").replace(
            "    source:", "    contact_note: &note {en: Call first.}\n    source:"
        ),
        good("second").replace("    source:", "    contact_note: *note\n    source:"),
    )
    catalog = load_catalog_text(text)
    assert catalog.services[1].contact_note == catalog.services[0].contact_note


def test_norway_problem_is_avoided() -> None:
    entry = good("cepas").replace("{en: Counselling, fr: Consultation}", "{en: Help, no: Hjelp}")
    assert load_catalog_text(catalog_text(entry)).services[0].name.get("no") == "Hjelp"


def test_load_catalog_reads_files_and_reports_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog_text(good("cepas")), encoding="utf-8")
    assert load_catalog(path).services[0].id == "cepas"
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nope.yaml")
    assert "does not exist" in str(caught.value)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(catalog_text(good("cepas")).replace("à", "\xe0").encode("latin-1"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(latin)
    assert caught.value.problems[0].line == 6
    assert "UTF-8" in caught.value.problems[0].message


def test_only_one_document_and_known_anchors() -> None:
    second = catalog_text(good("cepas")) + "---\nversion: 2\n"
    problem = only_problem(second)
    assert (problem.line, problem.message) == (
        12,
        "only one document is allowed — remove the second '---'",
    )
    unknown = catalog_text(good("cepas").replace("[any]", "*everyone"))
    problem = only_problem(unknown)
    assert problem.line == 8
    assert "'*everyone' refers to an anchor" in problem.message


@pytest.mark.parametrize("pad", ["   ", "     ", "       ", "        "])
def test_an_indentation_error_on_a_text_line_names_that_line(pad: str) -> None:
    text = (
        'version: "1"\nservices:\n  - id: cepas\n    organization: X\n    name:\n'
        f"      en: A long text\n{pad}fr: B\n    summary: {{en: x}}\n"
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "catalog.yaml")
    assert caught.value.problems[0].line == 7, str(caught.value)
