"""Positions as unit vectors, and a quadtree that finds the nearest offices first.

On the unit sphere "nearer" is simply a larger dot product (exact great-circle order, three
multiplications), so ranking never needs trigonometry; `km` converts for display.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from heapq import heappop, heappush

EARTH_RADIUS_KM = 6371.0088
LEAF_SIZE = 24  # points per leaf of the quadtree
# Radians (under a metre) a box's bound is widened by: `acos` near 0 is only good to about
# 2e-8, and a bound must never be below a point inside, or points come out of order.
ROUNDING = 1e-7

Point = tuple[float, float, float]  # a position as a unit vector


def point(latitude: float, longitude: float) -> Point:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def closeness(a: Point, b: Point) -> float:
    """The cosine of the angle between two positions: larger is nearer."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def km(cosine: float) -> float:
    """The distance in km for a `closeness` value."""
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine)))


def _angle(a: Point, b: Point) -> float:
    return math.acos(max(-1.0, min(1.0, closeness(a, b))))


class _Node:
    """A box of points: its centre, the angle to its farthest point, and children or points."""

    __slots__ = ("centre", "radius", "children", "pids")

    def __init__(self, centre: Point, radius: float, children: tuple[_Node, ...], pids: list[int]):
        self.centre = centre
        self.radius = radius
        self.children = children
        self.pids = pids

    def best_possible(self, here: Point) -> float:
        """An upper bound of the closeness of any point inside (triangle inequality)."""
        angle = _angle(here, self.centre) - self.radius - ROUNDING
        # Inside the box: above any closeness, even one that rounds to a little over 1.
        return 2.0 if angle <= 0 else math.cos(angle)


class Quadtree:
    """Points, visited from the nearest to a position outwards."""

    def __init__(self, degrees: Sequence[tuple[float, float]]) -> None:
        """`degrees[pid]` is the (latitude, longitude) of point `pid`."""
        self.vectors = [point(lat, lon) for lat, lon in degrees]
        self.size = len(degrees)
        self._degrees = degrees
        self._root = self._build(list(range(len(degrees)))) if degrees else None

    def _build(self, pids: list[int]) -> _Node:
        lats = [self._degrees[pid][0] for pid in pids]
        lons = [self._degrees[pid][1] for pid in pids]
        mid_lat, mid_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        centre = point(mid_lat, mid_lon)
        if len(pids) <= LEAF_SIZE or (max(lats) == min(lats) and max(lons) == min(lons)):
            radius = max(_angle(centre, self.vectors[pid]) for pid in pids)
            return _Node(centre, radius * (1 + 1e-9) + 1e-12, (), pids)
        quarters: dict[tuple[bool, bool], list[int]] = {}
        for pid in pids:
            lat, lon = self._degrees[pid]
            quarters.setdefault((lat > mid_lat, lon > mid_lon), []).append(pid)
        children = tuple(self._build(part) for part in quarters.values())
        # Every point of a child lies within the child's radius of the child's centre.
        radius = max(_angle(centre, child.centre) + child.radius for child in children)
        return _Node(centre, radius * (1 + 1e-9) + 1e-12, children, [])

    def by_distance(self, here: Point) -> Iterator[tuple[float, int]]:
        """Every point with its closeness to `here`, nearest first (best-first search): the
        closeness never grows from one point to the next."""
        if self._root is None:
            return
        root = self._root
        queue: list[tuple[float, int, _Node | int]] = [(-root.best_possible(here), 0, root)]
        serial = 0
        vectors = self.vectors
        while queue:
            key, _, item = heappop(queue)
            if type(item) is int:
                yield -key, item
                continue
            assert isinstance(item, _Node)
            for child in item.children:
                serial += 1
                heappush(queue, (-child.best_possible(here), serial, child))
            for pid in item.pids:
                serial += 1
                heappush(queue, (-closeness(here, vectors[pid]), serial, pid))
