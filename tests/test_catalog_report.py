"""The staff report and `catalog check`: counts, dates, contacts and translations."""

from __future__ import annotations

import argparse
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.catalog.check import add_catalog_commands, main, run_check
from bot.catalog.model import SUPPORTED_LANGUAGES, Catalog, Need
from bot.catalog.places import Gazetteer, Place
from bot.catalog.report import build_report, format_report

TODAY = date(2026, 6, 1)
PLACES = Gazetteer([Place(name="Wiltz", lat=49.9661, lon=5.9322)])


def svc(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "organization": "Org A",
        "name": {"en": ident, "fr": ident},
        "summary": {"en": "Help.", "fr": "Aide."},
        "needs": ["housing"],
        "statuses": ["any"],
        "phones": [{"number": "(+352) 48 59 76"}],
        "source": {"file": "test.txt", "place": "line 1"},
    }
    data.update(fields)
    return data


CATALOG = Catalog.model_validate(
    {
        "version": "test",
        "services": [
            svc("phone", name={"en": "a", "fr": "b", "de": "c"}, summary={"en": "a", "de": "c"}),
            svc("expired", active={"until": "2026-05-31"}, organization="Org B"),
            svc("ends-today", active={"until": "2026-06-01"}),
            svc("ends-in-60", active={"until": "2026-07-31"}),
            svc("ends-in-61", active={"until": "2026-08-01"}),
            svc("future", active={"from": "2026-06-02"}, needs=["work", "housing"]),
            svc("nothing", phones=[]),
            svc("office-only", phones=[], locations=[{"city": "Atlantis"}]),
            svc("web-only", phones=[], urls=[{"url": "https://example.lu"}]),
            svc("mail", phones=[], emails=[{"address": "a@example.lu"}], general_information=True),
        ],
    }
)


def report_text(**options: Any) -> str:
    return format_report(build_report(CATALOG, TODAY, PLACES), **options)


def test_counts() -> None:
    report = build_report(CATALOG, TODAY, PLACES)
    assert report.entries == 10
    assert dict(report.by_need)[Need.HOUSING] == 10
    assert dict(report.by_need)[Need.WORK] == 1
    assert dict(report.by_need)[Need.MENTAL_HEALTH] == 0
    assert report.organisations == (("Org A", 9), ("Org B", 1))
    assert (report.offices, report.phones, report.emails, report.urls) == (1, 6, 1, 1)
    assert report.general_desks == 1


def test_expired_expiring_and_not_started() -> None:
    report = build_report(CATALOG, TODAY, PLACES)
    assert report.expired == (("expired", date(2026, 5, 31)),)
    assert report.expiring == (("ends-today", date(2026, 6, 1)), ("ends-in-60", date(2026, 7, 31)))
    assert report.not_started == (("future", date(2026, 6, 2)),)
    later = build_report(CATALOG, date(2026, 8, 2), PLACES)
    assert [ident for ident, _ in later.expired] == [
        "expired",
        "ends-today",
        "ends-in-60",
        "ends-in-61",
    ]
    assert later.not_started == ()


def test_entries_without_contact() -> None:
    report = build_report(CATALOG, TODAY, PLACES)
    assert report.unreachable == ("nothing",)
    assert report.no_phone_or_email == ("office-only", "web-only")
    assert report.unplaced_offices == (("office-only", "Atlantis"),)


def test_translation_coverage_per_language() -> None:
    coverage = {c.language: c for c in build_report(CATALOG, TODAY, PLACES).coverage}
    assert tuple(coverage) == SUPPORTED_LANGUAGES
    assert coverage["en"].percent == 100 and coverage["en"].missing == ()
    assert coverage["fr"].percent == 90 and coverage["fr"].missing == ("phone",)
    assert coverage["de"].percent == 10 and "phone" not in coverage["de"].missing
    assert len(coverage["de"].missing) == 9
    assert coverage["ar"].percent == 0


def test_format_report_has_headings_and_plain_lines() -> None:
    text = report_text()
    for heading in (
        "Counts",
        "Entries by need",
        "No way to reach them (no phone, e-mail, web link or office) — 1",
        "No phone or e-mail (only an office or a web link) — 2",
        "Expired (end date passed, not shown to people) — 1",
        "Ending within 60 days — 2",
        "Not started yet (not shown until then) — 1",
        "Translations (name and summary in the language)",
    ):
        assert heading in text.splitlines(), heading
    assert "  expired (ended 2026-05-31)" in text
    assert "  fr: 90% — missing in 1:" in text
    assert "  ar: 0% — missing in every entry" in text
    assert "  Atlantis" not in text and "  office-only: Atlantis" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_format_report_cuts_long_lists_unless_asked() -> None:
    assert "… and 4 more" in report_text(max_ids=5)
    assert "more (python -m bot catalog check" not in report_text(max_ids=None)


GOOD = """\
version: "1"
services:
  - id: cepas
    organization: CEPAS
    name: {en: Counselling, fr: Conseil, de: Beratung, lb: Berodung, ar: استشارة, fa: مشاوره,
           ti: ምኽሪ, uk: Консультації, ru: Консультации, es: Asesoramiento}
    summary: {en: Talk to someone., fr: Parler., de: Sprechen., lb: Schwätzen., ar: تحدث.,
              fa: صحبت., ti: ተዛረብ።, uk: Розмова., ru: Разговор., es: Hablar.}
    needs: [mental_health]
    statuses: [any]
    source: {file: seed.txt, place: line 1}
"""


def test_run_check_prints_every_problem_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD.replace("[mental_health]", "[mental]").replace("[any]", "[every]"))
    out = io.StringIO()
    assert run_check(path, TODAY, out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{path}: 2 problems to fix; the bot will not load this file."
    assert lines[1].startswith(f"{path}:9: entry \"cepas\", needs: 'mental' is not a known need")
    assert lines[2].startswith(f"{path}:10: entry \"cepas\", statuses: 'every'")


def test_run_check_prints_the_report_for_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD)
    out = io.StringIO()
    assert run_check(path, date(2030, 1, 1), out, tmp_path / "no-sources") == 0
    assert "no problems (version 1)" in out.getvalue()
    assert "Catalogue report for 2030-01-01" in out.getvalue()


def test_check_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD)
    assert main([str(path), "--today", "2031-02-03", "--sources", str(tmp_path)]) == 0
    assert "Catalogue report for 2031-02-03" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(path), "--today", "tomorrow"])
    assert "is not a date" in capsys.readouterr().err


def test_add_catalog_commands_wires_check_into_a_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD.replace("cepas", "Cepas"))
    parser = argparse.ArgumentParser()
    add_catalog_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["catalog", "check", str(path), "--today", "2030-01-01"])
    assert args.handler(args) == 1
    assert "'Cepas' cannot be used as an id" in capsys.readouterr().out


# --- eligibility and freshness warnings (issue 12) ------------------------------------------

WARNINGS = Catalog.model_validate(
    {
        "version": "test",
        "services": [
            svc("kids-no-max", summary={"en": "Support for children.", "fr": "Pour enfants."}),
            svc("kids-max", summary={"en": "For children.", "fr": "Enfants."}, age={"max": 17}),
            svc(
                "young-audience",
                summary={"en": "For young adults.", "fr": "Jeunes."},
                audience=["young_people"],
            ),
            svc("adults", summary={"en": "For everyone.", "fr": "Pour tous."}),
            svc(
                "old-kids",
                summary={"en": "For pupils.", "fr": "Élèves."},
                active={"until": "2026-01-31"},
            ),
            svc(
                "event-over",
                editions=[
                    {"from": "2025-10-01", "until": "2025-10-31"},
                    {"from": "2026-05-01", "until": "2026-05-31"},
                ],
                phones=[],
            ),
            svc("event-coming", editions=[{"from": "2026-10-01", "until": "2026-10-31"}]),
            svc("fresh", last_verified="2026-05-01"),
            svc("stale", last_verified="2025-11-01"),
            svc("unsure", period_unconfirmed=True, last_verified="2026-05-01"),
        ],
    }
)


def test_warns_of_young_peoples_services_without_an_upper_age() -> None:
    report = build_report(WARNINGS, TODAY, PLACES)
    assert report.young_without_upper_age == ("kids-no-max",)


def test_events_past_their_last_date_are_listed_and_not_live() -> None:
    report = build_report(WARNINGS, TODAY, PLACES)
    assert report.events_over == (("event-over", date(2026, 5, 31)),)
    assert "event-over" not in report.unreachable  # over: not among the live entries
    assert not WARNINGS.by_id()["event-over"].is_current(TODAY)
    assert WARNINGS.by_id()["event-coming"].is_current(TODAY)


def test_never_verified_and_stale_entries() -> None:
    report = build_report(WARNINGS, TODAY, PLACES)
    assert "fresh" not in report.never_verified and "kids-no-max" in report.never_verified
    assert report.stale == (("stale", date(2025, 11, 1)),)
    assert report.unconfirmed_period == ("unsure",)


def test_live_and_ended_entries_are_listed_apart() -> None:
    catalog = Catalog.model_validate(
        {
            "version": "t",
            "services": [
                svc("gone", phones=[], active={"until": "2026-01-01"}),
                svc("here", phones=[]),
            ],
        }
    )
    report = build_report(catalog, TODAY, PLACES)
    assert report.unreachable == ("here",)
    text = format_report(report)
    live, ended = text.split("ENDED OR NOT STARTED")
    unreachable = live.split("No way to reach them")[1].split("\n\n")[0]
    assert "here" in unreachable and "gone" not in unreachable
    assert "gone (ended 2026-01-01)" in ended
    assert "Never verified" in text and "Speak of children" in text
