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
from .problems import (
    CatalogError,
    Problem,
    describe,
    error_loc,
    shorten,
    staff_path,
    technical_path,
)
from .yamlsource import DuplicateKey, Loc, YamlSyntaxError, read_yaml

T = TypeVar("T")

# Extra checks on the raw data: each yields (place, place of an earlier one or None, message);
# "{line}" in the message becomes the earlier one's line.
RawCheck = Callable[[Any], Iterable[tuple[Loc, Loc | None, str]]]

MAX_FILE_BYTES = 5_000_000  # a bigger file is refused unread (the bundled one is 0.35 MB)
MAX_PROBLEMS = 100  # problems listed; the rest are counted


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
    """A file's text, or CatalogError when it is missing, too big or not UTF-8."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogError([Problem(str(path), None, "", "", _too_big(size))])
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([Problem(str(path), None, "", "", "the file does not exist")]) from None
    except UnicodeDecodeError as error:
        line = Path(path).read_bytes().count(b"\n", 0, error.start) + 1
        message = "the file is not saved as UTF-8 text — save it again as UTF-8"
        raise CatalogError([Problem(str(path), line, "", "", message)]) from None


def _too_big(size: int) -> str:
    return (
        f"the file is too big: {size / 1e6:.1f} MB, at most {MAX_FILE_BYTES / 1e6:.0f} MB — "
        "is it the right file?"
    )


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
    Lines come from the single read of the file (no PyYAML node tree). Every problem is
    found, but only the first MAX_PROBLEMS, by line, are worded; the rest are counted.
    """
    if len(text) > MAX_FILE_BYTES:
        raise CatalogError([Problem(filename, None, "", "", _too_big(len(text)))])
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
        lines = document.lines

        def problem(loc: Loc, message: str, line: int | None = None, key: bool = False) -> Problem:
            """`key`: the problem is the last key of `loc` itself, shown by its holder."""
            where = lines.line(loc) if line is None else line
            field = staff_path(loc[:-1] if key else loc, data, label_key, noun)
            return Problem(filename, where, technical_path(loc), field, shorten(message))

        # Every problem is found and placed (cheap); only the first ones are worded.
        found: list[tuple[int, str, Callable[[], Problem]]] = []

        def add(loc: Loc, line: int | None, make: Callable[[], Problem]) -> None:
            where = lines.line(loc) if line is None else line
            found.append((where or 0, technical_path(loc), make))

        for dup in document.duplicates:
            loc = (*dup.loc, dup.key)
            add(loc, dup.line, lambda dup=dup: problem(*_duplicate_key(dup), key=True))
        for error in errors:
            if isinstance((error.get("ctx") or {}).get("error"), DuplicateIdError):
                continue  # reported below with both lines
            add(
                error_loc(error), None, lambda error=error: _pydantic_problem(error, model, problem)
            )
        for check in checks:
            for loc, earlier, message in check(data):
                first = lines.line(earlier) if earlier is not None else None
                worded = message.replace("{line}", str(first))
                add(loc, None, lambda loc=loc, worded=worded: problem(loc, worded))
    found.sort(key=lambda item: (item[0], item[1]))
    problems = [make() for _, _, make in found[:MAX_PROBLEMS]]
    problems.sort(key=lambda p: (p.line or 0, p.path, p.message))
    hidden = len(found) - len(problems)
    if hidden:
        message = (
            f"… and {hidden} more problems not listed (the first {MAX_PROBLEMS} are above) — "
            "fix these and check again"
        )
        problems.append(Problem(filename, None, "", "", message))
    raise CatalogError(problems, total=len(found))


def _pydantic_problem(error: ErrorDetails, model: Any, problem: Callable[..., Problem]) -> Problem:
    loc, message = describe(error, model)
    return problem(loc, message, key=error["type"] == "extra_forbidden")


def _duplicate_key(dup: DuplicateKey) -> tuple[Loc, str, int]:
    first = dup.first_line
    where = f" (first on line {first})" if first != dup.line else ""
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
