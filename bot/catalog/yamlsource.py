"""Read a YAML file into plain data, noting the line of every part of it on the way.

Every scalar is kept as the text written (or None for an empty value); pydantic later
converts it to the field's type. This avoids YAML 1.1 surprises (`no` becoming False,
`0123` an octal number, `2024-13-01` a crash) and keeps phone numbers as written.

Reading walks libyaml's event stream once, which is several times faster than building
PyYAML's node tree, and notes the line of each key and list item as it goes, so that
problems are located without reading the file again.

The work is bounded whatever the file holds: nesting depth, items per list or group, the
length of a field name, and what `*` references to `&` anchors may copy ("billion laughs").
A file beyond a bound is refused with the line where it is crossed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

Loc = tuple[str | int, ...]

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NO_KEY = object()  # a mapping waiting for its next key
_BAD_KEY = object()  # a key that is not plain text; its value is dropped
_MERGE = object()  # the `<<` merge key

# Bounds on what a file may ask of the reader (the catalogue needs far less of each).
MAX_DEPTH = 20  # lists and groups inside each other (the catalogue uses 6)
MAX_ITEMS = 5_000  # items in one list, or lines in one group
MAX_KEY_LENGTH = 100  # characters in a field name or language code
MAX_VALUES = 200_000  # texts (keys too), lists and groups in a file (the bundled one: 6,000)
MAX_ALIASES = 50  # `*name` references in a file
MAX_ALIAS_VALUES = 5_000  # values those references copy, in all


class YamlSyntaxError(Exception):
    """The text is not well-formed YAML."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping; `loc` is the mapping's place."""

    loc: Loc
    key: str
    line: int
    first_line: int


class Lines:
    """The line (1-based) of every key and list item of a document, noted while reading."""

    def __init__(self, data: Any, root_line: int, where: dict[int, tuple[Any, Any]]) -> None:
        self._data = data
        self._root_line = root_line
        self._where = where  # id(container) -> (container, {key: line} or [line, ...])

    def line(self, loc: Loc) -> int | None:
        """The line of the deepest part of `loc` that exists (a key's line for mappings)."""
        node = self._data
        if not isinstance(node, dict | list):
            return self._root_line
        line = self._root_line
        for part in loc:
            noted = self._where.get(id(node))
            if noted is None:
                break
            lines = noted[1]
            in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_mapping or in_list):
                break
            line = lines[part]
            node = node[part]
        return line


@dataclass(frozen=True)
class Document:
    data: Any
    duplicates: tuple[DuplicateKey, ...]
    lines: Lines


_HINTS = {
    "mapping values are not allowed": (
        "a ':' where it is not expected — put text containing ': ' in quotes, "
        "or check the indentation"
    ),
    "could not find expected ':'": "a line without 'name: value' — check the indentation",
    "did not find expected key": "this line does not line up with the lines above it",
    "did not find expected '-' indicator": "this line does not line up with the list above it",
    "block sequence entries are not allowed": "a '- ' item where it is not expected",
    "found unexpected end of stream": "the file ends too early — is a bracket or quote not closed?",
}
_TOO_MANY = (
    f"more than {MAX_VALUES:,} values in the file — a catalogue needs far fewer; "
    "is it the right file?"
)
_TOO_DEEP = f"lists and groups are nested too deeply here (more than {MAX_DEPTH} levels)"


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    context = error.context or ""
    mark = error.problem_mark or error.context_mark
    if "maximum nesting depth" in (error.problem or ""):
        return YamlSyntaxError(mark.line + 1 if mark is not None else None, _TOO_DEEP)
    if "quoted scalar" in context and error.context_mark is not None:
        line = error.context_mark.line + 1
        return YamlSyntaxError(line, "a quote opens here but is never closed")
    if "flow" in context and error.context_mark is not None:
        line = error.context_mark.line + 1
        return YamlSyntaxError(line, "a '[' or '{' opens here but is not closed properly")
    line = mark.line + 1 if mark is not None else None
    problem = error.problem or str(error)
    if line is not None and "\t" in _line_text(text, line):
        return YamlSyntaxError(
            line, "the file cannot be read here: a tab character — indent with spaces only"
        )
    hint = next((hint for needle, hint in _HINTS.items() if needle in problem), problem)
    return YamlSyntaxError(line, f"the file cannot be read here: {hint}")


def _line_text(text: str, line: int) -> str:
    """Line `line` (1-based) of `text`, without splitting the whole text."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


def read_yaml(text: str) -> Document:
    """Parse one YAML document into dicts, lists, strings and None.

    Raises YamlSyntaxError, also for a file beyond the bounds above. Duplicate keys are
    kept as PyYAML does (the last wins) and reported in `Document.duplicates`.
    """
    loader = _LOADER(text)
    try:
        return _build(loader.get_event)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, max(error.position, 0)) + 1
        raise YamlSyntaxError(line, "the file contains a character that is not allowed") from None
    finally:
        loader.dispose()


def _build(get_event: Any) -> Document:  # noqa: C901 - one state machine, inline for speed
    root: Any = None
    root_line = 1
    documents = 0
    anchors: dict[str, tuple[Any, Any, int]] = {}  # name -> (value, its lines, values inside)
    duplicates: list[DuplicateKey] = []
    where: dict[int, tuple[Any, Any]] = {}
    aliases = copied = values = 0
    # A frame: [container, pending key, anchor, merges, position in parent, lines,
    #           values inside (aliases expanded), items, line of the pending key]
    stack: list[list[Any]] = []

    def put(frame: list[Any], value: Any, line: int) -> None:
        """Store `value` under the frame's pending key (the key's line is frame[8])."""
        key = frame[1]
        frame[1] = _NO_KEY
        if key is _MERGE:
            frame[3] = [*(frame[3] or ()), value]
        elif key is not _BAD_KEY:
            container, lines = frame[0], frame[5]
            if key in container:
                duplicates.append(DuplicateKey(_loc(stack), key, frame[8], lines[key]))
            container[key] = value
            lines[key] = frame[8]

    def count(frame: list[Any], line: int) -> None:
        frame[7] += 1
        if frame[7] > MAX_ITEMS:
            raise YamlSyntaxError(
                line,
                f"more than {MAX_ITEMS:,} items in one list or group — "
                "a catalogue never needs that many; check the indentation",
            )

    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            raw = event.value
            plain = event.implicit[0]
            value = None if plain and raw in _NULLS else raw
            line = event.start_mark.line + 1
            values += 1
            if values > MAX_VALUES:
                raise YamlSyntaxError(line, _TOO_MANY)
            if not stack:
                root, root_line = value, line
            else:
                frame = stack[-1]
                container = frame[0]
                if type(container) is list:
                    container.append(value)
                    frame[5].append(line)
                    frame[6] += 1
                    count(frame, line)
                elif frame[1] is _NO_KEY:
                    if len(raw) > MAX_KEY_LENGTH:
                        raise YamlSyntaxError(
                            line,
                            f"a field name of {len(raw):,} characters — field names have at "
                            f"most {MAX_KEY_LENGTH}; is a ': ' inside a text without quotes?",
                        )
                    frame[1] = _MERGE if plain and raw == "<<" else raw
                    frame[8] = line
                    count(frame, line)
                elif type(frame[1]) is str and frame[1] not in container:
                    container[frame[1]] = value
                    frame[5][frame[1]] = frame[8]
                    frame[1] = _NO_KEY
                    frame[6] += 1
                else:
                    put(frame, value, line)
                    frame[6] += 1
            if event.anchor is not None:
                anchors[event.anchor] = (value, None, 1)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            line = event.start_mark.line + 1
            if len(stack) >= MAX_DEPTH:
                raise YamlSyntaxError(line, _TOO_DEEP)
            values += 1
            if values > MAX_VALUES:
                raise YamlSyntaxError(line, _TOO_MANY)
            container = {} if kind is MappingStartEvent else []
            lines: Any = {} if kind is MappingStartEvent else []
            position: str | int | None = None
            if not stack:
                root, root_line = container, line
            else:
                frame = stack[-1]
                parent = frame[0]
                if type(parent) is list:
                    position = len(parent)
                    parent.append(container)
                    frame[5].append(line)
                    count(frame, line)
                elif frame[1] is _NO_KEY:
                    frame[1] = _BAD_KEY  # a list or mapping used as a key
                    count(frame, line)
                else:
                    position = frame[1] if type(frame[1]) is str else None
                    put(frame, container, line)
            where[id(container)] = (container, lines)
            stack.append([container, _NO_KEY, event.anchor, None, position, lines, 0, 0, line])
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            if frame[3]:
                _merge(frame[0], frame[5], frame[3], where)
            if stack:
                stack[-1][6] += frame[6] + 1
            if frame[2] is not None:
                anchors[frame[2]] = (frame[0], frame[5], frame[6] + 1)
        elif kind is AliasEvent:
            line = event.start_mark.line + 1
            if event.anchor not in anchors:
                raise YamlSyntaxError(
                    line, f"'*{event.anchor}' refers to an anchor ('&') that is not defined above"
                )
            value, _, size = anchors[event.anchor]
            aliases += 1
            copied += size
            if aliases > MAX_ALIASES:
                raise YamlSyntaxError(
                    line,
                    f"more than {MAX_ALIASES} '*' references to anchors ('&') in the file — "
                    "write the values out instead",
                )
            if copied > MAX_ALIAS_VALUES:
                raise YamlSyntaxError(
                    line,
                    f"the '*' references to anchors ('&') copy more than {MAX_ALIAS_VALUES:,} "
                    "values in all — write the values out instead",
                )
            if not stack:
                root, root_line = value, line
                continue
            frame = stack[-1]
            if type(frame[0]) is list:
                frame[0].append(value)
                frame[5].append(line)
                count(frame, line)
            elif frame[1] is _NO_KEY:
                frame[1] = value if type(value) is str else _BAD_KEY
                frame[8] = line
                count(frame, line)
                continue
            else:
                put(frame, value, line)
            frame[6] += size
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlSyntaxError(
                    event.start_mark.line + 1,
                    "only one document is allowed — remove the second '---'",
                )
        elif kind is StreamEndEvent or event is None:
            return Document(root, tuple(duplicates), Lines(root, root_line, where))


def _loc(stack: list[list[Any]]) -> Loc:
    return tuple(frame[4] for frame in stack[1:] if frame[4] is not None)


def _merge(
    target: dict[str, Any],
    lines: dict[str, int],
    merges: list[Any],
    where: dict[int, tuple[Any, Any]],
) -> None:
    """Apply `<<: *anchor` merges: explicit keys win, then earlier merges."""
    for merged in merges:
        for source in merged if isinstance(merged, list) else [merged]:
            if isinstance(source, dict):
                source_lines = where[id(source)][1]
                for key, value in source.items():
                    if key not in target:
                        target[key] = value
                        lines[key] = source_lines[key]
