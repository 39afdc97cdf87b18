"""The catalogue as a workbook for staff who do not edit YAML: export, and import back.

`python -m bot catalog export catalogue.xlsx` writes the catalogue; `python -m bot catalog
import catalogue.xlsx` reads the whole workbook, checks every cell, the catalogue it makes
and the rules `catalog check` runs, and only then rewrites the YAML file (keeping its
comments, atomically). Any problem: nothing is written, and every problem is listed with
its sheet, row and column.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import TypeAdapter, ValidationError

from bot.atomic import replacing, write_atomically

from .loader import load_catalog, load_catalog_text, read_text
from .model import LANGUAGE_CODE, SUPPORTED_LANGUAGES, Catalog, Service
from .problems import CatalogError, describe
from .rules import check_rules, find_sources
from .sheetlayout import (
    AGE_OF,
    CATALOGUE_SHEET,
    CHOICE,
    CODES,
    DATE,
    DATE_FORMAT,
    DECIMAL,
    LINE,
    MEMBER,
    NUMBER_TEXT,
    README_LINES,
    README_SHEET,
    SERVICE_ID,
    VERSION_HEADER,
    WHOLE,
    YES_NO,
    Column,
    Sheet,
    sheets,
)

Loc = tuple[str | int, ...]
MAX_ROWS = 2000  # rows the drop-downs and date checks cover
EXIT_PROBLEMS = 1  # the workbook has problems: nothing written
EXIT_UNREADABLE = 2  # the workbook or the catalogue file cannot be read at all
_HEADER_TEXT = re.compile(r"^(?P<label>.+) \[(?P<code>[^\]]+)\]$")
_ADDRESS_LINE = re.compile(r"^address line (?P<n>[1-9]\d?)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Place:
    """A cell of the workbook, as staff find it: sheet, row, column letter and header."""

    sheet: str
    row: int
    column: int = 0  # 1-based; 0 for the whole row or sheet
    header: str = ""

    def __str__(self) -> str:
        if not self.row:
            return f"{self.sheet} sheet"
        if not self.column:
            return f"{self.sheet} sheet, row {self.row}"
        letter = get_column_letter(self.column)
        return f'{self.sheet} sheet, row {self.row}, column {letter} ("{self.header}")'


@dataclass(frozen=True)
class SheetProblem:
    place: Place
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class WorkbookError(Exception):
    """A workbook that cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class UnreadableError(Exception):
    """The workbook or the catalogue file cannot be read at all (one line says why)."""


# --- export ------------------------------------------------------------------------------


def export_workbook(catalog: Catalog, path: Path) -> None:
    """Write `catalog` as a workbook at `path` (replacing the file at once when complete)."""
    layout = sheets(_languages(catalog), _address_lines(catalog))
    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    _write_readme(readme)
    for sheet in layout:
        _write_sheet(book.create_sheet(sheet.name), sheet, _rows(catalog, sheet))
    version = book.create_sheet(CATALOGUE_SHEET)
    _header(version, [Column(VERSION_HEADER, (), width=20)])
    _put(version.cell(row=2, column=1), catalog.version)
    with replacing(path) as temporary:
        book.save(temporary)


def _languages(catalog: Catalog) -> tuple[str, ...]:
    """The bot's ten languages, then any other language a text of the catalogue has."""
    extra: set[str] = set()
    for service in catalog.services:
        for text in _texts_of(service):
            extra.update(text.as_dict())
    return SUPPORTED_LANGUAGES + tuple(sorted(extra - set(SUPPORTED_LANGUAGES)))


def _texts_of(service: Service) -> Iterable[Any]:
    yield from (t for t in (service.name, service.summary, service.contact_note) if t)
    yield from (loc.name for loc in service.locations if loc.name)
    for contact in (*service.phones, *service.emails, *service.urls):
        if contact.label:
            yield contact.label


def _address_lines(catalog: Catalog) -> int:
    longest = [len(loc.address) for s in catalog.services for loc in s.locations]
    return max([3, *longest])


def _rows(catalog: Catalog, sheet: Sheet) -> list[dict[str, Any]]:
    """The items a sheet lists, as plain data (`service id` added on the sub-sheets)."""
    if sheet.field == "services":
        return [_plain(service) for service in catalog.services]
    rows = []
    for service in catalog.services:
        for item in _plain(service).get(sheet.field) or []:
            rows.append({SERVICE_ID: service.id, **item})
    return rows


def _plain(service: Service) -> dict[str, Any]:
    return service.model_dump(mode="python", by_alias=True, exclude_none=True)


def _value(item: dict[str, Any], column: Column) -> Any:
    if column.header == SERVICE_ID:
        return item.get(SERVICE_ID)
    field, *rest = column.path
    value = item.get(field)  # type: ignore[call-overload]
    if column.kind == MEMBER:
        return "yes" if value and rest[0] in value else None
    if column.kind == YES_NO:
        return "yes" if value else None
    if column.kind == CODES:
        return ", ".join(value) if value else None
    if column.kind == CHOICE:
        return None if value in (None, AGE_OF[0]) else str(value)
    if column.kind == LINE:
        lines = value or []
        return lines[rest[0]] if rest[0] < len(lines) else None
    for part in rest:
        value = value.get(part) if isinstance(value, dict) else None
    return value.value if hasattr(value, "value") else value


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header(ws: Worksheet, columns: list[Column] | tuple[Column, ...]) -> None:
    for number, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=number, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(number)].width = column.width
    ws.freeze_panes = "B2"


def _write_sheet(ws: Worksheet, sheet: Sheet, items: list[dict[str, Any]]) -> None:
    _header(ws, sheet.columns)
    for row, item in enumerate(items, start=2):
        for number, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=row, column=number)
            _put(cell, _value(item, column))
            if column.kind == DATE:
                cell.number_format = DATE_FORMAT
            elif column.kind == NUMBER_TEXT:
                cell.number_format = "@"
    for number, column in enumerate(sheet.columns, start=1):
        _validate(ws, number, column, sheet)


def _put(cell: SheetCell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a text, never a formula


def _validate(ws: Worksheet, number: int, column: Column, sheet: Sheet) -> None:
    """A drop-down or a check Excel and LibreOffice apply while staff type."""
    letter = get_column_letter(number)
    rule: DataValidation | None = None
    if column.kind in (MEMBER, YES_NO):
        rule = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
        rule.error = "Choose yes or no, or leave the cell empty."
    elif column.kind == CHOICE:
        rule = DataValidation(type="list", formula1=f'"{",".join(column.choices)}"')
        rule.error = f"Choose one of: {', '.join(column.choices)}; or leave the cell empty."
    elif column.kind == DATE:
        first, last = _serial(date(2000, 1, 1)), _serial(date(2099, 12, 31))
        rule = DataValidation(type="date", operator="between", formula1=first, formula2=last)
        rule.error = "Write a date like 2026-12-03."
    elif column.kind == WHOLE:
        rule = DataValidation(type="whole", operator="between", formula1="0", formula2="120")
        rule.error = "Write a whole number of years, from 0 to 120."
    elif column.kind == DECIMAL:
        rule = DataValidation(type="decimal", operator="between", formula1="-180", formula2="180")
        rule.error = "Write a number like 49.6116."
    elif column.header == SERVICE_ID and sheet.name != "Services":
        rule = DataValidation(type="list", formula1=f"=Services!$A$2:$A${MAX_ROWS}")
        rule.error = "Write the id of an entry of the Services sheet."
    if rule is None:
        return
    rule.allow_blank = True
    rule.showErrorMessage = True
    rule.errorTitle = column.header
    rule.add(f"{letter}2:{letter}{MAX_ROWS}")
    ws.add_data_validation(rule)


def _serial(day: date) -> str:
    """A date as the day number spreadsheets store."""
    return str((day - date(1899, 12, 30)).days)


def _write_readme(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 110
    for row, line in enumerate(README_LINES, start=1):
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = Font(bold=True, size=14)
        elif line.isupper():
            cell.font = Font(bold=True)


# --- import ------------------------------------------------------------------------------


def read_workbook(path: Path, sources: Path | None = None) -> tuple[Catalog, dict[str, Any]]:
    """The catalogue a workbook holds, as a model and as YAML-shaped data.

    Raises WorkbookError listing every problem: cells, the catalogue they make, the rules
    of `catalog check` (with the source documents found by `find_sources(sources)`)."""
    book = _open(path)
    reader = _Reader(find_sources(sources))
    data = reader.read(book)
    catalog = None
    if data is not None:
        catalog = reader.validate(data)
    if reader.problems or catalog is None or data is None:
        raise WorkbookError(reader.sorted_problems(book))
    return catalog, data


def _open(path: Path) -> Any:
    try:
        return load_workbook(path)
    except FileNotFoundError:
        raise UnreadableError(f"{path}: the file does not exist") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableError(
            f"{path}: cannot be read as an Excel workbook (.xlsx) — save it as .xlsx ({error})"
        ) from None


class _Reader:
    """Reads the sheets into catalogue data, noting the cell of every value and problem."""

    def __init__(self, sources: Path | None) -> None:
        self.sources = sources
        self.problems: list[SheetProblem] = []
        self.places: dict[Loc, Place] = {}
        self.service_rows: dict[str, int] = {}
        self._flagged: set[Place] = set()

    def problem(self, place: Place, message: str) -> None:
        if place in self._flagged:
            return  # one message per cell: the first says what to fix
        self._flagged.add(place)
        self.problems.append(SheetProblem(place, message))

    def sorted_problems(self, book: Any) -> list[SheetProblem]:
        order = {name: n for n, name in enumerate(book.sheetnames)}
        return sorted(
            self.problems,
            key=lambda p: (order.get(p.place.sheet, -1), p.place.row, p.place.column),
        )

    def read(self, book: Any) -> dict[str, Any] | None:
        version = self._version(book)
        layout = sheets()
        services_sheet = layout[0]
        services = self._services(book, services_sheet)
        index = {service["id"]: service for service in services}
        for sheet in layout[1:]:
            self._sub_items(book, sheet, index)
        for position, service in enumerate(services):
            self._relocate(("services", position), service.pop("_loc"))
        return {"version": version, "services": services}

    def _relocate(self, prefix: Loc, temporary: Loc) -> None:
        """Places noted under a row's temporary key move to the item's place in the data."""
        for loc in [loc for loc in self.places if loc[: len(temporary)] == temporary]:
            self.places[(*prefix, *loc[len(temporary) :])] = self.places.pop(loc)

    def _version(self, book: Any) -> Any:
        if CATALOGUE_SHEET not in book.sheetnames:
            self.problem(Place(CATALOGUE_SHEET, 0), "the sheet is missing — do not delete it")
            return None
        ws = book[CATALOGUE_SHEET]
        if _text(ws.cell(row=1, column=1).value) != VERSION_HEADER:
            self.problem(Place(CATALOGUE_SHEET, 1, 1, "A1"), "must say 'version'")
        place = Place(CATALOGUE_SHEET, 2, 1, VERSION_HEADER)
        self.places[("version",)] = place
        value, error = _convert(ws.cell(row=2, column=1), Column(VERSION_HEADER, ()))
        if error:
            self.problem(place, error)
        return value

    def _columns(self, ws: Worksheet, sheet: Sheet) -> dict[int, Column]:
        """The sheet's columns by number, checking the header row."""
        known = {column.header: column for column in sheet.columns}
        found: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for cell in ws[1]:
            header = _text(cell.value)
            if not header:
                continue
            place = Place(sheet.name, 1, cell.column, header)
            column = known.get(header) or _extra_column(header, sheet)
            if column is None:
                self.problem(place, "not a column this import knows — give it its exported name")
            elif header in seen:
                letter = get_column_letter(seen[header])
                self.problem(place, f"this column is already there (column {letter})")
            else:
                found[cell.column] = column
                seen[header] = cell.column
        for column in sheet.columns:
            if column.header not in seen and not _optional(column):
                self.problem(
                    Place(sheet.name, 0),
                    f'the column "{column.header}" is missing — do not rename or delete columns '
                    "(export again to see them all)",
                )
        return found

    def _rows(self, book: Any, sheet: Sheet) -> Iterable[tuple[int, dict[int, Column], Any]]:
        if sheet.name not in book.sheetnames:
            self.problem(Place(sheet.name, 0), "the sheet is missing — do not delete or rename it")
            return
        ws = book[sheet.name]
        columns = self._columns(ws, sheet)
        for row in ws.iter_rows(min_row=2):
            if all(_text(cell.value) == "" for cell in row):
                continue  # an empty row
            yield row[0].row, columns, row

    def _item(self, sheet: Sheet, number: int, columns: dict[int, Column], row: Any, key: Loc):
        """A row as plain data; each value's place is noted under `key`."""
        item: dict[str, Any] = {}
        first = None
        for cell in row:
            column = columns.get(cell.column)
            if column is None or column.header == SERVICE_ID:
                continue
            place = Place(sheet.name, number, cell.column, column.header)
            first = first or place
            self._note((*key, *column.path[:1]), place)
            value, error = _convert(cell, column)
            if error:
                self.problem(place, error)
                continue
            _store(item, column, value)
            if column.kind == LINE and value is not None:
                self._note((*key, column.path[0], len(item[column.path[0]]) - 1), place)
            elif column.kind not in (MEMBER, LINE):
                self.places[(*key, *column.path)] = place
        self._note(key, first or Place(sheet.name, number))
        return item

    def _note(self, loc: Loc, place: Place) -> None:
        self.places.setdefault(loc, place)

    def _services(self, book: Any, sheet: Sheet) -> list[dict[str, Any]]:
        services: list[dict[str, Any]] = []
        for number, columns, row in self._rows(book, sheet):
            key: Loc = ("row", sheet.name, number)
            item = self._item(sheet, number, columns, row, key)
            ident = item.get("id")
            if not isinstance(ident, str):
                id_place = self.places.get((*key, "id"), Place(sheet.name, number))
                self.problem(id_place, "is empty — every service needs an id")
                continue
            if ident in self.service_rows:
                place = self.places[(*key, "id")]
                first = self.service_rows[ident]
                self.problem(
                    place,
                    f"the id '{ident}' is already used on row {first} — every entry needs "
                    "its own id",
                )
                continue
            self.service_rows[ident] = number
            item["_loc"] = key
            services.append(item)
        return services

    def _sub_items(self, book: Any, sheet: Sheet, index: dict[str, dict[str, Any]]) -> None:
        for number, columns, row in self._rows(book, sheet):
            id_column = next((n for n, c in columns.items() if c.header == SERVICE_ID), 0)
            id_cell = row[id_column - 1] if 0 < id_column <= len(row) else None
            place = Place(sheet.name, number, id_cell.column if id_cell else 1, SERVICE_ID)
            ident = _text(id_cell.value) if id_cell is not None else ""
            owner = index.get(ident)
            if not ident:
                self.problem(place, "is empty — write the id of the entry this row belongs to")
                continue
            if owner is None:
                self.problem(
                    place, f"no entry has the id '{ident}' on the Services sheet — check it"
                )
                continue
            items = owner.setdefault(sheet.field, [])
            key: Loc = (*owner["_loc"], sheet.field, len(items))
            items.append(self._item(sheet, number, columns, row, key))

    def validate(self, data: dict[str, Any]) -> Catalog | None:
        """The catalogue the data make, or None; every problem goes to `problems`.

        The rules of `catalog check` run on every entry that is valid by itself, so the
        problems of a workbook are all listed at once."""
        catalog = None
        try:
            catalog = TypeAdapter(Catalog).validate_python(data)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                self._model_problem(detail)
        services = catalog.services if catalog else self._valid_services(data["services"])
        for broken in check_rules(Catalog.model_construct(services=services), self.sources):
            position = next(
                i for i, s in enumerate(data["services"]) if s.get("id") == broken.service
            )
            self.problem(self._place(("services", position, *broken.where)), broken.message)
        return catalog

    def _model_problem(self, detail: Any) -> None:
        loc, message = describe(detail, Catalog)
        place = self._place(loc)
        if detail["type"] in ("missing", "too_short") and ": " in place.header:
            group = place.header.split(":")[0]
            message = f'write yes in at least one of the "{group}: …" columns'
        elif detail["type"] == "missing":
            message = "is empty — fill it in"
        self.problem(place, message)

    @staticmethod
    def _valid_services(items: list[dict[str, Any]]) -> list[Service]:
        valid = []
        for item in items:
            try:
                valid.append(Service.model_validate(item))
            except ValidationError:
                continue
        return valid

    def _place(self, loc: Loc) -> Place:
        """The cell of `loc`, or of the nearest part of it that has one."""
        for end in range(len(loc), 0, -1):
            place = self.places.get(tuple(loc[:end]))
            if place is not None:
                return place
        return Place("Services", 0)


def _optional(column: Column) -> bool:
    """Columns a workbook may lack: address lines after the first."""
    return column.kind == LINE and column.path[1] != 0


def _extra_column(header: str, sheet: Sheet) -> Column | None:
    """A column for another language ("name [sw]"), or another address line."""
    text = _HEADER_TEXT.match(header)
    if text and LANGUAGE_CODE.match(text["code"]):
        label = text["label"]
        for column in sheet.columns:
            match = _HEADER_TEXT.match(column.header)
            if match and match["label"] == label:
                return Column(header, (column.path[0], text["code"]), column.kind, column.width)
    line = _ADDRESS_LINE.match(header)
    if line and sheet.field == "locations":
        return Column(header, ("address", int(line["n"]) - 1), LINE)
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _convert(cell: SheetCell, column: Column) -> tuple[Any, str | None]:
    """The value of a cell for its column, or a plain-words problem."""
    value = cell.value
    if cell.data_type == "f":
        return None, "holds a formula — type the value itself"
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        return None, None
    kind = column.kind
    if kind in (MEMBER, YES_NO):
        if isinstance(value, bool):
            return value, None
        answer = str(value).lower()
        if answer in ("yes", "no"):
            return answer == "yes", None
        return None, f"'{value}': choose yes or no, or leave it empty"
    if kind == CHOICE:
        if str(value).lower() in column.choices:
            return str(value).lower(), None
        return None, f"'{value}' is not one of: {', '.join(column.choices)} (or leave it empty)"
    if kind == DATE:
        return _date(value)
    if kind == WHOLE:
        if isinstance(value, bool | datetime):
            return None, f"'{value}' is not a whole number"
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value), None
        return None, f"'{value}' is not a whole number of years"
    if kind == DECIMAL:
        try:
            return float(value), None
        except (TypeError, ValueError):
            return None, f"'{value}' is not a number like 49.6116"
    if isinstance(value, datetime | date):
        return None, "is a date, but this column takes text — type it as text"
    if isinstance(value, bool):
        return None, "is a true/false value, but this column takes text"
    if isinstance(value, float):
        if kind == NUMBER_TEXT or not value.is_integer():
            return None, (
                f"{value} was read as a number with decimals — format the cell as text and type "
                "it again"
            )
        value = int(value)
    if kind == CODES:
        return [code.strip() for code in re.split(r"[,;\s]+", str(value)) if code.strip()], None
    return str(value), None


def _date(value: Any) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return None, f"'{value}' has a time of day — give the date only, like 2026-12-03"
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value)
    if isinstance(value, str) and _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, f"'{text}' is not a real date — check the month and the day"
    return None, f"'{text}' is not a date — write it as YYYY-MM-DD, e.g. 2026-12-03"


def _store(item: dict[str, Any], column: Column, value: Any) -> None:
    """Put a converted cell value into the item, in the catalogue's shape."""
    field, *rest = column.path
    if column.kind == MEMBER:
        if value:
            item.setdefault(field, []).append(rest[0])
        return
    if value is None or (column.kind == YES_NO and value is False):
        return
    if column.kind == LINE:
        item.setdefault(field, []).append(value)
        return
    if column.kind == CODES and not value:
        return
    target = item
    for part in (field, *rest)[:-1]:
        target = target.setdefault(part, {})
    target[(field, *rest)[-1]] = value


# --- the commands ------------------------------------------------------------------------


def run_export(workbook: Path, catalogue: Path, out: TextIO) -> int:
    try:
        catalog = load_catalog(catalogue)
    except CatalogError as error:
        print(
            f"{catalogue}: cannot be exported, fix it first (python -m bot catalog check):",
            file=out,
        )
        for problem in error.problems:
            print(problem, file=out)
        return EXIT_PROBLEMS
    export_workbook(catalog, workbook)
    print(
        f"{workbook}: {len(catalog.services)} entries of {catalogue} (version {catalog.version}).",
        file=out,
    )
    return 0


def run_import(workbook: Path, catalogue: Path, out: TextIO, sources: Path | None = None) -> int:
    """Check the workbook, then rewrite `catalogue`; the exit status says how it went."""
    try:
        text = read_text(catalogue)
        current = load_catalog_text(text, str(catalogue))
        catalog, data = read_workbook(workbook, sources)
        new_text = rewrite_catalogue(text, data, catalog, str(catalogue))
    except UnreadableError as error:
        print(error, file=out)
        return EXIT_UNREADABLE
    except CatalogError as error:
        print(f"{catalogue}: the catalogue file itself has problems; fix it first:", file=out)
        for problem in error.problems:
            print(problem, file=out)
        return EXIT_UNREADABLE
    except WorkbookError as error:
        count = len(error.problems)
        noun = "problem" if count == 1 else "problems"
        print(f"{workbook}: {count} {noun} to fix; nothing was written to {catalogue}.", file=out)
        for problem in error.problems:
            print(problem, file=out)
        return EXIT_PROBLEMS
    if new_text == text:
        print(f"{catalogue}: no changes (the workbook holds the same catalogue).", file=out)
        return 0
    write_atomically(catalogue, new_text)
    print(f"{catalogue}: written ({_changes(current, catalog)}).", file=out)
    return 0


def rewrite_catalogue(text: str, data: dict[str, Any], catalog: Catalog, filename: str) -> str:
    """The catalogue file rewritten to hold `data`; checked to load back as `catalog`."""
    from .yamlmerge import rewrite

    ordered = {**data, "services": [_in_model_order(s) for s in data["services"]]}
    new_text = rewrite(text, ordered)
    if _meaning(load_catalog_text(new_text, filename)) != _meaning(catalog):
        place = Place(CATALOGUE_SHEET, 0)  # a safety net: it has never been seen to fire
        raise WorkbookError([SheetProblem(place, "the rewritten file would not match")])
    return new_text


def _in_model_order(service: dict[str, Any]) -> dict[str, Any]:
    """A service's fields in the order of the model (and of the file's entries)."""
    order = [info.alias or name for name, info in Service.model_fields.items()]
    return {key: service[key] for key in order if key in service}


def _meaning(catalog: Catalog) -> dict[str, Any]:
    """What the bot reads in a catalogue, whatever the order of entries and of lists of
    values (needs, statuses, audience, languages)."""
    services = {}
    for service in catalog.services:
        plain = _plain(service)
        for key in ("needs", "statuses", "audience", "languages"):
            plain[key] = sorted(plain.get(key, []))
        services[service.id] = plain
    return {"version": catalog.version, "services": services}


def _changes(before: Catalog, after: Catalog) -> str:
    old, new = _meaning(before)["services"], _meaning(after)["services"]
    changed = [i for i in new if i in old and new[i] != old[i]]
    added = [i for i in new if i not in old]
    removed = [i for i in old if i not in new]
    parts = []
    for label, ids in (("changed", changed), ("added", added), ("removed", removed)):
        if ids:
            parts.append(f"{len(ids)} {label}: {', '.join(ids)}")
    if before.version != after.version:
        parts.append(f"version {after.version}")
    return "; ".join(parts) or "layout only"
