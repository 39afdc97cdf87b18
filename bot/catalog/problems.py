"""Problems found in a staff-edited YAML file, worded for people who do not program."""

from __future__ import annotations

import difflib
import re
import types
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .model import TextTooLong
from .yamlsource import Loc


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where it is and what is wrong, in plain words."""

    file: str
    line: int | None
    path: str  # technical place, e.g. services[3].phones[0].number
    field: str  # the same place for staff, e.g. entry "cepas", phones → number
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class CatalogError(Exception):
    """A file that cannot be used; `problems` lists what is wrong with it.

    A file with very many problems lists only the first ones, then says how many more;
    `total` counts them all.
    """

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        super().__init__("\n".join(str(problem) for problem in problems))


_LONG_QUOTE = re.compile(r"'([^'\n]{60})[^'\n]{20,}'")
MAX_MESSAGE = 400


def shorten(message: str) -> str:
    """A message quoting a very long value quotes its beginning only."""
    message = _LONG_QUOTE.sub(r"'\1…'", message)
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def technical_path(loc: Loc) -> str:
    """`('services', 3, 'phones', 0, 'number')` -> `services[3].phones[0].number`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def staff_path(loc: Loc, data: Any, label_key: str = "id", noun: str = "entry") -> str:
    """`('services', 3, 'phones', 0, 'number')` -> `entry "cepas", phones → number`.

    The first list item on the way is named by its `label_key` (or its position); other
    list positions are left out, the line number already points at the right one.
    """
    words: list[str] = []
    container = data
    named = False
    for part in loc:
        item = _child(container, part)
        if isinstance(part, int) and not named:
            named = True
            label = item.get(label_key) if isinstance(item, dict) else None
            words = [
                f'{noun} "{label.strip()}"' if isinstance(label, str) else f"{noun} {part + 1}"
            ]
        elif isinstance(part, str):
            words.append(part)
        container = item
    if not named or len(words) == 1:
        return ", ".join(words) if named else " → ".join(words)
    return f"{words[0]}, {' → '.join(words[1:])}"


def _child(container: Any, part: str | int) -> Any:
    if isinstance(part, int) and isinstance(container, list) and 0 <= part < len(container):
        return container[part]
    if isinstance(part, str) and isinstance(container, dict):
        return container.get(part)
    return None


# What a missing field belongs to, by model class name.
_OWNERS = {
    "Catalog": "the file",
    "Service": "every entry",
    "Location": "every office",
    "Phone": "every phone",
    "Email": "every e-mail",
    "Url": "every link",
    "Source": "'source'",
    "Place": "every place",
}

_SIMPLE = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number, e.g. 49.61",
    "float_type": "must be a number, e.g. 49.61",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a single piece of text",
    "list_type": "must be a list: put each value on its own line starting with '- '",
    "too_short": "must list at least one value",
}


def error_loc(error: ErrorDetails) -> Loc:
    """The place a pydantic error is shown at: a text too long, at its language's line."""
    loc: Loc = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    return (*loc, cause.code) if isinstance(cause, TextTooLong) else loc


def describe(error: ErrorDetails, root: Any) -> tuple[Loc, str]:
    """The place and a plain-language message for one pydantic error.

    For an unknown field the place ends with the unknown key itself.
    """
    loc = error_loc(error)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        owner = _OWNERS.get(getattr(type_at(root, loc[:-1]), "__name__", ""), "this part")
        return loc, f"missing — {owner} needs a '{loc[-1]}'"
    if kind == "extra_forbidden":
        return loc, _unknown_field(str(loc[-1]), type_at(root, loc[:-1]))
    if kind == "enum":
        return loc, _not_allowed(value, type_at(root, loc))
    if kind in ("value_error", "assertion_error"):
        return loc, str(ctx.get("error", error["msg"])).removeprefix("Assertion failed, ")
    if kind.startswith(("date", "datetime")):
        return loc, f"'{value}' is not a date — write it as YYYY-MM-DD, e.g. 2025-06-30"
    if value is None and kind != "none_required":
        return loc, "is empty — give a value or remove the line"
    if kind in _SIMPLE:
        return loc, _SIMPLE[kind]
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, _not_a_group(type_at(root, loc))
    if kind == "greater_than_equal":
        return loc, f"must be {_number(ctx['ge'])} or more"
    if kind == "less_than_equal":
        return loc, f"must be {_number(ctx['le'])} or less"
    if kind == "string_too_long":
        length = f"{len(value)} characters, " if isinstance(value, str) else ""
        return loc, f"is too long: {length}at most {ctx['max_length']} characters — shorten it"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return loc, (
            f"'{value}' cannot be used as an id: use only small letters, digits, '-' and '_', "
            "e.g. caritas-housing"
        )
    message = error["msg"]
    return loc, message[:1].lower() + message[1:]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _unknown_field(key: str, model: Any) -> str:
    names = field_names(model)
    guess = difflib.get_close_matches(key, names, n=1, cutoff=0.6) if len(key) < 60 else []
    if guess:
        return f"unknown field '{key}' — did you mean '{guess[0]}'?"
    if names:
        return f"unknown field '{key}' — the fields allowed here are: {', '.join(names)}"
    return f"unknown field '{key}'"


def _not_allowed(value: Any, enum: Any) -> str:
    if not (isinstance(enum, type) and issubclass(enum, Enum)):
        return f"'{value}' is not an allowed value"
    allowed = [str(member.value) for member in enum]
    kind = enum.__name__.lower()
    text = str(value)
    guess = difflib.get_close_matches(text, allowed, n=1, cutoff=0.6) if len(text) < 60 else []
    hint = f" Did you mean '{guess[0]}'?" if guess else ""
    return f"'{value}' is not a known {kind}.{hint} Use one of: {', '.join(allowed)}"


def _not_a_group(model: Any) -> str:
    if getattr(model, "__name__", "") == "Text":
        return "give the text per language on the lines below, e.g. 'en: ...' and 'fr: ...'"
    names = field_names(model)
    example = f", e.g. '{names[0]}: ...'" if names else ""
    return f"must be a group of 'name: value' lines{example}"


def field_names(model: Any) -> list[str]:
    """The YAML keys a model accepts (aliases where set)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def type_at(root: Any, loc: Loc) -> Any:
    """The declared type at `loc` inside `root` (a model or list type), or None."""
    current = _strip_optional(root)
    for part in loc:
        if isinstance(part, int):
            args = get_args(current)
            current = args[0] if get_origin(current) in (list, tuple) and args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            info = fields.get(part) or current.model_fields.get(part)
            current = info.annotation if info else None
        else:
            return None
        current = _strip_optional(current)
    return current


def _strip_optional(tp: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X."""
    if get_origin(tp) is Annotated:
        return _strip_optional(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        return _strip_optional(args[0]) if len(args) == 1 else tp
    return tp
