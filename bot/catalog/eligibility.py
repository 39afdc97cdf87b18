"""Whether a service serves a person, as its entry says, and what the bot cannot confirm.

A service serves a person when its statuses, ages and audience do not exclude them. What the
entry restricts but the bot does not know about the person (an audience it never asks
about, an age band that straddles a limit, a status the person is unsure of) becomes a
`Condition`: the service is still shown, with that condition on its card, and never as
fitting the person's situation. Hard limits are never dropped.
"""

from __future__ import annotations

from enum import StrEnum

from .model import AgeOf, Audience, Need, Service, Status


class Condition(StrEnum):
    """A restriction the bot could not confirm; the card states it."""

    WOMEN = Audience.WOMEN.value
    YOUNG_PEOPLE = Audience.YOUNG_PEOPLE.value
    PUPILS = Audience.PUPILS.value
    RECEPTION_RESIDENTS = Audience.RECEPTION_RESIDENTS.value
    REVIS = Audience.REVIS.value
    AGE = "age"  # the age band is only partly inside the limits, or the age is unknown
    PARENT = "parent"  # offered to a parent: the limits are the child's age, not theirs
    STATUS = "status"  # the service names statuses and the person's may not be one of them


# Needs for which a person answering "Me" is asking as a parent about their child.
FAMILY_NEEDS = frozenset({Need.CHILDREN_FAMILY, Need.PREGNANCY_BABY})

# Seed 003 line 288: third-country nationals include applicants for and beneficiaries of
# international and temporary protection; people without papers or unaccompanied minors
# from outside the EU are third-country nationals too.
STATUS_EQUIVALENTS: dict[Status, tuple[Status, ...]] = {
    status: (Status.THIRD_COUNTRY_NATIONAL,)
    for status in (
        Status.ASYLUM_APPLICANT,
        Status.INTERNATIONAL_PROTECTION,
        Status.TEMPORARY_PROTECTION,
        Status.UNACCOMPANIED_MINOR,
        Status.NO_PAPERS,
    )
}

# Statuses a person may also have, but the answer does not tell: an unaccompanied minor may
# or may not have applied for asylum. A service for those is shown with its condition.
STATUS_POSSIBLE: dict[Status, tuple[Status, ...]] = {
    Status.UNACCOMPANIED_MINOR: (Status.ASYLUM_APPLICANT,),
}

ADULT = 18  # from this age a person is not a minor

Band = tuple[int, int]


def status_fit(service: Service, status: Status | None) -> tuple[bool, bool, bool]:
    """(served, named, unconfirmed) for a person of `status` (None: "I don't know").

    `named` is True when the service names the person's status itself (a service made for
    them); `unconfirmed` when it serves only statuses the person may not have.
    """
    statuses = service.statuses
    if status is None or status is Status.ANY:
        return True, False, Status.ANY not in statuses
    if status in statuses:
        return True, True, False
    if Status.ANY in statuses:
        return True, False, False
    if any(s in statuses for s in STATUS_EQUIVALENTS.get(status, ())):
        return True, False, False
    if any(s in statuses for s in STATUS_POSSIBLE.get(status, ())):
        return True, True, True
    return False, False, False


def age_fit(
    service: Service, band: Band | None, who: str | None, need: Need | None
) -> tuple[bool, Condition | None]:
    """(served, condition) for a person whose age is in `band` (None: unknown).

    With limits that are a child's age (`age_of: child`), a person who answered "Me" and
    asks about children, family or pregnancy is served as a parent whatever their own age.
    """
    low, high = age_limits(service)
    return age_fit_limits(low, high, service.age_of is AgeOf.CHILD, band, who, need)


def age_limits(service: Service) -> tuple[int | None, int | None]:
    """The inclusive (youngest, oldest) a service states; (None, None) without limits."""
    age = service.age
    if age is None or (age.min is None and age.max is None):
        return None, None
    return (age.min if age.min is not None else 0), (age.max if age.max is not None else 10**6)


def age_fit_limits(
    low: int | None,
    high: int | None,
    of_child: bool,
    band: Band | None,
    who: str | None,
    need: Need | None,
) -> tuple[bool, Condition | None]:
    """`age_fit` on plain numbers (see `age_limits`), for the index's fast path."""
    if low is None or high is None:
        return True, None
    if band is None:
        return True, Condition.AGE
    youngest, oldest = band
    if low <= youngest and oldest <= high:
        return True, None
    if youngest <= high and oldest >= low:
        return True, Condition.AGE
    if of_child and who == "me" and need in FAMILY_NEEDS:
        return True, Condition.PARENT
    return False, None


def audience_conditions(service: Service, band: Band | None) -> tuple[Condition, ...]:
    """The audience restrictions the bot cannot confirm for this person."""
    found = []
    for audience in service.audience:
        if audience is Audience.YOUNG_PEOPLE and band is not None and band[1] < ADULT:
            continue  # a minor is a young person
        found.append(Condition(audience.value))
    return tuple(found)


def assess(
    service: Service,
    status: Status | None,
    band: Band | None,
    who: str | None,
    need: Need | None,
) -> tuple[tuple[Condition, ...], bool] | None:
    """None when the service's limits exclude the person; else the conditions under which
    it is offered, and whether it names the person's status (a service made for them)."""
    served, named, unconfirmed = status_fit(service, status)
    if not served:
        return None
    in_age, age_condition = age_fit(service, band, who, need)
    if not in_age:
        return None
    found: list[Condition] = [Condition.STATUS] if unconfirmed else []
    if age_condition is not None:
        found.append(age_condition)
    found += audience_conditions(service, band)
    return tuple(found), named


def fits_fully(conditions: tuple[Condition, ...]) -> bool:
    """Whether a service with these conditions is offered as fitting the person: nothing
    unconfirmed, or only that it is offered to them as a parent."""
    return all(condition is Condition.PARENT for condition in conditions)
