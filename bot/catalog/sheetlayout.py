"""The columns of the catalogue workbook: which sheet holds what, and in which cell type.

One row per entry on "Services"; offices, phones, e-mails, links and event dates on sheets
of their own, one row each, tied to their entry by its id. A text has one column per
language; a closed list (needs, statuses, who it is only for) one column per value, with a
yes/no drop-down.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import SUPPORTED_LANGUAGES, Audience, Need, Status

Path = tuple[str | int, ...]

# Kinds of cell, and how import reads them.
TEXT = "text"  # any text
NUMBER_TEXT = "number-text"  # text made of digits (a phone number): a number cell is read too
DATE = "date"  # a date cell, or text written YYYY-MM-DD
WHOLE = "whole"  # a whole number
DECIMAL = "decimal"  # a number with decimals
YES_NO = "yes-no"  # yes, no or empty
MEMBER = "member"  # yes: the value of the column is in the entry's list
CHOICE = "choice"  # one of `choices`, or empty
CODES = "codes"  # language codes separated by commas
LINE = "line"  # one line of a list of lines (an address)

SERVICE_ID = "service id"  # the first column of every sheet but Services
AGE_OF = ("person", "child")
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    """One column: its header, the place of its value in the item, and its kind."""

    header: str
    path: Path
    kind: str = TEXT
    width: int = 14
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A sheet: its name, the catalogue list its rows are, and its columns."""

    name: str
    field: str  # "services", or the field of a service its rows belong to
    columns: tuple[Column, ...]


def _texts(label: str, field: str, languages: tuple[str, ...], width: int) -> list[Column]:
    return [Column(f"{label} [{code}]", (field, code), TEXT, width) for code in languages]


def sheets(languages: tuple[str, ...] = SUPPORTED_LANGUAGES, address_lines: int = 3) -> list[Sheet]:
    """Every data sheet, with a column per language in `languages`."""
    entry = Column(SERVICE_ID, (), TEXT, 24)
    services = [
        Column("id", ("id",), TEXT, 24),
        Column("organization", ("organization",), TEXT, 24),
        *_texts("name", "name", languages, 30),
        *_texts("summary", "summary", languages, 50),
        *_texts("contact note", "contact_note", languages, 50),
        *[Column(f"need: {n.value}", ("needs", n.value), MEMBER, 8) for n in Need],
        *[Column(f"status: {s.value}", ("statuses", s.value), MEMBER, 8) for s in Status],
        *[Column(f"only for: {a.value}", ("audience", a.value), MEMBER, 8) for a in Audience],
        Column("age from", ("age", "min"), WHOLE, 9),
        Column("age to", ("age", "max"), WHOLE, 9),
        Column("age is of", ("age_of",), CHOICE, 10, AGE_OF),
        Column("languages", ("languages",), CODES, 12),
        Column("active from", ("active", "from"), DATE, 12),
        Column("active until", ("active", "until"), DATE, 12),
        Column("period unconfirmed", ("period_unconfirmed",), YES_NO, 10),
        Column("last verified", ("last_verified",), DATE, 12),
        Column("general information", ("general_information",), YES_NO, 10),
        Column("source file", ("source", "file"), TEXT, 26),
        Column("source place", ("source", "place"), TEXT, 40),
    ]
    offices = [
        entry,
        *_texts("office name", "name", languages, 30),
        *[
            Column(f"address line {n}", ("address", n - 1), LINE, 30)
            for n in range(1, address_lines + 1)
        ],
        Column("postal code", ("postal_code",), TEXT, 11),
        Column("city", ("city",), TEXT, 18),
        Column("latitude", ("latitude",), DECIMAL, 11),
        Column("longitude", ("longitude",), DECIMAL, 11),
    ]
    phones = [
        entry,
        Column("number", ("number",), NUMBER_TEXT, 20),
        *_texts("label", "label", languages, 24),
    ]
    emails = [
        entry,
        Column("e-mail", ("address",), TEXT, 30),
        *_texts("label", "label", languages, 24),
    ]
    links = [entry, Column("link", ("url",), TEXT, 40), *_texts("label", "label", languages, 24)]
    editions = [
        entry,
        Column("from", ("from",), DATE, 12),
        Column("until", ("until",), DATE, 12),
    ]
    return [
        Sheet("Services", "services", tuple(services)),
        Sheet("Offices", "locations", tuple(offices)),
        Sheet("Phones", "phones", tuple(phones)),
        Sheet("E-mails", "emails", tuple(emails)),
        Sheet("Links", "urls", tuple(links)),
        Sheet("Editions", "editions", tuple(editions)),
    ]


CATALOGUE_SHEET = "Catalogue"  # one cell: the catalogue's version
VERSION_HEADER = "version"
README_SHEET = "Read me"

# The "Read me" sheet: how to fill the workbook in, in plain words.
README_LINES = (
    "The service catalogue of the triage bot",
    "",
    "HOW THIS WORKS",
    "1. Change what you need on the sheets of this workbook and save it (keep the .xlsx format).",
    "2. Give it back to the person who runs the bot, or run: python -m bot catalog import "
    "catalogue.xlsx",
    "3. The import checks every cell first. If anything is wrong, nothing is changed: you get "
    "a list of the problems, each with its sheet, row and column, for example: "
    "Phones sheet, row 4, column B (\"number\"): '12 34' does not look like a phone number. "
    "Fix them all and import again.",
    "",
    "THE SHEETS",
    "Services: one row per service (an entry of the catalogue). Its id is how the other sheets "
    "find it: never change the id of an existing service, and never reuse an old one.",
    "Offices: one row per office (an address people can go to). The first column is the id "
    "of its service.",
    "Phones, E-mails, Links: one row per phone number, e-mail address or web link, with the id "
    "of its service first. The bot shows them in the order of the rows.",
    "Editions: for an event held on given dates, one row per time it is held (from, until).",
    "Catalogue: the version of the catalogue (a date like 2026-12-03 is fine).",
    "Do not rename or delete sheets or columns. You may add, delete or sort rows. A new row on "
    "Services is a new service; a deleted row deletes the service.",
    "",
    "TEXTS IN TEN LANGUAGES",
    'A column like "name [fr]" holds the French name. The name, the summary and the contact '
    "note of every service must be filled in in all ten languages: "
    "en English, fr French, de German, lb Luxembourgish, ar Arabic, fa Persian, ti Tigrinya, "
    "uk Ukrainian, ru Russian, es Spanish. Leave a label or an office name empty when there is "
    "none.",
    "",
    "LISTS: NEEDS, STATUSES, ONLY FOR",
    "Each possible value has its own column with a yes/no drop-down: write yes in every column "
    'that applies, and leave the others empty (or no). A service needs at least one "need:" '
    'and one "status:". status: any means open to everyone. "only for:" columns are only '
    "for services the source limits to that group.",
    '"age is of": leave it empty when the ages are those of the person helped; choose child '
    "when they are a child's ages and the parents and family are served too.",
    "",
    "DATES, NUMBERS, CONTACTS",
    "Dates: written YYYY-MM-DD (2026-12-03), or a date cell. Ages: whole numbers of years, "
    'both ends included. "languages": the languages the service works in, as two-letter '
    "codes separated by commas (fr, en, ar).",
    "Phone numbers, e-mails and addresses: copy them exactly, character for character, from "
    "the source document. Never guess or complete one. The import checks that each one is in a "
    "source document.",
    '"last verified": the day you checked the service against its source. "source file" '
    'and "source place": the source document and where in it (for example: line 67).',
)
