"""`catalog check` runs the rules CI enforces, so 'valid' for staff means CI accepts it
(issue 15, point 2). Rules that need the source documents skip without them."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from bot.catalog.check import run_check
from bot.catalog.loader import bundled_catalog_path, load_catalog
from bot.catalog.rules import check_rules, find_sources

ROOT = Path(__file__).resolve().parent.parent
SOURCES = find_sources()
needs_sources = pytest.mark.skipif(SOURCES is None, reason="source documents not found")


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    staff = readme.split("## For staff")[1]
    return re.search(r"```yaml\n(.*?)```", staff, re.S).group(1)


def check(tmp_path: Path, entries: str, sources: Path | None = SOURCES) -> tuple[int, str]:
    path = tmp_path / "catalog.yaml"
    path.write_text('version: "t"\nservices:\n' + entries, encoding="utf-8")
    out = io.StringIO()
    code = run_check(path, date(2026, 12, 3), out, sources or tmp_path / "none")
    return code, out.getvalue()


@needs_sources
def test_the_readme_example_entry_passes_the_check_and_ci_rules(tmp_path) -> None:
    code, out = check(tmp_path, readme_example())
    assert code == 0, out
    catalog = load_catalog(tmp_path / "catalog.yaml")
    assert check_rules(catalog, SOURCES) == []


@needs_sources
def test_a_phone_that_is_in_no_source_document_is_refused_with_its_line(tmp_path) -> None:
    entry = readme_example().replace('"(+352) 247-75910"', '"(+352) 99 99 99"')
    code, out = check(tmp_path, entry)
    assert code == 1
    assert re.search(r'catalog\.yaml:3: entry "cepas": phone \(\+352\) 99 99 99 is not in', out)
    assert "CI would refuse it" in out


def test_a_missing_language_is_refused_even_without_the_source_documents(tmp_path) -> None:
    entry = re.sub(r"\n\s+ti: [^\n]*", "", readme_example())
    code, out = check(tmp_path, entry, sources=None)
    assert code == 1
    assert "name is missing in ti" in out and "summary is missing in ti" in out
    assert "Source documents not found" in out


@needs_sources
def test_the_bundled_catalogue_keeps_every_rule() -> None:
    path = bundled_catalog_path()
    catalog = load_catalog(path)
    assert check_rules(catalog, SOURCES, path.read_text(encoding="utf-8")) == []
