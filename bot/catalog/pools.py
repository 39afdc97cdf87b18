"""Candidate pools kept in ranking order, and the nearest-first search over them.

A pool holds the services that fit one (need, status) pair, sorted by the parts of the
ranking that do not depend on the person's position. For pools with many offices a coarse
grid lets a query with a limit look at the nearby cells only, so its cost grows with the
limit rather than with the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from heapq import heappush, heapreplace

from .model import Location, Service

EARTH_RADIUS_KM = 6371.0088
CELL_DEGREES = (0.05, 0.075)  # about 5.5 km by 5.4 km in Luxembourg
GRID_MIN_ENTRIES = 256  # below this a straight scan is faster than the grid
NO_END = 10**7  # a date ordinal after any real date

Point = tuple[float, float, float]  # latitude and longitude in radians, cos(latitude)


def point(latitude: float, longitude: float) -> Point:
    phi = math.radians(latitude)
    return phi, math.radians(longitude), math.cos(phi)


def haversine(a: Point, b: Point) -> float:
    """Distance in km between two points made by `point`."""
    h = math.sin((b[0] - a[0]) / 2) ** 2 + a[2] * b[2] * math.sin((b[1] - a[1]) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Entry:
    """What matching needs to know about one service, in plain attributes."""

    __slots__ = (
        "service",
        "contact",
        "languages",
        "start",
        "until",
        "age_lo",
        "age_hi",
        "pids",
        "offices",
        "locations",
        "plain",
    )

    def __init__(self, service: Service, offices: tuple[tuple[Location, int], ...]) -> None:
        self.service = service
        self.contact = service.contactable
        self.languages = frozenset(service.languages)
        active = service.active
        self.start = active.start.toordinal() if active and active.start else 0
        self.until = active.until.toordinal() if active and active.until else NO_END
        age = service.age
        self.age_lo = age.min if age and age.min is not None else 0
        self.age_hi = age.max if age and age.max is not None else 1000
        self.offices = offices  # each office with the id of its point, or -1 when unknown
        self.pids = tuple(sorted({pid for _, pid in offices if pid >= 0}))
        self.locations = tuple(service.locations)
        self.plain: dict[bool, object] = {}  # cached results without a distance


@dataclass(frozen=True)
class Query:
    """One search: the date (as an ordinal), the age band, the language and a position."""

    day: int
    band: tuple[int, int] | None
    language: str
    here: Point | None


def fits(entries: Sequence[Entry], query: Query, skip_language: str | None = None) -> list[Entry]:
    """The entries current on the query's day and open to its age band, in pool order."""
    day, band = query.day, query.band
    if band is None:
        found = [e for e in entries if e.start <= day <= e.until]
    else:
        low, high = band
        found = [
            e for e in entries if e.start <= day <= e.until and e.age_lo <= high and e.age_hi >= low
        ]
    if skip_language is not None:
        found = [e for e in found if skip_language not in e.languages]
    return found


@dataclass(frozen=True)
class Cell:
    centre: Point
    radius_km: float  # from the centre to the farthest corner
    ranks: tuple[int, ...]


class Pool:
    """Entries in ranking order (contact, then narrower target, then id), with a grid."""

    def __init__(self, entries: list[Entry], points: Sequence[Point]) -> None:
        self.entries = entries
        self.unlocated = [e for e in entries if not e.pids]
        self.located = [(rank, e) for rank, e in enumerate(entries) if e.pids]
        self._points = points
        self.cells = _grid(self.located, points) if len(self.located) >= GRID_MIN_ENTRIES else ()

    def nearest(
        self, query: Query, want: int | None, skip_language: str | None, cache: dict[int, float]
    ) -> list[tuple[Entry, float]]:
        """Located entries that fit, nearest office first (ties in pool order), at most `want`."""
        if want is None or not self.cells:
            return self._scan(query, want, skip_language, cache)
        return self._search(query, want, skip_language, cache)

    def distance(self, entry: Entry, here: Point, cache: dict[int, float]) -> float:
        best = math.inf
        for pid in entry.pids:
            d = cache.get(pid)
            if d is None:
                d = cache[pid] = haversine(here, self._points[pid])
            if d < best:
                best = d
        return best

    def _scan(
        self, query: Query, want: int | None, skip: str | None, cache: dict[int, float]
    ) -> list[tuple[Entry, float]]:
        here = query.here
        assert here is not None
        day, low, high = _limits(query)
        ranked = sorted(
            (self.distance(e, here, cache), rank, e)
            for rank, e in self.located
            if e.start <= day <= e.until
            and e.age_lo <= high
            and e.age_hi >= low
            and (skip is None or skip not in e.languages)
        )
        return [(e, d) for d, _, e in ranked[:want]]

    def _search(
        self, query: Query, want: int, skip: str | None, cache: dict[int, float]
    ) -> list[tuple[Entry, float]]:
        here = query.here
        assert here is not None
        day, low, high = _limits(query)
        order = sorted(
            (haversine(here, c.centre) - c.radius_km, i) for i, c in enumerate(self.cells)
        )
        heap: list[tuple[float, int, Entry]] = []  # the best `want`, worst on top
        seen: set[int] = set()
        for bound, i in order:
            if len(heap) >= want and bound > -heap[0][0]:
                break  # every entry left is farther than the worst one kept
            for rank in self.cells[i].ranks:
                if rank in seen:
                    continue
                seen.add(rank)
                e = self.entries[rank]
                if not (e.start <= day <= e.until and e.age_lo <= high and e.age_hi >= low):
                    continue
                if skip is not None and skip in e.languages:
                    continue
                item = (-self.distance(e, here, cache), -rank, e)
                if len(heap) < want:
                    heappush(heap, item)
                elif item > heap[0]:  # ranks differ, so entries are never compared
                    heapreplace(heap, item)
        heap.sort(reverse=True)
        return [(e, -d) for d, _, e in heap]


def _limits(query: Query) -> tuple[int, int, int]:
    """The day, and the age band (everything when unknown)."""
    low, high = query.band if query.band is not None else (-1, 10**6)
    return query.day, low, high


def _grid(located: list[tuple[int, Entry]], points: Sequence[Point]) -> tuple[Cell, ...]:
    size_lat, size_lon = CELL_DEGREES
    cells: dict[tuple[int, int], list[int]] = {}
    for rank, entry in located:
        keys = set()
        for pid in entry.pids:
            phi, lam, _ = points[pid]
            keys.add(
                (math.floor(math.degrees(phi) / size_lat), math.floor(math.degrees(lam) / size_lon))
            )
        for key in keys:
            cells.setdefault(key, []).append(rank)
    return tuple(_cell(key, ranks) for key, ranks in sorted(cells.items()))


def _cell(key: tuple[int, int], ranks: list[int]) -> Cell:
    size_lat, size_lon = CELL_DEGREES
    south, west = key[0] * size_lat, key[1] * size_lon
    centre = point(south + size_lat / 2, west + size_lon / 2)
    corners = [point(south + a * size_lat, west + b * size_lon) for a in (0, 1) for b in (0, 1)]
    radius = max(haversine(centre, corner) for corner in corners) * 1.01 + 0.01
    return Cell(centre, radius, tuple(ranks))
