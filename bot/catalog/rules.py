"""The rules a catalogue file must keep beyond loading, checked the same way everywhere.

`python -m bot catalog check` runs them, and the tests run them on the bundled file, so a
file that passes the staff's check passes CI. Rules that need the source documents (every
contact copied from one of them; every `source` pointing at lines that exist) run when the
folder of source documents is found (`find_sources`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .model import SUPPORTED_LANGUAGES, Audience, Catalog, Need, Service

# The public emergency numbers that no source document needs to give (issue list): only on
# entries for the emergency need.
EMERGENCY_NUMBERS = frozenset({"112", "113", "116 111"})
NO_SOURCE_FILE = "none"  # the `source.file` of the public emergency numbers
SOURCES_BESIDE_REPOSITORY = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@dataclass(frozen=True)
class RuleProblem:
    """A rule an entry breaks, with the entry's line in the file when known."""

    service: str
    message: str
    line: int | None = None
    # The part of the entry at fault, e.g. ("phones", 0, "number"); () for the whole entry.
    where: tuple[str | int, ...] = ()

    def describe(self, filename: str) -> str:
        where = filename if self.line is None else f"{filename}:{self.line}"
        return f'{where}: entry "{self.service}": {self.message}'


def find_sources(path: Path | None = None) -> Path | None:
    """The folder of source documents: `path`, else `shared/seeds/` beside the repository."""
    folder = path if path is not None else SOURCES_BESIDE_REPOSITORY
    return folder if folder.is_dir() and any(folder.glob("*.txt")) else None


def check_rules(catalog: Catalog, sources: Path | None, text: str = "") -> list[RuleProblem]:
    """Every rule broken by the catalogue; `text` (the file) gives the entries' lines."""
    lines = _entry_lines(text)
    problems: list[RuleProblem] = []
    documents = _read_sources(sources) if sources is not None else None
    for service in catalog.services:
        found = _translations(service)
        found += _advice(service)
        if documents is not None:
            found += _contacts(service, "\n".join(documents.values()))
            found += _source_lines(service, documents)
        line = lines.get(service.id)
        problems += [RuleProblem(service.id, message, line, where) for where, message in found]
    return problems


Found = list[tuple[tuple[str | int, ...], str]]  # (the part at fault, what is wrong)


def _translations(service: Service) -> Found:
    missing: Found = []
    for field in ("name", "summary", "contact_note"):
        text = getattr(service, field)
        if text is None:
            continue
        absent = [code for code in SUPPORTED_LANGUAGES if not text.has(code)]
        if absent:
            message = f"{field} is missing in {', '.join(absent)} (all ten languages)"
            missing.append(((field, absent[0]), message))
    return missing


def _advice(service: Service) -> Found:
    note = service.contact_note.get("en") if service.contact_note else ""
    if "reception centre" in note and Audience.RECEPTION_RESIDENTS not in service.audience:
        message = (
            "the contact note sends people to a reception centre, but the entry is not only "
            "for reception_residents (many people have none)"
        )
        return [(("contact_note", "en"), message)]
    return []


def _contacts(service: Service, sources: str) -> Found:
    strays: Found = []
    for index, phone in enumerate(service.phones):
        where = ("phones", index, "number")
        if phone.number in EMERGENCY_NUMBERS:
            if service.needs != [Need.EMERGENCY]:
                message = f"{phone.number} is an emergency number: only on emergency entries"
                strays.append((where, message))
        elif phone.number not in sources:
            strays.append((where, f"phone {phone.number} is not in any source document"))
    strays += [
        (("emails", index, "address"), f"e-mail {email.address} is not in any source document")
        for index, email in enumerate(service.emails)
        if email.address not in sources
    ]
    for index, location in enumerate(service.locations):
        parts = [("postal_code", location.postal_code)]
        parts += [(line, value) for line, value in enumerate(location.address)]
        for part, value in parts:
            if value and value not in sources:
                where = ("locations", index, "address", part)
                if part == "postal_code":
                    where = ("locations", index, "postal_code")
                strays.append((where, f"address '{value}' is not in any source document"))
    return strays


def _source_lines(service: Service, documents: dict[str, str]) -> Found:
    source = service.source
    file, place = ("source", "file"), ("source", "place")
    if source.file == NO_SOURCE_FILE:
        return [] if service.needs == [Need.EMERGENCY] else [(file, "gives no source document")]
    if source.file not in documents:
        return [(file, f"source file {source.file} is not among the source documents")]
    last = len(documents[source.file].splitlines())
    spans = re.findall(r"\blines? ([\d\-, and]+)", source.place)
    numbers = [int(n) for span in spans for n in re.findall(r"\d+", span)]
    if not numbers:
        message = f"source place '{source.place}' names no line (write 'line 12' or 'lines 4-6')"
        return [(place, message)]
    outside = [n for n in numbers if not 1 <= n <= last]
    return [
        (place, f"source line {n} is past the end of {source.file} ({last} lines)") for n in outside
    ]


def _read_sources(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def _entry_lines(text: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*-\s*id:\s*[\"']?([a-z0-9][a-z0-9_\-]*)", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines
