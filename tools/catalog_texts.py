"""Export the catalogue's translatable texts, or merge translations back into the YAML.

    python tools/catalog_texts.py export > texts.json
    python tools/catalog_texts.py merge de.json [fa.json ...]

Merging inserts `<lang>: text` lines after the last language line of each text block, so the
file keeps its comments and layout. A text already present in a language is replaced where it
stands. It is all or nothing: the merged catalogue must load and pass the rules
`python -m bot catalog check` runs, or nothing is written and every problem is listed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from bot.atomic import write_atomically
from bot.catalog import CatalogError, load_catalog_text
from bot.catalog.model import LANGUAGE_CODE
from bot.catalog.rules import check_rules, find_sources

CATALOG = Path(__file__).resolve().parent.parent / "bot" / "catalog" / "data" / "catalog.yaml"


def _text_blocks(node: yaml.Node, path: str, found: dict[str, yaml.MappingNode]) -> None:
    if isinstance(node, yaml.MappingNode):
        keys = {key.value for key, _ in node.value}
        if "en" in keys and all(isinstance(v, yaml.ScalarNode) for _, v in node.value):
            found[path] = node
            return
        ident = next((v.value for k, v in node.value if k.value == "id"), None)
        for key, value in node.value:
            _text_blocks(
                value, f"{ident or path}.{key.value}" if ident else f"{path}.{key.value}", found
            )
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _text_blocks(item, f"{path}[{i}]", found)


def text_blocks(text: str) -> dict[str, yaml.MappingNode]:
    found: dict[str, yaml.MappingNode] = {}
    _text_blocks(yaml.compose(text), "", found)
    return {path.lstrip("."): node for path, node in found.items()}


def export() -> None:
    blocks = text_blocks(CATALOG.read_text(encoding="utf-8"))
    out = {path: {k.value: v.value for k, v in node.value} for path, node in blocks.items()}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


class MergeError(Exception):
    """Translation files that cannot be merged; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _read_translations(file: Path, problems: list[str]) -> dict[str, str]:
    """`{text block: text}` from one translation file; its problems go to `problems`."""
    language = file.stem
    if not LANGUAGE_CODE.match(language):
        problems.append(
            f"{file}: the file name must be the language code, like sw.json ('{language}' is not)"
        )
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(f"{file}: cannot be read as JSON text ({error})")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{file}: must be one JSON object, {{text block: {language} text}}")
        return {}
    texts: dict[str, str] = {}
    for path, value in data.items():
        if isinstance(value, str):
            texts[path] = value
        elif isinstance(value, dict):
            problems.append(
                f"{file}: {path!r} holds a group of languages (the shape `export` writes); "
                f'give only the {language} text, as {{{_quote(path)}: "…"}}'
            )
        else:
            problems.append(f"{file}: {path!r} must be the {language} text, as a string")
    return texts


def merged_text(text: str, files: list[Path]) -> str:
    """The catalogue `text` with the translations of `files` merged; MergeError otherwise.

    A language already present in a text block is replaced where it stands; a new one is
    added after the block's last language."""
    lines = text.split("\n")
    blocks = text_blocks(text)
    replaced: dict[int, str] = {}
    removals: set[int] = set()
    inserts: dict[int, list[str]] = {}
    problems: list[str] = []
    for file in files:
        language = file.stem
        for path, value in _read_translations(file, problems).items():
            node = blocks.get(path)
            if node is None:
                problems.append(f"{file}: no text block {path!r} in the catalogue")
                continue
            if node.flow_style:
                problems.append(f"{file}: {path!r}: write this text block in block style first")
                continue
            line = f"{' ' * node.value[0][0].start_mark.column}{language}: {_quote(value)}"
            present = [(k, v) for k, v in node.value if k.value == language]
            if present:
                key, val = present[0]
                replaced[key.start_mark.line] = line
                last = val.end_mark.line if val.end_mark.column else val.end_mark.line - 1
                removals.update(range(key.start_mark.line + 1, last + 1))
                continue
            last_key, last_value = node.value[-1]
            end = (
                last_value.end_mark.line
                if last_value.end_mark.column
                else last_value.end_mark.line - 1
            )
            inserts.setdefault(end, []).append(line)
    if problems:
        raise MergeError(problems)
    out: list[str] = []
    for number, line in enumerate(lines):
        if number in replaced:
            out.append(replaced[number])
        elif number not in removals:
            out.append(line)
        out.extend(inserts.get(number, []))
    return "\n".join(out)


def _catalogue_problems(text: str, filename: str) -> list[str]:
    """What keeps `text` from loading or from passing the catalogue rules CI enforces."""
    try:
        catalog = load_catalog_text(text, filename)
    except CatalogError as error:
        return [str(problem) for problem in error.problems]
    broken = check_rules(catalog, find_sources(), text)
    return [problem.describe(filename) for problem in broken]


def merge(files: list[str], catalogue: Path = CATALOG) -> int:
    """Merge every file, or write nothing and say why (exit status 1)."""
    text = catalogue.read_text(encoding="utf-8")
    try:
        new = merged_text(text, [Path(file) for file in files])
        problems = _catalogue_problems(new, f"{catalogue.name} (after the merge)")
    except MergeError as error:
        problems = error.problems
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s): nothing was written to {catalogue}.", file=sys.stderr)
        return 1
    write_atomically(catalogue, new)
    print(f"{catalogue}: merged {', '.join(files)}.")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"]:
        export()
    elif sys.argv[1:2] == ["merge"] and sys.argv[2:]:
        sys.exit(merge(sys.argv[2:]))
    else:
        raise SystemExit(__doc__)
