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

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from heapq import nsmallest
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .eligibility import STATUS_EQUIVALENTS, Condition, assess, fits_fully
from .gcpause import gc_paused
from .model import Catalog, Location, Need, Service, Status
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
    """What ranking needs to know about one service, computed once per catalogue."""

    __slots__ = ("service", "order", "start", "until", "contact", "languages", "offices")

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

    def current(self, day: int) -> bool:
        return self.start <= day <= self.until and (
            not self.service.editions or self.service.is_current(date.fromordinal(day))
        )


class CatalogIndex:
    """The catalogue prepared for matching; build once per catalogue version."""

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer | None = None) -> None:
        """`gazetteer` places offices that have only a city (the bundled one by default)."""
        self.catalog = catalog
        places = gazetteer if gazetteer is not None else default_gazetteer()
        self._pools: dict[Need | str | None, list[_Entry]] = defaultdict(list)
        with gc_paused():
            for order, service in enumerate(catalog.services):
                entry = _Entry(service, order, places)
                for key in _need_keys(service):
                    self._pools[key].append(entry)

    def match(self, profile: Profile, today: date, limit: int | None = None) -> MatchResult:
        """Services for `profile` on `today`, best first; at most `limit` when given."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        here = None
        if profile.latitude is not None and profile.longitude is not None:
            here = point(profile.latitude, profile.longitude)
        day = today.toordinal()
        matches, total = self._find(profile.need, profile, day, here, limit)
        general, general_total = self._find(GENERAL, profile, day, here, limit)
        exact = bool(matches)
        widened = False
        if not matches:
            matches, total, widened = general, general_total, bool(general)
        return MatchResult(exact, tuple(matches), tuple(general), total, widened)

    def _find(
        self,
        key: Need | str | None,
        profile: Profile,
        day: int,
        here: Point | None,
        limit: int | None,
    ) -> tuple[list[Match], int]:
        ranked: list[tuple[tuple[int, ...] | tuple[float, ...], Match]] = []
        band = profile.age_band
        status = profile.status
        for entry in self._pools.get(key, ()):
            if not entry.current(day):
                continue
            service = entry.service
            found = assess(service, status, band, profile.who, profile.need)
            if found is None:
                continue
            conditions, named = found
            speaks = profile.language in entry.languages
            locations, near = _nearest(entry, here)
            match = Match(service, locations, near, speaks, conditions)
            rank = (
                not match.fits,
                entry.contact == UNREACHABLE,
                not named,
                not service.has_age_limit,
                entry.contact,
                not speaks,
                near if near is not None else math.inf,
                entry.order,
            )
            ranked.append((rank, match))
        best = nsmallest(limit, ranked, key=_rank) if limit else sorted(ranked, key=_rank)
        return [match for _, match in best], len(ranked)


def _rank(item: tuple[tuple[float, ...], Match]) -> tuple[float, ...]:
    return item[0]


def _nearest(entry: _Entry, here: Point | None) -> tuple[tuple[Location, ...], float | None]:
    """The offices nearest first (unplaced ones last) and the distance to the nearest."""
    if here is None or not entry.offices:
        return tuple(location for location, _ in entry.offices), None
    placed = sorted(
        (-closeness(here, at), index, location)
        for index, (location, at) in enumerate(entry.offices)
        if at is not None
    )
    if not placed:
        return tuple(location for location, _ in entry.offices), None
    unplaced = [location for location, at in entry.offices if at is None]
    ordered = (*(location for _, _, location in placed), *unplaced)
    return ordered, km(-placed[0][0])


def _need_keys(service: Service) -> list[Need | str | None]:
    if Need.EMERGENCY in service.needs:
        return [Need.EMERGENCY]
    keys: list[Need | str | None] = [*dict.fromkeys(service.needs), None]
    if service.general_information:
        keys.append(GENERAL)
    return keys
