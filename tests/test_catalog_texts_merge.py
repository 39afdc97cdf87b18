"""`tools/catalog_texts.py merge` is all or nothing (issue 15, point 3): a translation file
that would break the catalogue is refused with a clear message and the file is left as it
was. Run as a real process on a copy of the repository's layout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalog import bundled_catalog_path, load_catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A copy of the tool and the bundled catalogue, laid out as in the repository."""
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "catalog_texts.py", tmp_path / "tools")
    data = tmp_path / "bot" / "catalog" / "data"
    data.mkdir(parents=True)
    shutil.copy(bundled_catalog_path(), data / "catalog.yaml")
    return tmp_path


def tool(layout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(layout / "tools" / "catalog_texts.py"), *args],
        cwd=layout,
        capture_output=True,
        text=True,
        timeout=60,
    )


def catalogue(layout: Path) -> Path:
    return layout / "bot" / "catalog" / "data" / "catalog.yaml"


def test_a_file_in_the_export_shape_is_refused_and_nothing_is_written(layout: Path) -> None:
    exported = tool(layout, "export")
    assert exported.returncode == 0, exported.stderr
    texts = json.loads(exported.stdout)
    german = layout / "de.json"
    german.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    before = catalogue(layout).read_bytes()

    merged = tool(layout, "merge", str(german))

    assert merged.returncode != 0
    assert "Traceback" not in merged.stderr
    first = next(iter(texts))
    assert first in merged.stderr and "nothing was written" in merged.stderr
    assert catalogue(layout).read_bytes() == before
    load_catalog(catalogue(layout))


def test_an_empty_translation_is_refused(layout: Path) -> None:
    """An empty German name would leave a catalogue that does not load."""
    texts = json.loads(tool(layout, "export").stdout)
    path = next(p for p in texts if p.endswith(".name"))
    german = layout / "de.json"
    german.write_text(json.dumps({path: "   "}), encoding="utf-8")
    before = catalogue(layout).read_bytes()

    merged = tool(layout, "merge", str(german))

    assert merged.returncode != 0
    assert "the 'de' text is empty" in merged.stderr and "nothing was written" in merged.stderr
    assert catalogue(layout).read_bytes() == before


def test_a_translation_that_breaks_a_catalogue_rule_is_refused(layout: Path) -> None:
    """The file would load, but CI's rules forbid reception-centre advice on an entry that
    is not only for reception residents."""
    catalog = load_catalog(catalogue(layout))
    open_entry = next(
        s.id
        for s in catalog.services
        if s.contact_note is not None and "reception_residents" not in s.audience
    )
    english = layout / "en.json"
    note = "Ask the staff of your reception centre."
    english.write_text(json.dumps({f"{open_entry}.contact_note": note}), encoding="utf-8")
    before = catalogue(layout).read_bytes()

    merged = tool(layout, "merge", str(english))

    assert merged.returncode != 0
    assert f'entry "{open_entry}"' in merged.stderr and "reception" in merged.stderr
    assert "nothing was written" in merged.stderr
    assert catalogue(layout).read_bytes() == before


def test_an_unknown_text_block_is_refused_and_nothing_is_written(layout: Path) -> None:
    texts = json.loads(tool(layout, "export").stdout)
    path = next(p for p in texts if p.endswith(".summary"))
    german = layout / "de.json"
    german.write_text(json.dumps({path: "Neu.", "no-such-entry.name": "X"}), encoding="utf-8")
    before = catalogue(layout).read_bytes()

    merged = tool(layout, "merge", str(german))

    assert merged.returncode != 0
    assert "no-such-entry.name" in merged.stderr
    assert catalogue(layout).read_bytes() == before


def test_a_valid_translation_is_merged_and_the_result_loads(layout: Path) -> None:
    texts = json.loads(tool(layout, "export").stdout)
    path = next(p for p in texts if p.endswith(".summary"))
    ident = path.split(".")[0]
    german = layout / "de.json"
    german.write_text(json.dumps({path: "Ein neuer Satz: geprüft."}), encoding="utf-8")
    before = catalogue(layout).read_text(encoding="utf-8")

    merged = tool(layout, "merge", str(german))

    assert merged.returncode == 0, merged.stderr
    after = catalogue(layout).read_text(encoding="utf-8")
    service = load_catalog(catalogue(layout)).by_id()[ident]
    assert service.summary.get("de") == "Ein neuer Satz: geprüft."
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == 1
