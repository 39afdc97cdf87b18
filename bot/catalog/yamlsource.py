"""Read a YAML file into plain data and find the line of any part of it again.

Every scalar is kept as the text written (or None for an empty value); pydantic later
converts it to the field's type. This avoids YAML 1.1 surprises (`no` becoming False,
`0123` an octal number, `2024-13-01` a crash) and keeps phone numbers as written.

Reading walks libyaml's event stream, which is several times faster than building
PyYAML's node tree. The node tree, with its line numbers, is only composed when a
problem has to be located (`SourceLines`).
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
from yaml.nodes import MappingNode, Node, SequenceNode

from .gcpause import gc_paused

Loc = tuple[str | int, ...]

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NO_KEY = object()  # a mapping waiting for its next key
_BAD_KEY = object()  # a key that is not plain text; its value is dropped
_MERGE = object()  # the `<<` merge key


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


@dataclass(frozen=True)
class Document:
    data: Any
    duplicates: tuple[DuplicateKey, ...]


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


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    context = error.context or ""
    mark = error.problem_mark or error.context_mark
    if "quoted scalar" in context and error.context_mark is not None:
        line = error.context_mark.line + 1
        return YamlSyntaxError(line, "a quote opens here but is never closed")
    if "flow" in context and error.context_mark is not None:
        line = error.context_mark.line + 1
        return YamlSyntaxError(line, "a '[' or '{' opens here but is not closed properly")
    line = mark.line + 1 if mark is not None else None
    problem = error.problem or str(error)
    lines = text.splitlines()
    if line is not None and 0 < line <= len(lines) and "\t" in lines[line - 1]:
        return YamlSyntaxError(
            line, "the file cannot be read here: a tab character — indent with spaces only"
        )
    hint = next((hint for needle, hint in _HINTS.items() if needle in problem), problem)
    return YamlSyntaxError(line, f"the file cannot be read here: {hint}")


def read_yaml(text: str) -> Document:
    """Parse one YAML document into dicts, lists, strings and None.

    Raises YamlSyntaxError. Duplicate keys are kept as PyYAML does (the last wins) and
    reported in `Document.duplicates`.
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
    documents = 0
    anchors: dict[str, Any] = {}
    duplicates: list[DuplicateKey] = []
    # A frame: [container, pending key, anchor, merges, position in parent]
    stack: list[list[Any]] = []

    def put(frame: list[Any], value: Any, line: int) -> None:
        """Store `value` under the frame's pending key."""
        key = frame[1]
        frame[1] = _NO_KEY
        if key is _MERGE:
            frame[3] = [*(frame[3] or ()), value]
        elif key is not _BAD_KEY:
            container = frame[0]
            if key in container:
                duplicates.append(DuplicateKey(_loc(stack), key, line))
            container[key] = value

    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            raw = event.value
            plain = event.implicit[0]
            value = None if plain and raw in _NULLS else raw
            if not stack:
                root = value
            else:
                frame = stack[-1]
                container = frame[0]
                if type(container) is list:
                    container.append(value)
                elif frame[1] is _NO_KEY:
                    frame[1] = _MERGE if plain and raw == "<<" else raw
                elif type(frame[1]) is str and frame[1] not in container:
                    container[frame[1]] = value
                    frame[1] = _NO_KEY
                else:
                    put(frame, value, event.start_mark.line + 1)
            if event.anchor is not None:
                anchors[event.anchor] = value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            container = {} if kind is MappingStartEvent else []
            position: str | int | None = None
            if not stack:
                root = container
            else:
                frame = stack[-1]
                parent = frame[0]
                if type(parent) is list:
                    position = len(parent)
                    parent.append(container)
                elif frame[1] is _NO_KEY:
                    frame[1] = _BAD_KEY  # a list or mapping used as a key
                else:
                    position = frame[1] if type(frame[1]) is str else None
                    put(frame, container, event.start_mark.line + 1)
            stack.append([container, _NO_KEY, event.anchor, None, position])
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            if frame[3]:
                _merge(frame[0], frame[3])
            if frame[2] is not None:
                anchors[frame[2]] = frame[0]
        elif kind is AliasEvent:
            line = event.start_mark.line + 1
            if event.anchor not in anchors:
                raise YamlSyntaxError(
                    line, f"'*{event.anchor}' refers to an anchor ('&') that is not defined above"
                )
            value = anchors[event.anchor]
            if not stack:
                root = value
            elif type(stack[-1][0]) is list:
                stack[-1][0].append(value)
            elif stack[-1][1] is _NO_KEY:
                stack[-1][1] = value if type(value) is str else _BAD_KEY
            else:
                put(stack[-1], value, line)
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlSyntaxError(
                    event.start_mark.line + 1,
                    "only one document is allowed — remove the second '---'",
                )
        elif kind is StreamEndEvent or event is None:
            return Document(root, tuple(duplicates))


def _loc(stack: list[list[Any]]) -> Loc:
    return tuple(frame[4] for frame in stack[1:] if frame[4] is not None)


def _merge(target: dict[str, Any], merges: list[Any]) -> None:
    """Apply `<<: *anchor` merges: explicit keys win, then earlier merges."""
    for merged in merges:
        for source in merged if isinstance(merged, list) else [merged]:
            if isinstance(source, dict):
                for key, value in source.items():
                    target.setdefault(key, value)


class SourceLines:
    """Line numbers (1-based) of the parts of a YAML text, from PyYAML's node tree."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: Node | None = None
        self._composed = False

    @property
    def root(self) -> Node | None:
        if not self._composed:
            self._composed = True
            try:
                with gc_paused():
                    self._root = yaml.compose(self._text, Loader=_LOADER)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def line(self, loc: Loc) -> int | None:
        """The line of the deepest part of `loc` that exists (a key's line for mappings)."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, MappingNode) and isinstance(part, str):
                pair = _find_key(node, part)
                if pair is None:
                    break
                line = pair[0].start_mark.line + 1
                node = pair[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def key_lines(self, loc: Loc, key: str) -> list[int]:
        """Lines of every occurrence of `key` in the mapping at `loc`."""
        node = self._node(loc)
        if not isinstance(node, MappingNode):
            return []
        return [k.start_mark.line + 1 for k, _ in node.value if _key_text(k) == key]

    def _node(self, loc: Loc) -> Node | None:
        node = self.root
        for part in loc:
            if isinstance(node, MappingNode) and isinstance(part, str):
                pair = _find_key(node, part)
                node = pair[1] if pair else None
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                node = node.value[part] if 0 <= part < len(node.value) else None
            else:
                return None
        return node


def _key_text(node: Node) -> str | None:
    return node.value if isinstance(node.value, str) and node.tag != _MERGE_TAG else None


def _find_key(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The last `key: value` pair for `key`, looking into `<<` merges after explicit keys."""
    for key_node, value_node in reversed(node.value):
        if _key_text(key_node) == key:
            return key_node, value_node
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in merged:
                if isinstance(source, MappingNode) and (pair := _find_key(source, key)):
                    return pair
    return None
