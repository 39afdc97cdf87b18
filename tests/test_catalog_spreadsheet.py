"""The catalogue as a workbook (issue 15, point 3): export → import changes nothing; a
changed cell is written and only that; every bad cell is named by sheet, row and column,
all at once, and leaves the catalogue file untouched."""

from __future__ import annotations

import difflib
import io
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.catalog import bundled_catalog_path, load_catalog
from bot.catalog.rules import find_sources
from bot.catalog.spreadsheet import export_workbook, run_import

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "catalogue.xlsx"
    export_workbook(load_catalog(bundled_catalog_path()), path)
    return path


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    shutil.copy(bundled_catalog_path(), path)
    return path


def edit(source: Path, target: Path, changes: dict[str, list[tuple[int, str, object]]]) -> Path:
    """A copy of the workbook with cells changed: {sheet: [(row, header, value)]}."""
    book = openpyxl.load_workbook(source)
    for sheet, cells in changes.items():
        ws = book[sheet]
        headers = {cell.value: cell.column for cell in ws[1]}
        for row, header, value in cells:
            ws.cell(row=row, column=headers[header]).value = value
    book.save(target)
    return target


def imported(workbook: Path, catalogue: Path) -> tuple[int, str]:
    out = io.StringIO()
    status = run_import(workbook, catalogue, out)
    return status, out.getvalue()


def meaning(service: object) -> dict[str, object]:
    """A service as data, with its lists of values in one order (the workbook has no order
    for needs, statuses, audience)."""
    plain = service.model_dump()  # type: ignore[attr-defined]
    for key in ("needs", "statuses", "audience", "languages"):
        plain[key] = sorted(plain[key])
    return plain


def row_of(workbook: Path, ident: str) -> int:
    ws = openpyxl.load_workbook(workbook)["Services"]
    return next(row for row in range(2, ws.max_row + 1) if ws.cell(row, 1).value == ident)


def test_export_then_import_of_the_bundled_file_changes_nothing(
    exported: Path, catalogue: Path
) -> None:
    before = catalogue.read_bytes()
    status, out = imported(exported, catalogue)
    assert status == 0, out
    assert "no changes" in out
    assert catalogue.read_bytes() == before


def test_the_rewrite_itself_gives_back_the_file_byte_for_byte(exported: Path) -> None:
    """Not only "nothing written": the YAML the import would write is the same bytes."""
    from bot.catalog.spreadsheet import read_workbook, rewrite_catalogue

    text = bundled_catalog_path().read_text(encoding="utf-8")
    catalog, data = read_workbook(exported)
    assert rewrite_catalogue(text, data, catalog, "catalog.yaml") == text


def test_every_kind_of_value_survives_the_round_trip(exported: Path) -> None:
    from bot.catalog.spreadsheet import read_workbook

    catalog, _ = read_workbook(exported)
    original = load_catalog(bundled_catalog_path())
    assert {s.id: meaning(s) for s in catalog.services} == {
        s.id: meaning(s) for s in original.services
    }
    assert catalog.version == original.version
    kinds = {
        "phones": any(s.phones for s in catalog.services),
        "phone labels": any(p.label for s in catalog.services for p in s.phones),
        "offices": any(s.locations for s in catalog.services),
        "two address lines": any(
            len(o.address) == 2 for s in catalog.services for o in s.locations
        ),
        "ages": any(s.age for s in catalog.services),
        "age of child": any(s.age_of == "child" for s in catalog.services),
        "active": any(s.active for s in catalog.services),
        "editions": any(s.editions for s in catalog.services),
        "languages": any(s.languages for s in catalog.services),
        "audience": any(s.audience for s in catalog.services),
        "period unconfirmed": any(s.period_unconfirmed for s in catalog.services),
        "general information": any(s.general_information for s in catalog.services),
    }
    assert all(kinds.values()), kinds


def test_a_changed_cell_is_written_and_only_that(
    exported: Path, catalogue: Path, tmp_path: Path
) -> None:
    row = row_of(exported, "cepas")
    changed = edit(exported, tmp_path / "c.xlsx", {"Services": [(row, "summary [de]", "Neu.")]})
    before = catalogue.read_text(encoding="utf-8")

    status, out = imported(changed, catalogue)

    assert status == 0, out
    assert "cepas" in out
    after = catalogue.read_text(encoding="utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert len(diff) == 2, diff
    assert diff[1] == '+      de: "Neu."'
    assert load_catalog(catalogue).by_id()["cepas"].summary.get("de") == "Neu."


def test_new_fields_and_rows_are_written_where_the_model_puts_them(
    exported: Path, catalogue: Path, tmp_path: Path
) -> None:
    """A need ticked, an age added, a phone row added: the file stays valid, keeps its
    comments, and shows the new values."""
    ident = "cepas"
    row = row_of(exported, ident)
    phones = openpyxl.load_workbook(exported)["Phones"]
    number = next(
        phones.cell(r, 2).value for r in range(2, phones.max_row + 1) if phones.cell(r, 1).value
    )
    changed = edit(
        exported,
        tmp_path / "c.xlsx",
        {
            "Services": [(row, "need: work", "yes"), (row, "last verified", date(2027, 1, 5))],
            "Phones": [
                (phones.max_row + 1, "service id", ident),
                (phones.max_row + 1, "number", number),
            ],
        },
    )
    comments_before = [line for line in catalogue.read_text().splitlines() if "#" in line]

    status, out = imported(changed, catalogue)

    assert status == 0, out
    service = load_catalog(catalogue).by_id()[ident]
    assert "work" in service.needs and service.last_verified == date(2027, 1, 5)
    assert number in [p.number for p in service.phones]
    assert [line for line in catalogue.read_text().splitlines() if "#" in line] == comments_before


BAD_CELLS = {
    "unknown need value": ("Services", "need: work", "maybe", "choose yes or no"),
    "bad date": ("Services", "last verified", "31/12/2026", "is not a date"),
    "impossible date": ("Services", "active from", "2026-02-30", "not a real date"),
    "missing language": ("Services", "name [ti]", None, "name is missing in ti"),
    "empty organisation": ("Services", "organization", None, "is empty"),
    "bad age": ("Services", "age from", "twelve", "not a whole number"),
    "upside-down ages": ("Services", "age to", 1, "upside down", "age from"),
    "bad id": ("Services", "id", "Not An Id", "cannot be used as an id"),
    "unknown age_of": ("Services", "age is of", "parent", "is not one of: person, child"),
    "bad language code": ("Services", "languages", "french", "not a language code"),
    "no status": (
        "Services",
        "status: any",
        None,
        'at least one of the "status: …"',
        "status: asylum_applicant",
    ),
    "source line past the end": ("Services", "source place", "line 99999", "past the end"),
    "bad phone": ("Phones", "number", "12 ab", "does not look like a phone number"),
    "invented phone": ("Phones", "number", "(+352) 11 22 33", "not in any source document"),
    "office for an unknown service": ("Offices", "service id", "no-such-entry", "no entry has"),
    "bad postal code": ("Offices", "postal code", "1420", "not a Luxembourg postal code"),
    "formula": ("Offices", "city", "=A1", "holds a formula"),
}


# These rules read the source documents (shared/seeds beside the repository): without them
# `catalog check` and the import cannot tell, as in a plain clone of the repository alone.
NEED_SOURCES = {"source line past the end", "invented phone"}
needs_sources = pytest.mark.skipif(find_sources() is None, reason="source documents not found")


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=needs_sources) if c in NEED_SOURCES else c for c in sorted(BAD_CELLS)],
)
def test_a_bad_cell_is_named_and_nothing_is_written(
    case: str, exported: Path, catalogue: Path, tmp_path: Path
) -> None:
    sheet, header, value, words, *named = BAD_CELLS[case]
    row = row_of(exported, "cepas") if sheet == "Services" else 2
    if case == "no status":
        book = openpyxl.load_workbook(exported)["Services"]
        headers = [c.value for c in book[1]]
        changes = [(row, h, None) for h in headers if str(h).startswith("status: ")]
    else:
        changes = [(row, header, value)]
    bad = edit(exported, tmp_path / "bad.xlsx", {sheet: changes})
    before = catalogue.read_bytes()

    status, out = imported(bad, catalogue)

    assert status == 1, out
    assert catalogue.read_bytes() == before
    assert "nothing was written" in out
    problem = next(line for line in out.splitlines() if words in line)
    ws = openpyxl.load_workbook(bad)[sheet]
    header = named[0] if named else header  # a problem of a group: at its first column
    column = next(c.column_letter for c in ws[1] if c.value == header)
    assert problem.startswith(f'{sheet} sheet, row {row}, column {column} ("{header}"): ')


def test_a_duplicated_id_names_both_rows(exported: Path, catalogue: Path, tmp_path: Path) -> None:
    first = row_of(exported, "cepas")
    bad = edit(exported, tmp_path / "bad.xlsx", {"Services": [(first + 1, "id", "cepas")]})
    before = catalogue.read_bytes()

    status, out = imported(bad, catalogue)

    assert status == 1 and catalogue.read_bytes() == before
    place = f'Services sheet, row {first + 1}, column A ("id")'
    assert f"{place}: the id 'cepas' is already used on row {first}" in out


def test_all_problems_are_listed_at_once(exported: Path, catalogue: Path, tmp_path: Path) -> None:
    row = row_of(exported, "cepas")
    bad = edit(
        exported,
        tmp_path / "bad.xlsx",
        {
            "Services": [(row, "last verified", "soon"), (row + 1, "name [de]", None)],
            "Phones": [(2, "number", "x")],
            "Offices": [(2, "service id", "nobody")],
        },
    )
    status, out = imported(bad, catalogue)
    assert status == 1
    assert out.splitlines()[0].startswith(f"{bad}: 4 problems to fix")
    assert len(out.splitlines()) == 5


def test_a_missing_column_or_sheet_is_named(
    exported: Path, catalogue: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(exported)
    book["Services"].delete_cols(2)  # organization
    del book["Editions"]
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    status, out = imported(bad, catalogue)
    assert status == 1
    assert 'Services sheet: the column "organization" is missing' in out
    assert "Editions sheet: the sheet is missing" in out


def test_the_workbook_has_drop_downs_and_a_read_me(exported: Path) -> None:
    book = openpyxl.load_workbook(exported)
    assert book.sheetnames[0] == "Read me"
    ws = book["Services"]
    headers = {c.value: c.column_letter for c in ws[1]}
    lists = {
        str(rule.sqref).split(":")[0]: rule.formula1
        for rule in ws.data_validations.dataValidation
        if rule.type == "list"
    }
    assert lists[f"{headers['need: mental_health']}2"] == '"yes,no"'
    assert lists[f"{headers['status: any']}2"] == '"yes,no"'
    assert lists[f"{headers['age is of']}2"] == '"person,child"'
    offices = book["Offices"].data_validations.dataValidation
    assert any(rule.formula1.startswith("=Services!$A$2") for rule in offices)


def test_an_unreadable_workbook_is_one_line(catalogue: Path, tmp_path: Path) -> None:
    not_xlsx = tmp_path / "catalogue.xlsx"
    not_xlsx.write_text("id,name\n")
    status, out = imported(not_xlsx, catalogue)
    assert status == 2
    assert len(out.strip().splitlines()) == 1 and "cannot be read as an Excel workbook" in out


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "catalog", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_commands_as_real_processes(catalogue: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "catalogue.xlsx"
    exported = cli("export", str(workbook), "--catalog", str(catalogue))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert workbook.exists()

    same = cli("import", str(workbook), "--catalog", str(catalogue))
    assert same.returncode == 0, same.stdout + same.stderr
    assert catalogue.read_bytes() == bundled_catalog_path().read_bytes()

    bad = edit(workbook, tmp_path / "bad.xlsx", {"Phones": [(2, "number", "no phone")]})
    refused = cli("import", str(bad), "--catalog", str(catalogue))
    assert refused.returncode == 1
    assert 'Phones sheet, row 2, column B ("number")' in refused.stdout
    assert "Traceback" not in refused.stderr
    assert catalogue.read_bytes() == bundled_catalog_path().read_bytes()

    missing = cli("import", str(tmp_path / "nope.xlsx"), "--catalog", str(catalogue))
    assert missing.returncode == 2 and "does not exist" in missing.stdout

    row = row_of(workbook, "cepas")
    good = edit(workbook, tmp_path / "good.xlsx", {"Services": [(row, "summary [es]", "Nuevo.")]})
    written = cli("import", str(good), "--catalog", str(catalogue))
    assert written.returncode == 0, written.stdout + written.stderr
    assert load_catalog(catalogue).by_id()["cepas"].summary.get("es") == "Nuevo."
