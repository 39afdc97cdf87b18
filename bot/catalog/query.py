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

from .model import Catalog, Location, Need, Service, Status
from .places import Gazetteer, default_gazetteer
from .pools import Entry, Point, Pool, Query, fits, haversine, point

# A person with the status on the left also counts as having the statuses on the right.
STATUS_EQUIVALENTS: dict[Status, tuple[Status, ...]] = {
    # An unaccompanied minor (MNA) seeking protection is also an applicant (DPI).
    Status.UNACCOMPANIED_MINOR: (Status.ASYLUM_APPLICANT,),
}
PERSON_STATUSES = tuple(status for status in Status if status is not Status.ANY)
GENERAL = "general"  # the pool of general information desks

BucketKey = tuple[Need | str | None, Status | None]


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


class _Bucket:
    """The pool of one (need, status) pair, and its part per language."""

    def __init__(self, entries: list[Entry], points: list[Point]) -> None:
        self.all = Pool(entries, points)
        by_language: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            for language in entry.languages:
                by_language[language].append(entry)
        self.by_language = {code: Pool(part, points) for code, part in by_language.items()}


class CatalogIndex:
    """The catalogue prepared for fast matching; build once per catalogue version."""

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer | None = None) -> None:
        self.catalog = catalog
        places = gazetteer if gazetteer is not None else default_gazetteer()
        self._points: list[Point] = []
        point_ids: dict[tuple[float, float], int] = {}
        members: dict[BucketKey, list[tuple[tuple[bool, int, str], Entry]]] = defaultdict(list)
        for service in catalog.services:
            offices = []
            for location in service.locations:
                where = places.coordinates(location)
                pid = -1
                if where is not None:
                    pid = point_ids.setdefault(where, len(point_ids))
                    if pid == len(self._points):
                        self._points.append(point(*where))
                offices.append((location, pid))
            entry = Entry(service, tuple(offices))
            for status, narrowness in _status_keys(service.statuses):
                order = (not entry.contact, narrowness, service.id)
                for need in _need_keys(service):
                    members[need, status].append((order, entry))
        self._buckets = {
            key: _Bucket([entry for _, entry in sorted(found, key=lambda x: x[0])], self._points)
            for key, found in members.items()
        }

    def match(self, profile: Profile, today: date, limit: int | None = None) -> MatchResult:
        """Services for `profile` on `today`, best first; at most `limit` when given."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        here = None
        if profile.latitude is not None and profile.longitude is not None:
            here = point(profile.latitude, profile.longitude)
        query = Query(today.toordinal(), profile.age_band, profile.language, here)
        status = profile.status if profile.status is not Status.ANY else None
        cache: dict[int, float] = {}
        exact = True
        matches: list[Match] = []
        total = 0
        for step, (key, q) in enumerate(_relaxed(profile.need, status, query)):
            matches, total = self._find(key, q, limit, cache)
            if matches:
                exact = step == 0
                break
        general: list[Match] = []
        general_total = 0
        for key, q in _relaxed(GENERAL, status, query):
            general, general_total = self._find(key, q, limit, cache)
            if general:
                break
        if not matches:
            exact = False
            matches, total = general, general_total
        return MatchResult(exact, tuple(matches), tuple(general), total)

    def _find(
        self, key: BucketKey, query: Query, limit: int | None, cache: dict[int, float]
    ) -> tuple[list[Match], int]:
        bucket = self._buckets.get(key)
        if bucket is None:
            return [], 0
        language = query.language
        own = bucket.by_language.get(language)
        everyone = fits(bucket.all.entries, query)
        if query.here is None:
            speakers = fits(own.entries, query) if own is not None else []
            others = [e for e in everyone if language not in e.languages] if speakers else everyone
            chosen = [(e, True) for e in speakers[:limit]]
            room = None if limit is None else limit - len(chosen)
            chosen += [(e, False) for e in others[:room]]
            return [self._plain(e, speaks) for e, speaks in chosen], len(everyone)
        found: list[Match] = []
        for pool, skip, speaks in ((own, None, True), (bucket.all, language, False)):
            if pool is None:
                continue
            room = None if limit is None else limit - len(found)
            if room is not None and room <= 0:
                break
            for entry, distance in pool.nearest(query, room, skip, cache):
                found.append(self._near(entry, distance, speaks, query.here, cache))
            room = None if limit is None else limit - len(found)
            if room is None or room > 0:
                far = fits(pool.unlocated, query, skip)[:room]
                found += [self._plain(entry, speaks) for entry in far]
        return found, len(everyone)

    @staticmethod
    def _plain(entry: Entry, speaks: bool) -> Match:
        """The match without a distance (made once per entry and reused)."""
        match = entry.plain.get(speaks)
        if match is None:
            match = entry.plain[speaks] = Match(entry.service, entry.locations, None, speaks)
        return match  # type: ignore[return-value]

    def _near(
        self, entry: Entry, distance: float, speaks: bool, here: Point, cache: dict[int, float]
    ) -> Match:
        if len(entry.offices) == 1:
            return Match(entry.service, entry.locations, distance, speaks)
        located = []
        for index, (location, pid) in enumerate(entry.offices):
            if pid >= 0:
                d = cache.get(pid)
                if d is None:
                    d = cache[pid] = haversine(here, self._points[pid])
                located.append((d, index, location))
        located.sort(key=lambda item: item[:2])
        unlocated = [location for location, pid in entry.offices if pid < 0]
        offices = tuple(location for _, _, location in located) + tuple(unlocated)
        return Match(entry.service, offices, distance, speaks)


def _relaxed(
    need: Need | str | None, status: Status | None, query: Query
) -> list[tuple[BucketKey, Query]]:
    """The searches to try in turn: exact, then without the age, then without the status."""
    broad = replace(query, band=None)
    steps: list[tuple[BucketKey, Query]] = [((need, status), query)]
    if query.band is not None:
        steps.append(((need, status), broad))
    if status is not None:
        steps.append(((need, None), broad))
    return steps


def _need_keys(service: Service) -> list[Need | str | None]:
    if Need.EMERGENCY in service.needs:
        return [Need.EMERGENCY]
    keys: list[Need | str | None] = [*dict.fromkeys(service.needs), None]
    if service.general_information:
        keys.append(GENERAL)
    return keys


def _status_keys(statuses: list[Status]) -> list[tuple[Status | None, int]]:
    """The statuses an entry is found under, each with how narrowly it targets it
    (0: named, 1: named through an equivalence, 2: `any`); None is "status unknown"."""
    named = set(statuses)
    keys: list[tuple[Status | None, int]] = [(None, 0)]
    for status in PERSON_STATUSES:
        if status in named:
            keys.append((status, 0))
        elif named.intersection(STATUS_EQUIVALENTS.get(status, ())):
            keys.append((status, 1))
        elif Status.ANY in named:
            keys.append((status, 2))
    return keys
