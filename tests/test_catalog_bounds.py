"""A hostile or mistaken catalogue file is refused quickly, with a line-numbered problem.

Each nasty file is checked by `catalog check` in a child process with a memory cap and a
time-out, so that a loader without bounds fails the test instead of taking the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.catalog.loader import load_catalog_text
from bot.catalog.model import (
    ADDRESS_LINE_MAX,
    CONTACT_NOTE_MAX,
    LABEL_MAX,
    NAME_MAX,
    ORGANIZATION_MAX,
    SUMMARY_MAX,
)
from bot.catalog.problems import CatalogError, Problem

MB = 1_000_000
ENTRY = """\
  - id: {ident}
    organization: CEPAS
    name: {{en: Counselling, fr: Consultation}}
    summary: {{en: Talk to someone., fr: Parler à quelqu'un.}}
    needs: [mental_health]
    statuses: [any]
    phones:
      - number: "(+352) 48 59 76"
    source: {{file: seed.txt, place: line 1}}
"""
HEAD = 'version: "1"\nservices:\n'


def entry(ident: str = "cepas") -> str:
    return ENTRY.format(ident=ident)


def alias_bomb() -> str:
    """The 13-line "billion laughs": nine levels of nine references, 387 million values."""
    lines = ['version: "1"', "lol:", '  - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"  - &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("services:")
    lines.append(entry().replace("needs: [mental_health]", "needs: *i").rstrip("\n"))
    return "\n".join(lines) + "\n"


def one_megabyte(head: str, unit: str, tail: str = "") -> str:
    return head + unit * ((MB - len(head) - len(tail)) // len(unit)) + tail


NASTY = {
    # kind: (file text, the line of the problem, words in its message)
    "alias-bomb": (alias_bomb(), 6, "copy more than"),  # refused where the copies pass 5,000
    "many-aliases": (
        HEAD
        + entry("first").replace("[mental_health]", "&need [mental_health]")
        + one_megabyte("", entry("x").replace("[mental_health]", "*need")),
        None,
        "'*'",
    ),
    "deep-flow": (
        HEAD + entry().replace("en: Counselling", "en: " + "[" * (MB // 2) + "]" * (MB // 2)),
        5,
        "nested too deeply",
    ),
    "deep-block": (
        HEAD
        + entry()
        + "    extra:\n"
        + "".join("      " + "  " * depth + f"k{depth}:\n" for depth in range(8_000))[:MB],
        None,
        "nested too deeply",
    ),
    "huge-name": (
        HEAD + entry().replace("en: Counselling", "en: " + "x" * MB),
        5,
        f"at most {NAME_MAX}",
    ),
    "huge-key": (
        HEAD + entry().replace("    needs:", "    " + "k" * MB + ": 1\n    needs:"),
        7,
        "",
    ),
    "many-keys": (one_megabyte(HEAD + entry(), "    k{}: v\n"), None, "more than"),
    "duplicate-keys": (one_megabyte(HEAD + entry(), "    organization: X\n"), None, "more than"),
    "many-items": (
        HEAD + entry().replace("[mental_health]", one_megabyte("[", "housing, ", "housing]")),
        7,
        "more than",
    ),
    "many-values": (
        HEAD
        + entry().replace("[mental_health]", one_megabyte("[", "[" + "x," * 999 + "x], ", "[x]]")),
        None,
        "more than 200,000 values",
    ),
    "many-bad-entries": (
        one_megabyte(HEAD, entry("x").replace("[any]", "[anyone]")),
        8,
        "is not a known status",
    ),
}
# Filled so that every key is different.
NASTY["many-keys"] = (
    HEAD + entry() + "".join(f"    k{i}: v\n" for i in range(MB // 12))[: MB - 300],
    None,
    "more than",
)

CHECK = textwrap.dedent(
    """
    import io, json, resource, sys, time
    from datetime import date
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
    from bot.catalog.check import run_check
    best, out, code = float("inf"), "", None
    for _ in range(3):
        buffer = io.StringIO()
        start = time.perf_counter()
        try:
            code = run_check(Path(sys.argv[1]), date(2026, 12, 3), buffer)
        except BaseException as error:
            code = type(error).__name__
        best = min(best, time.perf_counter() - start)
        out = buffer.getvalue()
        if best > 1:
            break
    print(json.dumps({"code": code, "seconds": best, "out": out[:100_000], "size": len(out)}))
    """
)


def check_in_child(path: Path) -> dict:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHECK, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"catalog check of {path.name} was still running after 60 s")
    assert done.stdout, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", sorted(NASTY))
def test_a_nasty_one_megabyte_file_is_refused_in_under_a_second(kind: str, tmp_path: Path):
    text, line, words = NASTY[kind]
    assert len(text) <= MB + 1_000 and (kind == "alias-bomb" or len(text) > MB * 0.9)
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    result = check_in_child(path)
    assert result["code"] == 1, result
    assert result["seconds"] < 1.0, f"{kind}: {result['seconds']:.2f} s"
    assert result["size"] < 50_000, f"the report is {result['size']} characters"
    first = result["out"].splitlines()[1]
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert first.startswith(where), first
    assert first.split(":", 2)[1].isdigit(), f"no line number: {first}"
    assert words in first, first


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "catalog.yaml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("old", "new", "limit", "line", "path"),
    [
        ("fr: Consultation", "fr: LONG", NAME_MAX, 5, "services[0].name.fr"),
        ("en: Talk to someone.", "en: LONG", SUMMARY_MAX, 6, "services[0].summary.en"),
        (
            "    phones:",
            "    contact_note:\n      en: Call first.\n      ar: LONG\n    phones:",
            CONTACT_NOTE_MAX,
            11,
            "services[0].contact_note.ar",
        ),
        (
            "    phones:",
            "    locations:\n      - city: Wiltz\n        address: [1 rue X, LONG]\n    phones:",
            ADDRESS_LINE_MAX,
            11,
            "services[0].locations[0].address[1]",
        ),
        (
            '      - number: "(+352) 48 59 76"',
            '      - number: "(+352) 48 59 76"\n        label: {en: LONG}',
            LABEL_MAX,
            11,
            "services[0].phones[0].label.en",
        ),
        (
            "organization: CEPAS",
            "organization: LONG",
            ORGANIZATION_MAX,
            4,
            "services[0].organization",
        ),
    ],
    ids=["name", "summary", "contact-note", "address-line", "phone-label", "organization"],
)
def test_a_text_longer_than_its_limit_is_refused_on_its_line(old, new, limit, line, path):
    long = "long & <b>" + "x" * (limit - 10)
    assert len(long) == limit
    text = HEAD + entry().replace(old, new).replace("LONG", f'"{long}"')
    load_catalog_text(text)  # exactly at the limit: fine
    (problem,) = problems_of(text.replace(long, long + "y"))
    assert (problem.line, problem.path) == (line, path), str(problem)
    assert f"{limit + 1} characters" in problem.message and f"at most {limit}" in problem.message
    assert str(problem).startswith(f'catalog.yaml:{line}: entry "cepas", ')


def test_a_few_anchors_still_work_and_the_problems_are_capped():
    shared = HEAD + entry("first").replace("[any]", "&all [any]")
    text = shared + "".join(entry(f"e{i}").replace("[any]", "*all") for i in range(20))
    assert len(load_catalog_text(text).services) == 21
    bad = HEAD + "".join(entry(f"e{i}").replace("[any]", "[anyone]") for i in range(500))
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(bad)
    problems = caught.value.problems
    assert caught.value.total == 500
    assert len(problems) <= 101
    assert "400 more" in problems[-1].message and problems[-1].line is None
    assert [p.line for p in problems[:3]] == [8, 17, 26]
