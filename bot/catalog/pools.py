"""Matching data per service (`Entry`) and per (need, status) pair (`Pool`).

A pool holds the services found under one (need, status) pair in ranking order (phone or
e-mail first, then the narrower target, then id). Everything a query reads is a plain
attribute or a precomputed list, so no pydantic work happens per query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .model import Location, Service
from .spatial import Point, Quadtree

NO_END = 10**7  # a date ordinal after any real date
SCAN_MAX = 64  # up to this many candidates with an office, a scan beats the quadtree


class Entry:
    """What matching needs to know about one service."""

    __slots__ = (
        "service",
        "contact",
        "languages",
        "start",
        "until",
        "age_lo",
        "age_hi",
        "offices",
        "locations",
        "pids",
        "vectors",
        "ranks",
        "plain",
    )

    def __init__(
        self,
        service: Service,
        offices: Sequence[tuple[Location, int]],
        vectors: Sequence[Point],
        ranks: list[int],
    ) -> None:
        self.service = service
        self.contact = service.contactable
        self.languages = frozenset(service.languages)
        active = service.active
        self.start = active.start.toordinal() if active and active.start else 0
        self.until = active.until.toordinal() if active and active.until else NO_END
        age = service.age
        self.age_lo = age.min if age and age.min is not None else 0
        self.age_hi = age.max if age and age.max is not None else 1000
        self.offices = tuple(offices)  # each office with the id of its point, -1 if unknown
        self.locations = tuple(service.locations)
        self.pids = tuple(dict.fromkeys(pid for _, pid in offices if pid >= 0))
        self.vectors = tuple(vectors[pid] for pid in self.pids)
        self.ranks = ranks  # place in the ranking per status slot, -1 when not served
        self.plain: dict[bool, Any] = {}  # matches without a distance, made once (by query)

    def closeness(self, here: Point) -> float:
        """How near its nearest office is (see `spatial.closeness`); -2 without any."""
        x, y, z = here
        best = -2.0
        for a, b, c in self.vectors:
            near = x * a + y * b + z * c
            if near > best:
                best = near
        return best


@dataclass(frozen=True)
class Query:
    """One search: the day (an ordinal), the age band, the language and a position."""

    day: int
    band: tuple[int, int] | None
    language: str
    here: Point | None

    @property
    def ages(self) -> tuple[int, int]:
        """The age band, or every age when unknown."""
        return self.band if self.band is not None else (-1, 10**6)


class Pool:
    """The entries of one (need, status) pair in ranking order (`Entry.ranks[slot]`)."""

    def __init__(self, entries: list[Entry], slot: int) -> None:
        self.slot = slot
        self.entries = sorted(entries, key=lambda e: e.ranks[slot])
        self.speakers: dict[str, list[Entry]] = {}
        self.located_speakers: dict[str, int] = {}
        self.unlocated: list[Entry] = []
        self.unlocated_speakers: dict[str, list[Entry]] = {}
        self.at_point: dict[int, list[Entry]] = {}  # entries per point id, in pool order
        for entry in self.entries:
            for language in entry.languages:
                self.speakers.setdefault(language, []).append(entry)
            if entry.pids:
                for language in entry.languages:
                    self.located_speakers[language] = self.located_speakers.get(language, 0) + 1
                for pid in entry.pids:
                    self.at_point.setdefault(pid, []).append(entry)
            else:
                self.unlocated.append(entry)
                for language in entry.languages:
                    self.unlocated_speakers.setdefault(language, []).append(entry)
        self.located = len(self.entries) - len(self.unlocated)
        self._kinds = Counter((e.start, e.until, e.age_lo, e.age_hi) for e in self.entries)
        self._ages_on: dict[int, list[tuple[int, int, int]]] = {}

    def count(self, query: Query) -> int:
        """How many entries fit the query's day and age band."""
        low, high = query.ages
        return sum(n for lo, hi, n in self.ages_on(query.day) if lo <= high and hi >= low)

    def ages_on(self, day: int) -> list[tuple[int, int, int]]:
        """The age ranges of the entries current on `day`, with how many have each."""
        ages = self._ages_on.get(day)
        if ages is None:
            alive: Counter[tuple[int, int]] = Counter()
            for (start, until, low, high), n in self._kinds.items():
                if start <= day <= until:
                    alive[low, high] += n
            if len(self._ages_on) > 2:
                self._ages_on.clear()
            ages = self._ages_on[day] = [(low, high, n) for (low, high), n in alive.items()]
        return ages

    def first(
        self, query: Query, want: int | None, speaks: bool, unlocated_only: bool = False
    ) -> list[Entry]:
        """The first `want` entries that fit and do (or do not) work in the query's language;
        with `unlocated_only`, only those without a known office."""
        language = query.language
        candidates: Iterable[Entry]
        if unlocated_only:
            if speaks:
                candidates = self.unlocated_speakers.get(language, ())
            else:
                candidates = (e for e in self.unlocated if language not in e.languages)
        elif speaks:
            candidates = self.speakers.get(language, ())
        else:
            candidates = (e for e in self.entries if language not in e.languages)
        day, (low, high) = query.day, query.ages
        if want is None:
            return [
                e
                for e in candidates
                if e.start <= day <= e.until and e.age_lo <= high and e.age_hi >= low
            ]
        found = (
            e
            for e in candidates
            if e.start <= day <= e.until and e.age_lo <= high and e.age_hi >= low
        )
        return list(islice(found, want))

    def by_distance(
        self, query: Query, want: int | None, speaks: bool, tree: Quadtree
    ) -> list[tuple[Entry, float]]:
        """Entries with an office that fit and do (or do not) work in the query's language,
        with their closeness, nearest first and ties in pool order; at most `want`."""
        own = self.located_speakers.get(query.language, 0)
        candidates = own if speaks else self.located - own
        if candidates == 0:
            return []
        # The walk visits about `want` points in every share of the tree's points that holds
        # a candidate; the scan looks at every candidate. Take the cheaper, and stop a walk
        # that runs over budget (few candidates fit the day or age) for the scan.
        if want is None or candidates <= SCAN_MAX:
            return self._scan(query, want, speaks)
        if want * len(tree.vectors) > candidates * min(candidates, len(self.at_point)):
            return self._scan(query, want, speaks)
        found = self._walk(query, want, speaks, tree, budget=SCAN_MAX + 2 * candidates)
        return self._scan(query, want, speaks) if found is None else found

    def _scan(self, query: Query, want: int | None, speaks: bool) -> list[tuple[Entry, float]]:
        here = query.here
        assert here is not None
        language = query.language
        day, (low, high) = query.day, query.ages
        candidates = self.speakers.get(language, []) if speaks else self.entries
        ranked = sorted(
            (-e.closeness(here), rank, e)
            for rank, e in enumerate(candidates)
            if e.vectors
            and e.start <= day <= e.until
            and e.age_lo <= high
            and e.age_hi >= low
            and (language in e.languages) == speaks
        )
        return [(e, -near) for near, _, e in ranked[:want]]

    def _walk(
        self, query: Query, want: int, speaks: bool, tree: Quadtree, budget: int
    ) -> list[tuple[Entry, float]] | None:
        """Points from the nearest; at each, its entries in pool order. A point's entries are
        equally near, so at most `want` of them can be needed. None after `budget` points."""
        here = query.here
        assert here is not None
        language = query.language
        day, (low, high) = query.day, query.ages
        found: list[tuple[float, Entry]] = []
        seen: set[int] = set()
        at_point = self.at_point
        for visited, (near, pid) in enumerate(tree.by_distance(here)):
            if len(found) >= want and near < found[want - 1][0]:
                break
            if visited > budget:
                return None
            taken = 0
            for e in at_point.get(pid, ()):
                if id(e) in seen:
                    continue  # already found at a nearer office
                if not (e.start <= day <= e.until and e.age_lo <= high and e.age_hi >= low):
                    continue
                if (language in e.languages) != speaks:
                    continue
                seen.add(id(e))
                found.append((near, e))
                taken += 1
                if taken >= want:
                    break
        # Points equally near arrive in any order: order those by the pool.
        slot = self.slot
        found.sort(key=lambda item: (-item[0], item[1].ranks[slot]))
        return [(e, near) for near, e in found[:want]]
