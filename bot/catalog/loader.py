"""Load and validate the catalogue file, reporting every problem with its line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from .gcpause import gc_paused
from .model import Catalog, DuplicateIdError
from .problems import CatalogError, Problem, describe, staff_path, technical_path
from .yamlsource import DuplicateKey, Loc, SourceLines, YamlSyntaxError, read_yaml

T = TypeVar("T")

# Extra checks on the raw data: each yields (place, place of an earlier one or None, message);
# "{line}" in the message becomes the earlier one's line.
RawCheck = Callable[[Any], Iterable[tuple[Loc, Loc | None, str]]]


def bundled_catalog_path() -> Path:
    """The catalogue shipped with the bot."""
    return Path(__file__).parent / "data" / "catalog.yaml"


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate a catalogue file; raises CatalogError listing every problem."""
    return load_catalog_text(read_text(path), str(path))


def load_catalog_text(text: str, filename: str = "catalog.yaml") -> Catalog:
    """Validate catalogue YAML given as text (`filename` is only used in messages)."""
    return load_yaml_model(text, filename, Catalog, checks=(_duplicate_ids,))


def read_text(path: str | Path) -> str:
    """A file's text, or CatalogError when it is missing or not UTF-8."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([Problem(str(path), None, "", "", "the file does not exist")]) from None
    except UnicodeDecodeError as error:
        line = Path(path).read_bytes().count(b"\n", 0, error.start) + 1
        message = "the file is not saved as UTF-8 text — save it again as UTF-8"
        raise CatalogError([Problem(str(path), line, "", "", message)]) from None


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def load_yaml_model(
    text: str,
    filename: str,
    model: type[T] | Any,
    checks: Iterable[RawCheck] = (),
    label_key: str = "id",
    noun: str = "entry",
    pick: Callable[[Any], Any] | None = None,
) -> T:
    """Parse YAML `text` and validate it as `model`, or raise CatalogError with all problems.

    `pick`, if given, chooses the model from the parsed data instead. The first item of a
    list on the way to a problem is named by its `label_key`, as `noun "value"`.
    The fast path (a valid file) never builds PyYAML's node tree; it is only composed to
    put line numbers on problems.
    """
    with gc_paused():
        try:
            document = read_yaml(text)
        except YamlSyntaxError as error:
            raise CatalogError([Problem(filename, error.line, "", "", error.message)]) from None
        if document.data is None:
            raise CatalogError([Problem(filename, 1, "", "", "the file is empty")])
        if pick is not None:
            model = pick(document.data)
        errors: list[ErrorDetails] = []
        try:
            result = _adapter(model).validate_python(document.data)
        except ValidationError as error:
            errors = error.errors(include_url=False)
        if not errors and not document.duplicates:
            return result
        data = document.data
        lines = SourceLines(text)

        def problem(loc: Loc, message: str, line: int | None = None, key: bool = False) -> Problem:
            """`key`: the problem is the last key of `loc` itself, shown by its holder."""
            where = lines.line(loc) if line is None else line
            field = staff_path(loc[:-1] if key else loc, data, label_key, noun)
            return Problem(filename, where, technical_path(loc), field, message)

        problems = [problem(*_duplicate_key(lines, dup), key=True) for dup in document.duplicates]
        for error in errors:
            if isinstance((error.get("ctx") or {}).get("error"), DuplicateIdError):
                continue  # reported below with both lines
            loc, message = describe(error, model)
            problems.append(problem(loc, message, key=error["type"] == "extra_forbidden"))
        for check in checks:
            for loc, earlier, message in check(data):
                first = lines.line(earlier) if earlier is not None else None
                problems.append(problem(loc, message.replace("{line}", str(first))))
    problems.sort(key=lambda p: (p.line or 0, p.path, p.message))
    raise CatalogError(problems)


def _duplicate_key(lines: SourceLines, dup: DuplicateKey) -> tuple[Loc, str, int]:
    first = lines.key_lines(dup.loc, dup.key)[:1]
    where = f" (first on line {first[0]})" if first and first[0] != dup.line else ""
    message = f"'{dup.key}' is written twice here{where} — only the last one would be kept"
    return (*dup.loc, dup.key), message, dup.line


def _duplicate_ids(data: Any) -> Iterable[tuple[Loc, Loc | None, str]]:
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, list):
        return
    seen: dict[str, int] = {}
    for index, service in enumerate(services):
        ident = service.get("id") if isinstance(service, dict) else None
        if not isinstance(ident, str):
            continue
        ident = ident.strip()
        if ident in seen:
            message = (
                f"the id '{ident}' is already used by the entry on line "
                "{line} — every entry needs its own id"
            )
            yield ("services", index, "id"), ("services", seen[ident], "id"), message
        else:
            seen[ident] = index
