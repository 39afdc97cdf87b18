"""Rewrite the catalogue YAML with new data, keeping its comments, order and quoting.

ruamel.yaml's round trip reads comments and the style of every value along with the data
and writes them back; the bundled file comes back byte for byte. Only what differs in
meaning is touched: an unchanged value keeps the very text it had, a changed one keeps its
quoting, a new field goes where the model puts it, and entries keep the file's order (new
ones are added at the end, before the closing comments).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

# Fields left out of the new data because they hold their default: an old value with the
# same meaning stays written as it is.
DEFAULTS: dict[str, Any] = {
    "age_of": "person",
    "period_unconfirmed": False,
    "general_information": False,
    **{key: [] for key in ("audience", "languages", "editions", "locations", "address")},
    **{key: [] for key in ("phones", "emails", "urls")},
}
# Lists whose order means nothing: the same values in another order are no change.
UNORDERED = frozenset({"needs", "statuses", "audience", "languages"})


def _round_trip() -> YAML:
    yaml = YAML()  # round-trip mode: comments and styles are kept
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never fold a long line
    yaml.indent(mapping=2, sequence=4, offset=2)  # the catalogue's layout
    return yaml


def rewrite(text: str, data: dict[str, Any]) -> str:
    """`text` (a catalogue file) rewritten to hold `data` (`{version, services}`)."""
    yaml = _round_trip()
    document = yaml.load(text)
    services = data["services"]
    _merge_map(document, {k: v for k, v in data.items() if k != "services"}, keep={"services"})
    _merge_services(document["services"], services)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _merge_services(old: CommentedSeq, new: list[dict[str, Any]]) -> None:
    wanted = {service["id"] for service in new}
    for index in reversed(range(len(old))):
        if _plain(old[index].get("id")) not in wanted:
            _delete(old, index)
    present = {_plain(service.get("id")): service for service in old}
    for service in new:
        if service["id"] in present:
            _merge_map(present[service["id"]], service)
    for service in new:
        if service["id"] not in present:
            _append(old, _fresh(service))


def _merge_map(old: CommentedMap, new: dict[str, Any], keep: set[str] = frozenset()) -> None:
    for key in [k for k in old if k not in new and k not in keep]:
        if old[key] is None or (key in DEFAULTS and _same(old[key], DEFAULTS[key])):
            continue
        _delete(old, key)
    order = list(new)
    for key, value in new.items():
        if key in old:
            merged = _merged(old[key], value, key)
            if merged is not old[key]:
                old[key] = merged
        else:
            earlier = set(order[: order.index(key)])
            position = max((i + 1 for i, k in enumerate(old) if k in earlier), default=0)
            if position == len(old):
                _add_last(old, key, _fresh(value, key))
            else:
                old.insert(position, key, _fresh(value, key))


def _merged(old: Any, new: Any, key: str) -> Any:
    """`old` updated in place to mean `new`, or a fresh value to put in its place."""
    if isinstance(new, dict):
        if isinstance(old, CommentedMap):
            _merge_map(old, new)
            return old
        return _fresh(new, key)
    if isinstance(new, list):
        if not isinstance(old, CommentedSeq):
            return _fresh(new, key)
        if key in UNORDERED and sorted(map(_plain, old)) == sorted(map(_plain, new)):
            return old
        for index, value in enumerate(new):
            if index < len(old):
                merged = _merged(old[index], value, key)
                if merged is not old[index]:
                    old[index] = merged
            else:
                _add_last(old, None, _fresh(value, key))
        while len(old) > len(new):
            _delete(old, len(old) - 1)
        return old
    if _same(old, new):
        return old
    if isinstance(new, str) and isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(new, str) and isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return _fresh(new, key)


def _fresh(value: Any, key: str = "") -> Any:
    """A new value in the file's block style (phone numbers in double quotes)."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _fresh(v, k)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_fresh(v, key) for v in value)
    if key == "number" and isinstance(value, str):
        return DoubleQuotedScalarString(value)
    return value


def _plain(value: Any) -> str:
    """What a value means, as the catalogue's loader reads it (every scalar as text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value).strip()


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, dict) or isinstance(new, dict):
        return (
            isinstance(old, dict)
            and isinstance(new, dict)
            and old.keys() == new.keys()
            and all(_same(old[k], new[k]) for k in new)
        )
    if isinstance(old, list) or isinstance(new, list):
        return (
            isinstance(old, list)
            and isinstance(new, list)
            and len(old) == len(new)
            and all(_same(a, b) for a, b in zip(old, new, strict=True))
        )
    return _plain(old) == _plain(new)


# Comments between two parts of the file are kept by ruamel on the last value before them.
# Removing or adding a part moves them, so that they stay where they were in the text.


def _last_place(node: Any) -> tuple[Any, Any] | None:
    """The container and key (or index) of the last scalar inside `node`."""
    place = None
    while isinstance(node, CommentedMap | CommentedSeq) and len(node):
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        place = (node, key)
        node = node[key]
    return place


def _slot(container: Any) -> int:
    return 2 if isinstance(container, CommentedMap) else 0


def _take_comment(node: Any) -> Any:
    """Remove and return the comment that follows the last scalar of `node`, if any."""
    place = _last_place(node)
    if place is None:
        return None
    container, key = place
    entry = container.ca.items.get(key)
    if not entry or entry[_slot(container)] is None:
        return None
    token = entry[_slot(container)]
    entry[_slot(container)] = None
    return token


def _give_comment(node: Any, token: Any) -> None:
    place = _last_place(node)
    if place is None or token is None:
        return
    container, key = place
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[_slot(container)] = token


def _delete(container: CommentedMap | CommentedSeq, key: Any) -> None:
    """Remove a field or list item; a comment after it moves to what came before it."""
    keys = list(container) if isinstance(container, CommentedMap) else list(range(len(container)))
    position = keys.index(key)
    value = container[key]
    own = container.ca.items.pop(key, None)
    token = own[_slot(container)] if own else None
    if isinstance(value, CommentedMap | CommentedSeq):
        token = _take_comment(value) or token
    if isinstance(container, CommentedSeq):
        container.ca.items[key] = own or [None, None, None, None]  # ruamel pops it itself
    del container[key]
    if token is not None and position > 0:
        _attach_after(container, keys[position - 1], token)


def _attach_after(container: Any, key: Any, token: Any) -> None:
    value = container[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value):
        _give_comment(value, token)
    else:
        entry = container.ca.items.setdefault(key, [None, None, None, None])
        entry[_slot(container)] = token


def _add_last(container: CommentedMap | CommentedSeq, key: Any, value: Any) -> None:
    """Add a field or item at the end; the comment that followed the old end follows it."""
    token = _take_comment(container)
    if isinstance(container, CommentedSeq):
        container.append(value)
    else:
        container[key] = value
    _give_comment(container, token)


def _append(services: CommentedSeq, service: CommentedMap) -> None:
    """Add an entry at the end: the closing comments move below it, a blank line before it."""
    token = _take_comment(services[-1]) if len(services) else None
    if len(services):
        _give_comment(services[-1], CommentToken("\n\n", CommentMark(0), None))
    services.append(service)
    _give_comment(service, token)
