"""The emergency screen and the emergency lines on top of violence and mental-health results.

Who is asking changes what is shown: 112 and 113 always; the children's helpline unless the
person is known to be an adult (so also before any answer); services for children first
when the person is under 18 or asks for a child; the catalogue's services for violence or
acute distress that fit what is known, with a phone number, three at most.
Every number comes from the catalogue; none is written here.
"""

from __future__ import annotations

import re

from bot.catalog.model import Need, Service
from bot.catalog.query import Match, Profile
from bot.flows.cards import phone_line, warnings
from bot.flows.context import Context
from bot.flows.model import Answers, Bold
from bot.i18n import N_, Translator

# The digits of the European helpline for children, to know it among the catalogue's
# emergency numbers (it is shown to children and to whoever may be one).
CHILD_HELPLINE_DIGITS = "116111"
MAX_SERVICES = 3
NEEDS_WITH_EMERGENCY_LINES = (Need.WOMEN_VIOLENCE, Need.MENTAL_HEALTH)


def for_a_minor(answers: Answers) -> bool:
    """The person who needs help is under 18, or a child."""
    return answers.who == "child" or (answers.age_max is not None and answers.age_max < 18)


def _known_adult(answers: Answers) -> bool:
    return not for_a_minor(answers) and answers.age_min is not None and answers.age_min >= 18


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def emergency_numbers(tr: Translator, answers: Answers, ctx: Context) -> list[str]:
    """The public emergency numbers of the catalogue, one line each."""
    found = ctx.index.match(Profile(need=Need.EMERGENCY, language=tr.code), ctx.today)
    phones = [
        phone
        for m in found.matches
        if m.service.needs == [Need.EMERGENCY]
        for phone in m.service.phones
    ]
    if _known_adult(answers):
        phones = [p for p in phones if _digits(p.number) != CHILD_HELPLINE_DIGITS]
    return [phone_line(tr, phone) for phone in phones]


def emergency_lines(tr: Translator, answers: Answers, ctx: Context) -> list[str]:
    """The lines that start violence and mental-health results: whom to call in danger."""
    if answers.need not in NEEDS_WITH_EMERGENCY_LINES:
        return []
    numbers = emergency_numbers(tr, answers, ctx)
    if not numbers:
        return []
    return [Bold("🆘 " + tr(N_("If someone is in danger now, call:"))), *numbers, ""]


def _for_children(service: Service) -> bool:
    return service.age is not None and service.age.max is not None and service.age.max <= 18


def help_services(profile: Profile, answers: Answers, ctx: Context) -> list[Match]:
    """Services for violence or acute distress that fit the profile and have a phone.

    Mental health comes first when that is what the person asked for; services for
    children first when the person is a child."""
    needs = list(NEEDS_WITH_EMERGENCY_LINES)
    if answers.need == Need.MENTAL_HEALTH:
        needs.reverse()
    found: list[Match] = []
    for need in needs:
        result = ctx.index.match(profile.model_copy(update={"need": need}), ctx.today)
        if result.widened:
            continue  # general desks are not help in danger
        found += [m for m in result.matches if m.service.phones and m not in found]
    # What fits fully first (the ranking already does so within one need), then, for a
    # child, services for children first; the sort is stable.
    found.sort(key=lambda m: not m.fits)
    if for_a_minor(answers):
        found.sort(key=lambda m: not _for_children(m.service))
    seen: set[str] = set()
    unique = []
    for match in found:
        if match.service.id not in seen:
            seen.add(match.service.id)
            unique.append(match)
    return unique[:MAX_SERVICES]


def callable_services(tr: Translator, matches: list[Match]) -> list[str]:
    """Services as a name and their phone numbers, under one title."""
    if not matches:
        return []
    lines = [Bold(tr(N_("Services you can call:")))]
    for match in matches:
        lines += ["", Bold(tr.isolate_latin(match.service.name.get(tr.code)))]
        lines += warnings(tr, match)  # "Only for women.", "Age limit: …" when unconfirmed
        lines += [phone_line(tr, phone) for phone in match.service.phones]
    return lines


def person_services(profile: Profile, ctx: Context, limit: int = 5) -> list[Match]:
    """Services that fit what is known and that a person can phone ("talk to someone")."""
    result = ctx.index.match(profile, ctx.today)
    return [m for m in result.matches if m.service.phones][:limit]


def emergency_screen(tr: Translator, answers: Answers, profile: Profile, ctx: Context) -> list[str]:
    """The emergency screen's lines: the numbers, then the services that fit."""
    lines = [Bold("🆘 " + tr(N_("If someone is in danger now, call:")))]
    numbers = emergency_numbers(tr, answers, ctx)
    lines += numbers or ["📞 " + tr.isolate(number) for number in ("112", "113", "116 111")]
    services = help_services(profile, answers, ctx)
    if services:
        lines += ["", *callable_services(tr, services)]
    return lines
