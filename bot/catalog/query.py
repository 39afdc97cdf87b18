"""Which services fit a person, best first, and broader ones when nothing fits exactly.

Matching: the profile's need is among the service's needs (a service for `emergency` is
offered only for that need; no need given matches every other service), its status is
served (`any`, the status itself, or one it counts as, see STATUS_EQUIVALENTS; no status
matches all), its age band overlaps the service's inclusive age range (no age matches all),
and the service is current on the day asked.

Ranking, always the same for the same input: services working in the person's language,
then the one with the office nearest to the person (when a position is given), then those
with a phone or e-mail, then those naming the person's status rather than `any`, then id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .gcpause import gc_paused
from .model import Catalog, Location, Need, Service, Status
from .places import Gazetteer, default_gazetteer
from .pools import Entry, Pool, Query
from .spatial import Point, Quadtree, closeness, km, point

# A person with the status on the left also counts as having the statuses on the right.
STATUS_EQUIVALENTS: dict[Status, tuple[Status, ...]] = {
    # An unaccompanied minor (MNA) seeking protection is also an applicant (DPI).
    Status.UNACCOMPANIED_MINOR: (Status.ASYLUM_APPLICANT,),
}
PERSON_STATUSES = tuple(status for status in Status if status is not Status.ANY)
STATUS_SLOTS: tuple[Status | None, ...] = (None, *PERSON_STATUSES)
GENERAL = "general"  # the pool of general information desks

PoolKey = tuple[Need | str | None, Status | None]


class Profile(BaseModel):
    """What the person told the bot. None means "I don't know" and matches everything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    need: Need | None = None
    status: Status | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)  # with `age`: an age band
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


@dataclass(frozen=True)
class MatchResult:
    exact: bool  # False when nothing fitted exactly and `matches` is the broader fallback
    matches: tuple[Match, ...]
    general: tuple[Match, ...]  # current general information desks, best first
    total: int = 0  # how many matched before `limit` cut the list


class CatalogIndex:
    """The catalogue prepared for fast matching; build once per catalogue version."""

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer | None = None) -> None:
        """`gazetteer` places offices that have only a city (the bundled one by default)."""
        self.catalog = catalog
        places = gazetteer if gazetteer is not None else default_gazetteer()
        services = catalog.services
        with gc_paused():
            point_ids: dict[tuple[float, float], int] = {}
            offices = [
                [
                    (location, _point_id(places.coordinates(location), point_ids))
                    for location in s.locations
                ]
                for s in services
            ]
            self._tree = Quadtree(list(point_ids))
            members: dict[PoolKey, list[Entry]] = defaultdict(list)
            for service, placed, ranks in zip(services, offices, _rankings(services), strict=True):
                entry = Entry(service, placed, self._tree.vectors, ranks)
                for need in _need_keys(service):
                    for slot, status in enumerate(STATUS_SLOTS):
                        if ranks[slot] >= 0:
                            members[need, status].append(entry)
            self._pools = {
                key: Pool(found, STATUS_SLOTS.index(key[1])) for key, found in members.items()
            }
        self._day = 0

    def match(self, profile: Profile, today: date, limit: int | None = None) -> MatchResult:
        """Services for `profile` on `today`, best first; at most `limit` when given."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        here = None
        if profile.latitude is not None and profile.longitude is not None:
            here = point(profile.latitude, profile.longitude)
        query = Query(today.toordinal(), profile.age_band, profile.language, here)
        if query.day != self._day:
            # Once per day: what is current today, counted per pool (keeps queries flat).
            for pool in self._pools.values():
                pool.ages_on(query.day)
            self._day = query.day
        status = profile.status if profile.status is not Status.ANY else None
        exact = True
        matches: list[Match] = []
        total = 0
        for step, (key, q) in enumerate(_relaxed(profile.need, status, query)):
            matches, total = self._find(key, q, limit)
            if matches:
                exact = step == 0
                break
        general: list[Match] = []
        general_total = 0
        for key, q in _relaxed(GENERAL, status, query):
            general, general_total = self._find(key, q, limit)
            if general:
                break
        if not matches:
            exact = False
            matches, total = general, general_total
        return MatchResult(exact, tuple(matches), tuple(general), total)

    def _find(self, key: PoolKey, query: Query, limit: int | None) -> tuple[list[Match], int]:
        pool = self._pools.get(key)
        if pool is None:
            return [], 0
        found: list[Match] = []
        for speaks in (True, False):
            room = None if limit is None else limit - len(found)
            if room is not None and room <= 0:
                break
            if query.here is None:
                found += [self._plain(e, speaks) for e in pool.first(query, room, speaks)]
                continue
            for entry, near in pool.by_distance(query, room, speaks, self._tree):
                found.append(self._near(entry, near, speaks, query.here))
            room = None if limit is None else limit - len(found)
            if room is None or room > 0:
                far = pool.first(query, room, speaks, unlocated_only=True)
                found += [self._plain(entry, speaks) for entry in far]
        return found, pool.count(query)

    @staticmethod
    def _plain(entry: Entry, speaks: bool) -> Match:
        """The match without a distance (made once per entry and reused)."""
        match = entry.plain.get(speaks)
        if match is None:
            match = entry.plain[speaks] = Match(entry.service, entry.locations, None, speaks)
        return match

    def _near(self, entry: Entry, near: float, speaks: bool, here: Point) -> Match:
        """The match with its offices nearest first (offices of unknown place last)."""
        offices = entry.locations
        if len(offices) > 1:
            vectors = self._tree.vectors
            known = sorted(
                (-closeness(here, vectors[pid]), index, location)
                for index, (location, pid) in enumerate(entry.offices)
                if pid >= 0
            )
            unknown = [location for location, pid in entry.offices if pid < 0]
            offices = (*(location for _, _, location in known), *unknown)
        return Match(entry.service, offices, km(near), speaks)


def _relaxed(
    need: Need | str | None, status: Status | None, query: Query
) -> list[tuple[PoolKey, Query]]:
    """The searches to try in turn: exact, then without the age, then without the status."""
    broad = replace(query, band=None)
    steps: list[tuple[PoolKey, Query]] = [((need, status), query)]
    if query.band is not None:
        steps.append(((need, status), broad))
    if status is not None:
        steps.append(((need, None), broad))
    return steps


def _point_id(at: tuple[float, float] | None, ids: dict[tuple[float, float], int]) -> int:
    return -1 if at is None else ids.setdefault(at, len(ids))


def _rankings(services: list[Service]) -> list[list[int]]:
    """Per service and status slot, its place in the ranking without a position: phone or
    e-mail first, then the narrower target, then id; -1 when the status is not served."""
    order = {ident: n for n, ident in enumerate(sorted(s.id for s in services))}
    size = len(order)
    return [
        [
            -1 if narrowness < 0 else (3 * (not s.contactable) + narrowness) * size + order[s.id]
            for narrowness in _narrowness(s.statuses)
        ]
        for s in services
    ]


def _need_keys(service: Service) -> list[Need | str | None]:
    if Need.EMERGENCY in service.needs:
        return [Need.EMERGENCY]
    keys: list[Need | str | None] = [*dict.fromkeys(service.needs), None]
    if service.general_information:
        keys.append(GENERAL)
    return keys


def _narrowness(statuses: list[Status]) -> list[int]:
    """Per status slot, how narrowly an entry targets it: 0 named, 1 named through an
    equivalence, 2 `any`, -1 not served. The unknown status (slot 0) sees every entry as 0."""
    named = set(statuses)
    found = [0]
    for status in PERSON_STATUSES:
        if status in named:
            found.append(0)
        elif named.intersection(STATUS_EQUIVALENTS.get(status, ())):
            found.append(1)
        else:
            found.append(2 if Status.ANY in named else -1)
    return found
