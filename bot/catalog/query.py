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

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from heapq import merge, nsmallest
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .eligibility import (
    ADULT,
    FAMILY_NEEDS,
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
from .spatial import Point, Quadtree, closeness, km, point

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
        "vectors",
        "low",
        "high",
        "of_child",
        "audience",
        "young",
        "ages",
        "dated",
        "kind",
        "pids",
    )

    def __init__(
        self, service: Service, order: int, places: Gazetteer, pids: dict[tuple[float, float], int]
    ) -> None:
        """`pids` numbers the distinct office positions (new ones are added)."""
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
        placed: dict[int, None] = {}
        for location in service.locations:
            at = places.coordinates(location)
            offices.append((location, point(*at) if at else None))
            if at is not None:
                placed[pids.setdefault(at, len(pids))] = None
        self.offices = tuple(offices)
        self.pids = tuple(placed)  # its distinct office positions (see `CatalogIndex.tree`)
        self.vectors = tuple(at for _, at in offices if at is not None)
        self.low, self.high = age_limits(service)
        self.of_child = service.age_of is AgeOf.CHILD
        self.audience = tuple(Condition(group.value) for group in service.audience)
        self.young = Condition.YOUNG_PEOPLE in self.audience
        self.ages = None if self.low is None else (self.low, self.high, self.of_child)
        self.dated = self.start, self.until, self.ages  # what `total` counts by
        self.kind = _kind(self.audience)


STATUS_SLOTS: tuple[Status | None, ...] = (None, *(s for s in Status if s is not Status.ANY))

# How an entry's status and audience let it fit a person fully (its ages aside):
PLAIN = 0  # status confirmed, no audience: fits unless its age limits leave a doubt
YOUNG = 1  # status confirmed, only young people as audience: fits a minor
NEVER = 2  # status unconfirmed, or an audience the bot never asks about: always conditional

_Ages = tuple[int, int, bool]  # an entry's age limits: (youngest, oldest, a child's age)
_Item = tuple[int, _Entry, bool]  # (file order, entry, status unconfirmed)


def _kind(audience: tuple[Condition, ...]) -> int:
    """PLAIN, YOUNG or NEVER (see above) for an entry whose status is confirmed."""
    if any(c is not Condition.YOUNG_PEOPLE for c in audience):
        return NEVER
    return YOUNG if audience else PLAIN


SMALL = 16  # a shelf with fewer entries has no lists per language: a scan is as quick


class _Shelf:
    """The entries of one pool that share a ranking group, a kind and age limits, in file
    order, and per language the ones working in it. Whether such an entry is offered to a
    person, and fitting fully or not, is the same for all of them but for their dates."""

    __slots__ = ("kind", "ages", "items", "speakers")

    def __init__(self, kind: int, ages: _Ages | None, items: list[_Item]) -> None:
        self.kind = kind
        self.ages = ages
        self.items = items
        self.speakers: dict[str, list[_Item]] | None = None
        if len(items) >= SMALL:
            self.speakers = speakers = {}
            for item in items:
                for language in item[1].languages:
                    listed = speakers.get(language)
                    if listed is None:
                        speakers[language] = [item]
                    else:
                        listed.append(item)

    def fits(self, search: _Search) -> bool | None:
        """None when these entries' ages exclude the person; else whether they fit fully
        (see `eligibility.fits_fully`) or only with conditions."""
        fits = self.kind == PLAIN or (self.kind == YOUNG and search.minor)
        if self.ages is None:
            return fits
        low, high, of_child = self.ages
        in_age, condition = age_fit_limits(
            low, high, of_child, search.band, search.who, search.need
        )
        if not in_age:
            return None
        return fits and condition in (None, Condition.PARENT)


# The nearest entries of a group may be found with the quadtree (`CatalogIndex._walk`) when
# it holds at least WALK_MIN entries and the walk promises to read WALK_GAIN times fewer
# than a scan; a walk that visits more points than WALK_BUDGET times the candidates stops
# for the scan.
WALK_MIN = 1000
WALK_GAIN = 4
WALK_BUDGET = 0.5


class _Group:
    """The shelves of one ranking group of a pool; for a big group also its entries per
    office position (`Quadtree` point id), in file order, with the shelf of each."""

    __slots__ = ("shelves", "at_point", "_chosen")

    def __init__(self, shelves: tuple[_Shelf, ...]) -> None:
        self.shelves = shelves
        self._chosen: dict[tuple[tuple[int, int] | None, bool], tuple[_Choice, _Choice]] = {}
        self.at_point: dict[int, list[tuple[_Item, _Shelf]]] | None = None
        if sum(len(shelf.items) for shelf in shelves) >= WALK_MIN:
            listed = sorted(
                ((item, shelf) for shelf in shelves for item in shelf.items),
                key=lambda pair: pair[0][0],
            )
            at_point: dict[int, list[tuple[_Item, _Shelf]]] = defaultdict(list)
            for pair in listed:
                for pid in pair[0][1].pids:
                    at_point[pid].append(pair)
            self.at_point = dict(at_point)

    def choose(self, search: _Search) -> tuple[_Choice, _Choice]:
        """The shelves offered to the person as fitting fully, and those offered with
        conditions. This depends only on the age band and the parent rule, so it is
        remembered; a search stops after a few groups, so only those are ever chosen."""
        key = search.band, search.parent
        chosen = self._chosen.get(key)
        if chosen is None:
            fits = [shelf.fits(search) for shelf in self.shelves]
            fitting = tuple(s for s, f in zip(self.shelves, fits, strict=True) if f is True)
            conditional = tuple(s for s, f in zip(self.shelves, fits, strict=True) if f is False)
            # Few objects: what is remembered here is never frozen (see `gc.freeze`) and
            # every full collection reads it. Sets only where the quadtree needs them.
            if self.at_point is None:
                chosen = (fitting or (), None), (conditional or (), None)
            else:
                chosen = (fitting, frozenset(fitting)), (conditional, frozenset(conditional))
            if len(self._chosen) > MEMO_MAX:
                self._chosen.clear()
            self._chosen[key] = chosen
        return chosen


# Shelves to read, and the same as a set when the group has positions for the quadtree.
_Choice = tuple[tuple[_Shelf, ...], frozenset[_Shelf] | None]
# Where a search looks: a group, and its shelves to read.
_Step = tuple[_Group, tuple[_Shelf, ...], frozenset[_Shelf] | None]


class _DayCounts:
    """How many entries of a pool are current on one day, by age limits, to count the
    matches of a search without finding them all."""

    __slots__ = ("day", "open", "limited", "memo")

    def __init__(self, day: int, dated: Counter[tuple[int, int, _Ages | None]]) -> None:
        """`dated` counts a pool's entries by (first day, last day, age limits)."""
        self.day = day
        self.open = 0  # current entries with no age limit
        limited: Counter[_Ages] = Counter()
        for (start, until, ages), n in dated.items():
            if start <= day <= until:
                if ages is None:
                    self.open += n
                else:
                    limited[ages] += n
        self.limited = [(low, high, of_child, n) for (low, high, of_child), n in limited.items()]
        self.memo: dict[tuple[tuple[int, int] | None, bool], int] = {}

    def count(self, band: tuple[int, int] | None, parent: bool) -> int:
        """Current entries whose ages serve a person in `band` (see `age_fit_limits`); with
        `parent`, limits that are a child's age serve whatever the band."""
        key = band, parent
        found = self.memo.get(key)
        if found is None:
            found = self.open
            if band is None:
                found += sum(n for _, _, _, n in self.limited)
            else:
                youngest, oldest = band
                found += sum(
                    n
                    for low, high, of_child, n in self.limited
                    if (youngest <= high and oldest >= low) or (parent and of_child)
                )
            if len(self.memo) > MEMO_MAX:
                self.memo.clear()
            self.memo[key] = found
        return found


MEMO_MAX = 1024  # searches remembered per pool or group (age bands, mostly the age buttons)


class _Pool:
    """The services under one need key and status slot: shelves by ranking group, and the
    counts per day."""

    def __init__(self, items: list[tuple[_Item, int, int]]) -> None:
        """`items` in file order, each with its rank (`_group`) and kind."""
        shelves: dict[tuple[int, int, _Ages | None], list[_Item]] = {}
        for item, rank, kind in items:
            key = rank, kind, item[1].ages
            listed = shelves.get(key)
            if listed is None:
                shelves[key] = [item]
            else:
                listed.append(item)
        groups: dict[int, list[_Shelf]] = defaultdict(list)
        for (rank, kind, ages), listed in shelves.items():
            groups[rank].append(_Shelf(kind, ages, listed))
        self.groups = [_Group(tuple(groups[rank])) for rank in sorted(groups)]
        self._dated = Counter(item[1].dated for item, _, _ in items)
        self._counts: _DayCounts | None = None

    def count(self, search: _Search) -> int:
        """How many entries the search finds (see `_DayCounts`)."""
        counts = self._counts
        if counts is None or counts.day != search.day:
            counts = self._counts = _DayCounts(search.day, self._dated)
        return counts.count(search.band, search.parent)

    def steps(self, search: _Search) -> Iterator[_Step]:
        """Where to look, in ranking order: the groups with what is offered to the person as
        fitting fully, then again with what is offered with conditions."""
        for conditional in (0, 1):
            for group in self.groups:
                shelves, chosen = group.choose(search)[conditional]
                if shelves:
                    yield group, shelves, chosen


class _Search:
    """One search: the person, the day and the position."""

    __slots__ = ("day", "band", "minor", "who", "need", "parent", "language", "here")

    def __init__(self, profile: Profile, day: int, here: Point | None) -> None:
        self.day = day
        self.band = profile.age_band
        self.minor = self.band is not None and self.band[1] < ADULT
        self.who, self.need, self.language = profile.who, profile.need, profile.language
        # Whether limits that are a child's age serve the person as a parent (`age_fit_limits`):
        # the only way `who` and `need` change whom the ages serve.
        self.parent = self.who == "me" and self.need in FAMILY_NEEDS
        self.here = here

    def conditions(self, entry: _Entry, unconfirmed: bool) -> tuple[Condition, ...]:
        """The conditions an entry offered to the person comes with, as `eligibility.assess`
        gives them."""
        conditions: tuple[Condition, ...] = (Condition.STATUS,) if unconfirmed else ()
        if entry.low is not None:
            age_condition = age_fit_limits(
                entry.low, entry.high, entry.of_child, self.band, self.who, self.need
            )[1]
            if age_condition is not None:
                conditions += (age_condition,)
        if entry.audience:
            if self.minor and entry.young:
                conditions += tuple(c for c in entry.audience if c is not Condition.YOUNG_PEOPLE)
            else:
                conditions += entry.audience
        return conditions


# A match found: (closeness of the nearest office or -2, entry, status unconfirmed).
_Found = tuple[float, _Entry, bool]


class CatalogIndex:
    """The catalogue prepared for matching; build once per catalogue version.

    Services are kept in pools per need key and status slot, each pool in groups of the
    ranking's static part (reachable, named status, age limit, contact kind), and each group
    on shelves of entries that share how status and audience let them fit (`PLAIN`,
    `YOUNG`, `NEVER`) and their age limits: for a person, every entry of a shelf is offered
    fitting fully, or with conditions, or not at all, but for its dates. A search reads the
    groups in ranking order, first the shelves that fit fully, then those with conditions,
    in a group speakers of the person's language first, then the nearest (by a scan, or the
    quadtree in a big group) or in file order, and stops as soon as it has `limit` matches.
    `total` comes from counts per day and age limits, so a first page never reads a whole
    pool. `tests/test_query_equivalence.py` holds this to a plain reading of the rules.
    """

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer | None = None) -> None:
        """`gazetteer` places offices that have only a city (the bundled one by default)."""
        self.catalog = catalog
        places = gazetteer if gazetteer is not None else default_gazetteer()
        items: dict[tuple[Need | str | None, Status | None], list] = defaultdict(list)
        pids: dict[tuple[float, float], int] = {}
        with gc_paused():
            for order, service in enumerate(catalog.services):
                entry = _Entry(service, order, places, pids)
                keys = _need_keys(service)
                for slot in STATUS_SLOTS:
                    served, named, unconfirmed = status_fit(service, slot)
                    if not served:
                        continue
                    kind = NEVER if unconfirmed else entry.kind
                    found = (order, entry, unconfirmed), _group(entry, named), kind
                    for key in keys:
                        items[key, slot].append(found)
            self.tree = Quadtree(list(pids))  # every office position, numbered as in `pids`
            self._pools = {key: _Pool(pool) for key, pool in items.items()}

    def match(self, profile: Profile, today: date, limit: int | None = None) -> MatchResult:
        """Services for `profile` on `today`, best first; at most `limit` when given."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        here = None
        if profile.latitude is not None and profile.longitude is not None:
            here = point(profile.latitude, profile.longitude)
        search = _Search(profile, today.toordinal(), here)
        status = None if profile.status is Status.ANY else profile.status
        matches, total = self._find(profile.need, status, search, limit)
        general, general_total = self._find(GENERAL, status, search, limit)
        exact = bool(matches)
        widened = False
        if not matches:
            matches, total, widened = general, general_total, bool(general)
        return MatchResult(exact, tuple(matches), tuple(general), total, widened)

    def _find(
        self,
        key: Need | str | None,
        status: Status | None,
        search: _Search,
        limit: int | None,
    ) -> tuple[list[Match], int]:
        """The first `limit` matches (all without a limit) in one pool, and how many match."""
        pool = self._pools.get((key, status))
        if pool is None:
            return [], 0
        total = pool.count(search)
        found: Iterable[_Found]
        if limit is None:  # one at a time: fewer live objects, fewer garbage collections
            found = (
                (-minus, entry, unconfirmed)
                for _, _, minus, _, entry, unconfirmed in self._everything(pool, search)
            )
        else:
            found = self._first(pool, search, min(limit, total))
        here, language = search.here, search.language
        matches = []
        for near, entry, unconfirmed in found:
            conditions = search.conditions(entry, unconfirmed)
            locations, distance = _offices(entry, here, near)
            speaks = language in entry.languages
            matches.append(Match(entry.service, locations, distance, speaks, conditions))
        return matches, total

    def _first(self, pool: _Pool, search: _Search, want: int) -> list[_Found]:
        """The first `want` matches of the pool (`want` at most the total), reading no more
        of it than needed."""
        found: list[_Found] = []
        for step in pool.steps(search) if want else ():
            found += self._take(step, search, True, want - len(found))
            if len(found) < want:
                found += self._take(step, search, False, want - len(found))
            if len(found) >= want:
                break
        return found

    def _everything(
        self, pool: _Pool, search: _Search
    ) -> list[tuple[int, bool, float, int, _Entry, bool]]:
        """Every match of the pool, best first, with its ranking key (step, does not speak
        the language, minus the closeness, file order): without a limit, one sort of the
        whole key is quicker than reading the pool step by step."""
        language, day, here = search.language, search.day, search.here
        x, y, z = here if here is not None else (0.0, 0.0, 0.0)
        ranked = []
        for step, (_, shelves, _) in enumerate(pool.steps(search)):  # the static rank
            for shelf in shelves:
                for order, entry, unconfirmed in shelf.items:
                    if entry.start <= day <= entry.until:
                        near = -2.0  # the closeness of the nearest office, as in `_take`
                        if here is not None:
                            for a, b, c in entry.vectors:
                                close = x * a + y * b + z * c
                                if close > near:
                                    near = close
                        speaks = language in entry.languages
                        ranked.append((step, not speaks, -near, order, entry, unconfirmed))
        ranked.sort()
        return ranked

    def _take(self, step: _Step, search: _Search, speaks: bool, want: int) -> list[_Found]:
        """Up to `want` entries of the step's shelves current on the day that work in the person's
        language (or, without `speaks`, do not): nearest office first when a position is given
        (those without a known office last), else in file order."""
        group, shelves, chosen = step
        language, day, here = search.language, search.day, search.here
        lists = [
            shelf.speakers.get(language, ())
            if speaks and shelf.speakers is not None
            else shelf.items
            for shelf in shelves
        ]
        found: list[_Found] = []
        if here is None:
            candidates = lists[0] if len(lists) == 1 else merge(*lists)
            for _, entry, unconfirmed in candidates:
                if entry.start <= day <= entry.until and (language in entry.languages) is speaks:
                    found.append((-2.0, entry, unconfirmed))
                    if len(found) >= want:
                        break
            return found
        if group.at_point is not None and chosen is not None:
            candidates = sum(map(len, lists))
            # The walk reads about `want` entries per share of the tree's points that holds
            # a candidate; the scan reads every candidate. Walk only when clearly cheaper, and
            # scan after all if the walk runs over its budget (few candidates current).
            promise = want * self.tree.size * WALK_GAIN  # about the points visited, × gain
            if candidates >= WALK_MIN and promise <= candidates * candidates:
                budget = int(candidates * WALK_BUDGET)
                walked = self._walk(group, chosen, search, speaks, want, budget)
                if walked is not None:
                    return walked
        placed: list[tuple[float, int, _Entry, bool]] = []
        unplaced: list[_Found] = []
        x, y, z = here
        for items in lists:
            for order, entry, unconfirmed in items:
                if entry.start <= day <= entry.until and (language in entry.languages) is speaks:
                    # The closeness of the nearest office (`spatial.closeness`, inline: this
                    # loop may read thousands of entries); -2 when none is placed.
                    near = -2.0
                    for a, b, c in entry.vectors:
                        close = x * a + y * b + z * c
                        if close > near:
                            near = close
                    if near >= -1:
                        placed.append((-near, order, entry, unconfirmed))
                    else:
                        unplaced.append((near, entry, unconfirmed))
        best = nsmallest(want, placed) if want < len(placed) else sorted(placed)
        found = [(-near, entry, unconfirmed) for near, _, entry, unconfirmed in best]
        if len(found) < want:
            unplaced.sort(key=lambda item: item[1].order)
            found += unplaced[: want - len(found)]
        return found

    def _walk(
        self,
        group: _Group,
        chosen: frozenset[_Shelf],
        search: _Search,
        speaks: bool,
        want: int,
        budget: int,
    ) -> list[_Found] | None:
        """`_take` by the quadtree: points from the nearest, at each its entries of `chosen`
        in file order. The entries at one point are equally near (an entry meets its nearest
        office first), so at most `want` of them can be needed; the walk ends at a point
        farther than the `want`-th found. None after `budget` points, or when the points run
        out first (then entries with no known office are needed)."""
        assert group.at_point is not None and search.here is not None
        language, day, at_point = search.language, search.day, group.at_point
        found: list[tuple[float, int, _Entry, bool]] = []  # nearest first: the walk's order
        seen: set[int] = set()
        for visited, (near, pid) in enumerate(self.tree.by_distance(search.here)):
            if len(found) >= want and near < -found[want - 1][0]:
                break
            if visited > budget:
                return None
            taken = 0
            for item, shelf in at_point.get(pid, ()):
                order, entry, unconfirmed = item
                if (
                    shelf in chosen
                    and order not in seen
                    and entry.start <= day <= entry.until
                    and (language in entry.languages) is speaks
                ):
                    seen.add(order)
                    found.append((-near, order, entry, unconfirmed))
                    taken += 1
                    if taken >= want:
                        break
        if len(found) < want:
            return None
        found.sort()  # equally near ones in file order
        return [(-minus, entry, unconfirmed) for minus, _, entry, unconfirmed in found[:want]]


def _group(entry: _Entry, named: bool) -> int:
    """The part of the ranking that does not depend on the person: reachable at all, made
    for the status, made for an age, then the kind of contact."""
    unreachable = entry.contact == UNREACHABLE
    return ((unreachable * 2 + (not named)) * 2 + (entry.low is None)) * 3 + entry.contact


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
