"""Which services fit a person, best first, and where to turn when nothing does.

Matching (see `eligibility`): the profile's need is among the service's needs (a service for
`emergency` is offered only for that need; no need given matches every other service), the
service is current on the day, and its statuses, ages and audience do not exclude the
person. What the bot cannot confirm is carried on the match as `conditions`.

Ranking, the same for the same input: services that fit fully before those with conditions;
then those a person can reach at all (a dead end is never first while another way exists);
then services made for the person's status, then for an age, before general ones; then the
way to reach them (phone or e-mail before an office or a web link); then those working in
the person's language; then the nearest office (when a position is given); then the order
of the catalogue file.

When nothing is found for the need, the search is widened to the general information desks
that serve the person; age, status and audience are never dropped (`MatchResult.widened`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from heapq import nsmallest
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .eligibility import (
    ADULT,
    STATUS_EQUIVALENTS,
    Condition,
    age_fit_limits,
    age_limits,
    fits_fully,
    status_fit,
)
from .gcpause import gc_paused
from .model import AgeOf, Catalog, Location, Need, Service, Status
from .places import Gazetteer, default_gazetteer
from .spatial import Point, closeness, km, point

__all__ = [
    "STATUS_EQUIVALENTS",
    "CatalogIndex",
    "Condition",
    "Match",
    "MatchResult",
    "Profile",
]

GENERAL = "general"  # the pool of general information desks
NO_END = 10**7  # a date ordinal after any real date
UNREACHABLE = 2  # contact level of an entry with no phone, e-mail, office or web link

Who = Literal["me", "child", "family"]


class Profile(BaseModel):
    """What the person told the bot. None means "I don't know" and excludes nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    need: Need | None = None
    status: Status | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)  # with `age`: an age band
    who: Who | None = None  # whose age it is: the person asking ("me") or a child / relative
    language: str = "en"
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _check(self) -> Profile:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.age is not None and self.age_max is not None and self.age_max < self.age:
            raise ValueError("age_max is below age")
        return self

    @property
    def age_band(self) -> tuple[int, int] | None:
        """Inclusive (youngest, oldest) the person may be, or None when unknown."""
        if self.age is None and self.age_max is None:
            return None
        low = self.age if self.age is not None else 0
        return low, self.age_max if self.age_max is not None else low


@dataclass(frozen=True)
class Match:
    service: Service
    locations: tuple[Location, ...]  # nearest first when a position was given, else file order
    distance_km: float | None  # to the nearest office, when known
    speaks_language: bool
    conditions: tuple[Condition, ...] = ()  # restrictions not confirmed; the card states them

    @property
    def fits(self) -> bool:
        """Offered as fitting the person: nothing left unconfirmed."""
        return fits_fully(self.conditions)


@dataclass(frozen=True)
class MatchResult:
    exact: bool  # something was found for the need
    matches: tuple[Match, ...]
    general: tuple[Match, ...]  # current general information desks that serve the person
    total: int = 0  # how many matched before `limit` cut the list
    widened: bool = False  # nothing for the need: `matches` are the general desks instead


class _Entry:
    """What matching needs to know about one service, computed once per catalogue."""

    __slots__ = (
        "service",
        "order",
        "start",
        "until",
        "contact",
        "languages",
        "offices",
        "low",
        "high",
        "of_child",
        "audience",
        "young",
    )

    def __init__(self, service: Service, order: int, places: Gazetteer) -> None:
        self.service = service
        self.order = order
        active = service.active
        self.start = active.start.toordinal() if active and active.start else 0
        until = service.ends_on()
        self.until = until.toordinal() if until else NO_END
        if service.contactable:
            self.contact = 0
        elif service.reachable:
            self.contact = 1
        else:
            self.contact = UNREACHABLE
        self.languages = frozenset(service.languages)
        offices: list[tuple[Location, Point | None]] = []
        for location in service.locations:
            at = places.coordinates(location)
            offices.append((location, point(*at) if at else None))
        self.offices = tuple(offices)
        self.low, self.high = age_limits(service)
        self.of_child = service.age_of is AgeOf.CHILD
        self.audience = tuple(Condition(group.value) for group in service.audience)
        self.young = Condition.YOUNG_PEOPLE in self.audience


# One pool per need and status slot: (entry, names the status, status unconfirmed, group),
# in ranking order of what does not depend on the person (see `_group`).
_PoolItem = tuple[_Entry, bool, int]
STATUS_SLOTS: tuple[Status | None, ...] = (None, *(s for s in Status if s is not Status.ANY))


class CatalogIndex:
    """The catalogue prepared for matching; build once per catalogue version."""

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer | None = None) -> None:
        """`gazetteer` places offices that have only a city (the bundled one by default)."""
        self.catalog = catalog
        places = gazetteer if gazetteer is not None else default_gazetteer()
        pools: dict[tuple[Need | str | None, Status | None], list[_PoolItem]] = defaultdict(list)
        with gc_paused():
            for order, service in enumerate(catalog.services):
                entry = _Entry(service, order, places)
                for slot in STATUS_SLOTS:
                    served, named, unconfirmed = status_fit(service, slot)
                    if not served:
                        continue
                    group = _group(entry, named)
                    for key in _need_keys(service):
                        pools[key, slot].append((entry, unconfirmed, group))
            for items in pools.values():
                items.sort(key=lambda item: (item[2], item[0].order))
        self._pools = dict(pools)

    def match(self, profile: Profile, today: date, limit: int | None = None) -> MatchResult:
        """Services for `profile` on `today`, best first; at most `limit` when given."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        here = None
        if profile.latitude is not None and profile.longitude is not None:
            here = point(profile.latitude, profile.longitude)
        day = today.toordinal()
        status = None if profile.status is Status.ANY else profile.status
        matches, total = self._find(profile.need, status, profile, day, here, limit)
        general, general_total = self._find(GENERAL, status, profile, day, here, limit)
        exact = bool(matches)
        widened = False
        if not matches:
            matches, total, widened = general, general_total, bool(general)
        return MatchResult(exact, tuple(matches), tuple(general), total, widened)

    def _find(
        self,
        key: Need | str | None,
        status: Status | None,
        profile: Profile,
        day: int,
        here: Point | None,
        limit: int | None,
    ) -> tuple[list[Match], int]:
        band = profile.age_band
        minor = band is not None and band[1] < ADULT
        who, need, language = profile.who, profile.need, profile.language
        ranked = []
        for entry, unconfirmed, group in self._pools.get((key, status), ()):
            if not entry.start <= day <= entry.until:
                continue
            conditions: tuple[Condition, ...] = (Condition.STATUS,) if unconfirmed else ()
            if entry.low is not None:
                in_age, age_condition = age_fit_limits(
                    entry.low, entry.high, entry.of_child, band, who, need
                )
                if not in_age:
                    continue
                if age_condition is not None:
                    conditions += (age_condition,)
            if entry.audience:
                if minor and entry.young:
                    conditions += tuple(
                        c for c in entry.audience if c is not Condition.YOUNG_PEOPLE
                    )
                else:
                    conditions += entry.audience
            near = _closest(entry, here)
            ranked.append(
                (
                    not fits_fully(conditions),
                    group,
                    language not in entry.languages,
                    -near,
                    entry.order,
                    entry,
                    conditions,
                )
            )
        best = nsmallest(limit, ranked) if limit else sorted(ranked)
        matches = []
        for _, _, not_speaks, near, _, entry, conditions in best:
            locations, distance = _offices(entry, here, -near)
            matches.append(Match(entry.service, locations, distance, not not_speaks, conditions))
        return matches, len(ranked)


def _group(entry: _Entry, named: bool) -> int:
    """The part of the ranking that does not depend on the person: reachable at all, made
    for the status, made for an age, then the kind of contact."""
    unreachable = entry.contact == UNREACHABLE
    return ((unreachable * 2 + (not named)) * 2 + (entry.low is None)) * 3 + entry.contact


def _closest(entry: _Entry, here: Point | None) -> float:
    """The closeness of the nearest office (larger is nearer); -2 when unknown."""
    best = -2.0
    if here is not None:
        for _, at in entry.offices:
            if at is not None:
                near = closeness(here, at)
                if near > best:
                    best = near
    return best


def _offices(
    entry: _Entry, here: Point | None, near: float
) -> tuple[tuple[Location, ...], float | None]:
    """The offices nearest first (unplaced ones last) and the distance to the nearest."""
    if here is None or near < -1:
        return tuple(location for location, _ in entry.offices), None
    placed = sorted(
        (-closeness(here, at), index, location)
        for index, (location, at) in enumerate(entry.offices)
        if at is not None
    )
    unplaced = [location for location, at in entry.offices if at is None]
    return (*(location for _, _, location in placed), *unplaced), km(near)


def _need_keys(service: Service) -> list[Need | str | None]:
    if Need.EMERGENCY in service.needs:
        return [Need.EMERGENCY]
    keys: list[Need | str | None] = [*dict.fromkeys(service.needs), None]
    if service.general_information:
        keys.append(GENERAL)
    return keys
