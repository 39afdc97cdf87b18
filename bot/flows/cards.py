"""A service as a few short lines a person can act on: what, for whom, why, where, how."""

from __future__ import annotations

from datetime import date

from babel import Locale

from bot.catalog.eligibility import Condition
from bot.catalog.model import AgeOf, AgeRange, Audience, Location, Phone, Service, Status
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

# Who a service is restricted to beyond status and age, as a group of people.
AUDIENCE_GROUPS = {
    Audience.WOMEN: N_("women"),
    Audience.YOUNG_PEOPLE: N_("young people"),
    Audience.PUPILS: N_("pupils"),
    Audience.RECEPTION_RESIDENTS: N_("people living in a reception centre"),
    Audience.REVIS: N_("people who receive REVIS"),
}

# The card's warning for a restriction the bot could not confirm about the person.
AUDIENCE_WARNINGS = {
    Condition.WOMEN: N_("Only for women."),
    Condition.YOUNG_PEOPLE: N_("Only for young people."),
    Condition.PUPILS: N_("Only for pupils, at their school."),
    Condition.RECEPTION_RESIDENTS: N_("Only for people living in a reception centre."),
    Condition.REVIS: N_("Only for people who receive REVIS (social inclusion income)."),
}

MAX_OFFICES_SHOWN = 2


def need_label(tr: Translator, need: str | None) -> str:
    for option in NEEDS:
        if option.id == need:
            return tr(option.label)
    return tr(N_("Emergency")) if need == "emergency" else ""


def ages(tr: Translator, age: AgeRange | None) -> str:
    """'ages 3 to 27', 'from age 12', 'up to age 21', or '' without limits."""
    if age and age.min is not None and age.max is not None:
        return tr(N_("ages {low} to {high}"), low=age.min, high=age.max)
    if age and age.min is not None:
        return tr(N_("from age {low}"), low=age.min)
    if age and age.max is not None:
        return tr(N_("up to age {high}"), high=age.max)
    return ""


def _children(tr: Translator, age: AgeRange | None) -> str:
    """'children aged 0 to 27 and their families' for limits that are a child's age."""
    if age and age.min is not None and age.max is not None:
        return tr(N_("children aged {low} to {high} and their families"), low=age.min, high=age.max)
    if age and age.min is not None:
        return tr(N_("children from age {low} and their families"), low=age.min)
    return tr(N_("children up to age {high} and their families"), high=age.max if age else 0)


def statuses(tr: Translator, service: Service) -> str:
    """'asylum applicants, refugees' (who may use it), or '' when open to every status."""
    if Status.ANY in service.statuses:
        return ""
    return tr.join([tr(STATUS_GROUPS[status]) for status in service.statuses])


def audience(tr: Translator, service: Service) -> str:
    """'For: women · asylum applicants, refugees · ages 3 to 27' (who the service is for)."""
    parts = [tr(AUDIENCE_GROUPS[group]) for group in service.audience]
    parts.append(statuses(tr, service))
    if service.has_age_limit and service.age_of is AgeOf.CHILD:
        parts.append(_children(tr, service.age))
    else:
        parts.append(ages(tr, service.age))
    who = " · ".join(part for part in parts if part) or tr(N_("everyone"))
    return tr(N_("For: {who}"), who=who)


def warnings(tr: Translator, match: Match) -> list[str]:
    """One line per restriction the bot could not confirm about the person."""
    service = match.service
    lines = []
    for condition in match.conditions:
        if condition in AUDIENCE_WARNINGS:
            lines.append(tr(AUDIENCE_WARNINGS[condition]))
        elif condition is Condition.AGE:
            lines.append(tr(N_("Age limit: {ages}."), ages=ages(tr, service.age)))
        elif condition is Condition.PARENT:
            limits = ages(tr, service.age)
            lines.append(
                tr(
                    N_("For you as a parent: the age limits are your child's ({ages})."),
                    ages=limits,
                )
            )
        elif condition is Condition.STATUS:
            lines.append(tr(N_("Only for {groups}."), groups=statuses(tr, service)))
    return ["⚠️ " + line for line in lines]


# What a result was checked against, in the words of the one sentence they fill
# ("Why: it fits {reasons}."): translators give them the case that sentence needs, so no
# button label (a need's name, in the nominative) is put inside a sentence.
REASONS = {
    "need": N_("what you need"),
    "status": N_("your status"),
    "age": N_("your age"),
    "language": N_("your language"),
}


def reason(tr: Translator, match: Match, answers: Answers, widened: bool = False) -> str:
    """One short line on why this result was shown: only what was checked ('' if nothing).

    A `widened` result (a general desk shown because nothing fits the need) does not claim
    to fit the need."""
    checked = [] if widened or not answers.need else ["need"]
    service = match.service
    known_status = answers.status and answers.status != UNKNOWN_STATUS
    if known_status and Status.ANY not in service.statuses:
        checked.append("status")
    if service.has_age_limit and answers.age_min is not None and not match.conditions:
        checked.append("age")
    if match.speaks_language:
        checked.append("language")
    if not checked:
        return ""
    reasons = tr.join([tr(REASONS[key]) for key in checked])
    return tr(N_("Why: it fits {reasons}."), reasons=reasons)


def _office(tr: Translator, location: Location, distance: float | None) -> str:
    """'📍 Name: street, postcode town (about 3 km)'; the address isolated as a whole."""
    place = " ".join(p for p in (location.postal_code, location.city) if p)
    address = tr.isolate(", ".join([*location.address, place]))
    text = "📍 " + address
    if location.name:
        text = "📍 " + tr.isolate_latin(location.name.get(tr.code)) + ": " + address
    if distance is not None:
        km = max(1, round(distance))
        text += " " + tr.plural("(about {n} km)", "(about {n} km)", km)
    return text


def _languages(tr: Translator, codes: list[str]) -> str:
    locale = Locale.parse(tr.code)
    names = [locale.languages.get(code, code) for code in codes]
    return "🗣️ " + tr(N_("Works in: {languages}"), languages=tr.join(names))


def phone_line(tr: Translator, phone: Phone) -> str:
    """'📞 Police: 113', the number in the form phones make tappable."""
    label = tr.isolate_latin(phone.label.get(tr.code)) + ": " if phone.label else ""
    return "📞 " + label + tr.isolate(phone.international())


def _dates(tr: Translator, service: Service, today: date) -> list[str]:
    """When it runs: the next edition of an event, the end of a project, or a caution."""
    lines = []
    edition = service.next_edition(today)
    if edition and edition.start and edition.until:
        when = tr(N_("{start} to {end}"), start=tr.date(edition.start), end=tr.date(edition.until))
        lines.append("🗓️ " + when)
    elif service.active and service.active.until:
        lines.append("🗓️ " + tr(N_("Until {date}"), date=tr.date(service.active.until)))
    if service.period_unconfirmed:
        lines.append("⏳ " + tr(N_("Check that it still runs before you go.")))
    return lines


def card(
    tr: Translator, match: Match, answers: Answers, today: date, widened: bool = False
) -> list[str]:
    """The lines of one result (`widened`: shown because nothing fits the need)."""
    service = match.service
    lines: list[str] = [
        Bold(tr.isolate_latin(service.name.get(tr.code))),
        tr.isolate_latin(service.summary.get(tr.code)),
    ]
    lines.append("👥 " + audience(tr, service))
    why = reason(tr, match, answers, widened) if match.fits else ""
    if why:
        lines.append("✅ " + why)
    lines += warnings(tr, match)
    lines += _dates(tr, service, today)
    if service.languages:
        lines.append(_languages(tr, service.languages))
    offices = match.locations or tuple(service.locations)
    for i, location in enumerate(offices[:MAX_OFFICES_SHOWN]):
        lines.append(_office(tr, location, match.distance_km if i == 0 else None))
    others = offices[MAX_OFFICES_SHOWN:]
    if others:
        towns = tr.join([tr.isolate(location.city) for location in others])
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
    if service.last_verified:
        checked = tr(N_("Checked on {date}."), date=tr.date(service.last_verified))
        lines.append("🔎 " + checked)
    return lines
