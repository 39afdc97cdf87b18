"""A plain-English health report on the catalogue, for the staff who maintain it."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from .model import SUPPORTED_LANGUAGES, Audience, Catalog, Need, Service
from .places import Gazetteer, default_gazetteer

EXPIRING_DAYS = 60
STALE_DAYS = 183  # an entry not checked against its source for about 6 months
# Words (English and French texts) that say a service is for the young.
YOUNG_WORDS = re.compile(
    r"\b(child|children|kids?|young|youth|teen\w*|adolescen\w*|pupils?|students?|"
    r"enfants?|jeunes?|élèves?|écoliers?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Coverage:
    """How many entries have their name and summary in one language."""

    language: str
    percent: float
    missing: tuple[str, ...]  # ids


@dataclass(frozen=True)
class Report:
    today: date
    entries: int
    by_need: tuple[tuple[Need, int], ...]
    organisations: tuple[tuple[str, int], ...]  # name and entries, most entries first
    offices: int
    phones: int
    emails: int
    urls: int
    general_desks: int  # current general information desks
    unreachable: tuple[str, ...]  # live entries with no phone, e-mail, web link or office
    no_phone_or_email: tuple[str, ...]  # live entries reachable only by an office or a link
    expired: tuple[tuple[str, date], ...]  # id and end date, before today
    expiring: tuple[tuple[str, date], ...]  # ends within EXPIRING_DAYS
    not_started: tuple[tuple[str, date], ...]  # id and start date, after today
    unplaced_offices: tuple[tuple[str, str], ...]  # id and town: no coordinates known
    coverage: tuple[Coverage, ...]
    events_over: tuple[tuple[str, date], ...] = ()  # id and the end of its last edition
    young_without_upper_age: tuple[str, ...] = ()  # text speaks of the young, no upper age
    never_verified: tuple[str, ...] = ()  # no last_verified date
    stale: tuple[tuple[str, date], ...] = ()  # last checked more than STALE_DAYS ago
    unconfirmed_period: tuple[str, ...] = ()  # live, but the source gives no current period


def build_report(catalog: Catalog, today: date, gazetteer: Gazetteer | None = None) -> Report:
    """Count and list what staff should know or fix, as of `today`."""
    places = gazetteer if gazetteer is not None else default_gazetteer()
    services = catalog.services
    needs = Counter(need for service in services for need in set(service.needs))
    organisations = Counter(service.organization for service in services)
    soon = today + timedelta(days=EXPIRING_DAYS)
    expired, expiring, not_started, events_over = [], [], [], []
    for service in services:
        ends = service.ends_on()
        last = max((e.until for e in service.editions if e.until), default=None)
        if last and last < today:
            events_over.append((service.id, last))
        elif ends and ends < today:
            expired.append((service.id, ends))
        elif ends and ends <= soon:
            expiring.append((service.id, ends))
        active = service.active
        if active and active.start and active.start > today:
            not_started.append((service.id, active.start))
    coverage = []
    for language in SUPPORTED_LANGUAGES:
        missing = tuple(
            s.id for s in services if not (s.name.has(language) and s.summary.has(language))
        )
        share = 100 * (len(services) - len(missing)) / len(services) if services else 0.0
        coverage.append(Coverage(language, share, missing))
    live = [s for s in services if not _over(s, today)]
    stale_before = today - timedelta(days=STALE_DAYS)
    return Report(
        today=today,
        entries=len(services),
        by_need=tuple((need, needs[need]) for need in Need),
        organisations=tuple(sorted(organisations.items(), key=lambda item: (-item[1], item[0]))),
        offices=sum(len(s.locations) for s in services),
        phones=sum(len(s.phones) for s in services),
        emails=sum(len(s.emails) for s in services),
        urls=sum(len(s.urls) for s in services),
        general_desks=sum(1 for s in services if s.general_information and s.is_current(today)),
        unreachable=tuple(s.id for s in live if not s.reachable),
        no_phone_or_email=tuple(s.id for s in live if s.reachable and not s.contactable),
        expired=tuple(expired),
        expiring=tuple(sorted(expiring, key=lambda item: (item[1], item[0]))),
        not_started=tuple(not_started),
        unplaced_offices=tuple(
            (s.id, location.city)
            for s in services
            for location in s.locations
            if places.coordinates(location) is None
        ),
        coverage=tuple(coverage),
        events_over=tuple(events_over),
        young_without_upper_age=tuple(s.id for s in live if _young_without_upper_age(s)),
        never_verified=tuple(s.id for s in services if s.last_verified is None),
        stale=tuple(
            (s.id, s.last_verified)
            for s in services
            if s.last_verified is not None and s.last_verified < stale_before
        ),
        unconfirmed_period=tuple(s.id for s in live if s.period_unconfirmed),
    )


def _over(service: Service, today: date) -> bool:
    """Past its period or its last edition (not shown to people any more)."""
    ends = service.ends_on()
    return ends is not None and ends < today


def _young_without_upper_age(service: Service) -> bool:
    """The English or French name or summary speaks of children, young people or pupils,
    yet the entry has no upper age and no audience that says so."""
    if Need.EMERGENCY in service.needs or (service.age and service.age.max is not None):
        return False
    if {Audience.YOUNG_PEOPLE, Audience.PUPILS} & set(service.audience):
        return False
    texts = [service.name.get(code) for code in ("en", "fr")]
    texts += [service.summary.get(code) for code in ("en", "fr")]
    return any(YOUNG_WORDS.search(text) for text in texts)


def format_report(report: Report, max_ids: int | None = 15) -> str:
    """The report as short lines under headings; lists are cut after `max_ids` names."""
    lines = [f"Catalogue report for {report.today.isoformat()}", ""]
    lines += ["Counts", f"  Entries: {report.entries}"]
    lines.append(f"  Organisations: {len(report.organisations)}")
    lines += [f"    {name}: {n}" for name, n in report.organisations[:3]]
    lines.append(f"  Offices: {report.offices}")
    lines.append(f"  Phone numbers: {report.phones}")
    lines.append(f"  E-mail addresses: {report.emails}")
    lines.append(f"  Web links: {report.urls}")
    lines.append(f"  General information desks open today: {report.general_desks}")
    lines += ["", "Entries by need"]
    lines += [f"  {need.value.replace('_', ' ')}: {count}" for need, count in report.by_need]
    lines += ["", "LIVE ENTRIES (shown to people)"]
    _section(
        lines,
        "No way to reach them (no phone, e-mail, web link or office)",
        report.unreachable,
        max_ids,
    )
    _section(
        lines,
        "No phone or e-mail (only an office or a web link)",
        report.no_phone_or_email,
        max_ids,
    )
    _section(
        lines,
        "No current period in the source (the card asks people to check first)",
        report.unconfirmed_period,
        max_ids,
    )
    lines += ["", "WARNINGS (check these against the source)"]
    _section(
        lines,
        "Speak of children, young people or pupils but have no upper age",
        report.young_without_upper_age,
        max_ids,
    )
    _section(lines, "Never verified (no last_verified date)", report.never_verified, max_ids)
    _dated(lines, f"Not verified for {STALE_DAYS // 30} months", "checked", report.stale)
    _dated(
        lines, "Events whose last date is over (not shown to people)", "ended", report.events_over
    )
    lines += ["", "ENDED OR NOT STARTED (not shown to people)"]
    _dated(lines, "Expired (end date passed, not shown to people)", "ended", report.expired)
    _dated(lines, f"Ending within {EXPIRING_DAYS} days", "ends", report.expiring)
    _dated(lines, "Not started yet (not shown until then)", "starts", report.not_started)
    if report.unplaced_offices:
        lines += ["", f"Offices whose town is not in places.yaml — {len(report.unplaced_offices)}"]
        shown = report.unplaced_offices[:max_ids]
        lines += [f"  {ident}: {town}" for ident, town in shown]
        _more(lines, len(report.unplaced_offices) - len(shown))
    lines += ["", "Translations (name and summary in the language)"]
    for cover in report.coverage:
        line = f"  {cover.language}: {cover.percent:.0f}%"
        if cover.missing and len(cover.missing) == report.entries:
            line += " — missing in every entry"
        elif cover.missing:
            line += f" — missing in {len(cover.missing)}:"
        lines.append(line)
        if cover.missing and len(cover.missing) < report.entries:
            _ids(lines, cover.missing, max_ids, indent="    ")
    return "\n".join(lines)


def _section(lines: list[str], title: str, ids: tuple[str, ...], max_ids: int | None) -> None:
    lines += ["", f"{title} — {len(ids)}" if ids else f"{title} — none"]
    if ids:
        _ids(lines, ids, max_ids)


def _dated(lines: list[str], title: str, verb: str, items: tuple[tuple[str, date], ...]) -> None:
    lines += ["", f"{title} — {len(items)}" if items else f"{title} — none"]
    lines += [f"  {ident} ({verb} {day.isoformat()})" for ident, day in items]


def _ids(lines: list[str], ids: tuple[str, ...], max_ids: int | None, indent: str = "  ") -> None:
    shown = ids if max_ids is None else ids[:max_ids]
    lines += textwrap.wrap(
        ", ".join(shown),
        width=78,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )
    _more(lines, len(ids) - len(shown), indent)


def _more(lines: list[str], hidden: int, indent: str = "  ") -> None:
    if hidden > 0:
        lines.append(f"{indent}… and {hidden} more (python -m bot catalog check lists all)")
