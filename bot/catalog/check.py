"""`python -m bot catalog check [FILE] [--today YYYY-MM-DD]`: validate, then report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from .loader import bundled_catalog_path, load_catalog
from .problems import CatalogError
from .report import build_report, format_report
from .rules import SOURCES_BESIDE_REPOSITORY, check_rules, find_sources


def run_check(path: Path | None, today: date, out: TextIO, sources: Path | None = None) -> int:
    """Print every problem and return 1, or print the staff report and return 0.

    The same rules as CI: the file must load, and keep `rules.check_rules` (all ten
    languages, contacts copied from the source documents when they are found, …)."""
    path = path or bundled_catalog_path()
    try:
        catalog = load_catalog(path)
    except CatalogError as error:
        count = error.total
        noun = "problem" if count == 1 else "problems"
        print(f"{path}: {count} {noun} to fix; the bot will not load this file.", file=out)
        for problem in error.problems:
            print(problem, file=out)
        return 1
    folder = find_sources(sources)
    broken = check_rules(catalog, folder, path.read_text(encoding="utf-8"))
    if folder is None:
        where = sources or SOURCES_BESIDE_REPOSITORY
        print(
            f"Source documents not found in {where}: contacts were not traced to them "
            "(CI traces them; put the documents there or use --sources DIR).",
            file=out,
        )
    if broken:
        count = len(broken)
        noun = "rule is" if count == 1 else "rules are"
        print(
            f"{path}: the bot could load this file, but {count} {noun} broken and CI "
            "would refuse it. Fix these first:",
            file=out,
        )
        for problem in broken:
            print(problem.describe(str(path)), file=out)
        return 1
    print(f"{path}: no problems (version {catalog.version}).", file=out)
    print("", file=out)
    print(format_report(build_report(catalog, today), max_ids=None), file=out)
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-06-30") from None


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="the file (default: the bundled one)")
    parser.add_argument(
        "--today", type=_day, default=None, help="check as of this date (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        default=None,
        help="folder of the source documents (default: shared/seeds beside the repository)",
    )


def _handle_check(args: argparse.Namespace) -> int:
    return run_check(args.file, args.today or date.today(), sys.stdout, args.sources)


def add_catalog_commands(subparsers: Any) -> None:
    """Add `catalog check` to a CLI; the chosen command's `args.handler(args)` runs it."""
    catalog = subparsers.add_parser("catalog", help="work with the service catalogue")
    commands = catalog.add_subparsers(dest="catalog_command", required=True)
    check = commands.add_parser("check", help="validate a catalogue file and report on it")
    _add_check_arguments(check)
    check.set_defaults(handler=_handle_check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.catalog.check", description="Validate a catalogue file and report."
    )
    _add_check_arguments(parser)
    return _handle_check(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
