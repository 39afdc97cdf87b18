"""Export the catalogue's translatable texts, or merge translations back into the YAML.

    python tools/catalog_texts.py export > texts.json
    python tools/catalog_texts.py merge de.json [fa.json ...]

Merging inserts `<lang>: text` lines after the last language line of each text block, so the
file keeps its comments and layout. A text already present in a language is replaced.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

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


def merge(files: list[str]) -> None:
    text = CATALOG.read_text(encoding="utf-8")
    lines = text.split("\n")
    blocks = text_blocks(text)
    inserts: dict[int, list[str]] = {}
    removals: set[int] = set()
    for file in files:
        language = Path(file).stem
        translations: dict[str, str] = json.loads(Path(file).read_text(encoding="utf-8"))
        for path, value in translations.items():
            node = blocks.get(path)
            if node is None:
                raise SystemExit(f"{file}: no text block {path!r} in the catalogue")
            flow = node.flow_style
            if flow:
                raise SystemExit(f"{path}: write this text block in block style first")
            for key, val in node.value:
                if key.value == language:
                    removals.update(range(key.start_mark.line, val.end_mark.line + 1))
            last_key, last_value = node.value[-1]
            indent = " " * last_key.start_mark.column
            end = (
                last_value.end_mark.line
                if last_value.end_mark.column
                else last_value.end_mark.line - 1
            )
            inserts.setdefault(end, []).append(f"{indent}{language}: {_quote(value)}")
    out: list[str] = []
    for number, line in enumerate(lines):
        if number not in removals:
            out.append(line)
        out.extend(inserts.get(number, []))
    CATALOG.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"]:
        export()
    elif sys.argv[1:2] == ["merge"]:
        merge(sys.argv[2:])
    else:
        raise SystemExit(__doc__)
