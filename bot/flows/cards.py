"""A service as a few short lines a person can act on: what, for whom, why, where, how."""

from __future__ import annotations

from babel import Locale

from bot.catalog.model import Location, Phone, Service, Status
from bot.catalog.query import Match
from bot.flows.model import Answers, Bold
from bot.flows.options import NEEDS, UNKNOWN_STATUS
from bot.i18n import N_, Translator

# Who a service is for, as a group of people (plural), one per status.
STATUS_GROUPS = {
    Status.ASYLUM_APPLICANT: N_("asylum applicants"),
    Status.INTERNATIONAL_PROTECTION: N_("refugees"),
    Status.TEMPORARY_PROTECTION: N_("people with temporary protection"),
    Status.UNACCOMPANIED_MINOR: N_("minors without parents"),
    Status.THIRD_COUNTRY_NATIONAL: N_("people from outside the EU"),
    Status.NO_PAPERS: N_("people without papers"),
}

MAX_OFFICES_SHOWN = 2


def need_label(tr: Translator, need: str | None) -> str:
    for option in NEEDS:
        if option.id == need:
            return tr(option.label)
    return tr(N_("Emergency")) if need == "emergency" else ""


def audience(tr: Translator, service: Service) -> str:
    """'For: asylum applicants, refugees · ages 3 to 27' (who the service is for)."""
    if Status.ANY in service.statuses:
        who = tr(N_("everyone"))
    else:
        who = ", ".join(tr(STATUS_GROUPS[status]) for status in service.statuses)
    age = service.age
    if age and age.min is not None and age.max is not None:
        who += " · " + tr(N_("ages {low} to {high}"), low=age.min, high=age.max)
    elif age and age.min is not None:
        who += " · " + tr(N_("from age {low}"), low=age.min)
    elif age and age.max is not None:
        who += " · " + tr(N_("up to age {high}"), high=age.max)
    return tr(N_("For: {who}"), who=who)


def reason(tr: Translator, match: Match, answers: Answers, exact: bool) -> str:
    """One short line on why this result was shown."""
    if not exact:
        return tr(N_("Why: the closest match; it may not cover your exact situation."))
    parts = [need_label(tr, answers.need)]
    service = match.service
    if answers.status and answers.status != UNKNOWN_STATUS and Status.ANY not in service.statuses:
        parts.append(tr(N_("your status")))
    if service.age and answers.age_min is not None:
        parts.append(tr(N_("your age")))
    if match.speaks_language:
        parts.append(tr(N_("your language")))
    return tr(N_("Why: it fits {reasons}."), reasons=", ".join(p for p in parts if p))


def _office(tr: Translator, location: Location, distance: float | None) -> str:
    place = " ".join(tr.isolate(p) for p in (location.postal_code, location.city) if p)
    parts = [tr.isolate(line) for line in location.address] + [place]
    text = "📍 " + ", ".join(parts)
    if location.name:
        text = "📍 " + tr.isolate_latin(location.name.get(tr.code)) + ": " + ", ".join(parts)
    if distance is not None:
        text += " " + tr(N_("(about {km} km)"), km=max(1, round(distance)))
    return text


def _languages(tr: Translator, codes: list[str]) -> str:
    locale = Locale.parse(tr.code)
    names = [locale.languages.get(code, code) for code in codes]
    return "🗣️ " + tr(N_("Works in: {languages}"), languages=", ".join(names))


def phone_line(tr: Translator, phone: Phone) -> str:
    """'📞 Police: 113', the number in the form phones make tappable."""
    label = tr.isolate_latin(phone.label.get(tr.code)) + ": " if phone.label else ""
    return "📞 " + label + tr.isolate(phone.international())


def card(tr: Translator, match: Match, answers: Answers, exact: bool = True) -> list[str]:
    """The lines of one result."""
    service = match.service
    lines: list[str] = [
        Bold(tr.isolate_latin(service.name.get(tr.code))),
        tr.isolate_latin(service.summary.get(tr.code)),
    ]
    lines.append("👥 " + audience(tr, service))
    lines.append("✅ " + reason(tr, match, answers, exact))
    if service.active and service.active.until:
        lines.append("🗓️ " + tr(N_("Until {date}"), date=tr.date(service.active.until)))
    if service.languages:
        lines.append(_languages(tr, service.languages))
    offices = match.locations or tuple(service.locations)
    for i, location in enumerate(offices[:MAX_OFFICES_SHOWN]):
        lines.append(_office(tr, location, match.distance_km if i == 0 else None))
    others = offices[MAX_OFFICES_SHOWN:]
    if others:
        towns = ", ".join(tr.isolate(location.city) for location in others)
        lines.append(tr(N_("Other offices: {towns}"), towns=towns))
    lines += [phone_line(tr, phone) for phone in service.phones]
    for email in service.emails:
        lines.append("✉️ " + tr.isolate(email.address))
    for url in service.urls:
        lines.append("🌐 " + tr.isolate(url.url))
    if not (service.phones or service.emails or service.urls):
        lines.append("☎️ " + tr(N_("No phone number or e-mail is listed for this service.")))
        if service.contact_note:
            lines.append(tr.isolate_latin(service.contact_note.get(tr.code)))
    return lines
