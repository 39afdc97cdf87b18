"""The gazetteer: town names a person may type, with approximate coordinates.

`find_place` understands a typed town name despite case, accents, hyphens, spaces and
small typos; `place_for_location` gives an office without coordinates those of its city.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field

from .loader import load_yaml_model, read_text
from .model import Location, Strict

EARTH_RADIUS_KM = 6371.0088
NEAREST_PLACE_MAX_KM = 50.0


class Place(Strict):
    """A town, village or city quarter."""

    name: str
    aliases: tuple[str, ...] = ()
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PlacesFile(Strict):
    """places.yaml: an optional version and the list of places."""

    version: str | None = None
    places: list[Place]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: "Esch-sur-Alzette" -> "eschsuralzette"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", plain)


def _typos_allowed(length: int) -> int:
    return 0 if length < 4 else 1 if length < 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), or limit+1 if above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


class Gazetteer:
    """Places by folded name and alias."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places = tuple(places)
        self._by_key: dict[str, Place] = {}
        for place in self.places:
            for name in (place.name, *place.aliases):
                self._by_key.setdefault(fold(name), place)
        self._by_key.pop("", None)
        self._cities: dict[str, Place | None] = {}

    def find(self, text: str) -> Place | None:
        """The place named in `text`: exact (after folding), then a name inside the text
        (longest first), then the one name within a small typo of the whole text."""
        key = fold(text)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        words = _words(text)
        for size in range(min(len(words), 6), 0, -1):
            for start in range(len(words) - size + 1):
                place = self._by_key.get("".join(words[start : start + size]))
                if place is not None:
                    return place
        return self._closest(key)

    def _closest(self, key: str) -> Place | None:
        limit = _typos_allowed(len(key))
        if not limit:
            return None
        best, found, chosen = limit + 1, set(), None
        for other, place in self._by_key.items():
            distance = edit_distance(key, other, min(limit, best))
            if distance < best:
                best, found = distance, {place.name}
                chosen = place
            elif distance == best <= limit:
                found.add(place.name)
        # Two different places equally close: better to ask again than to guess.
        return chosen if best <= limit and len(found) == 1 else None

    def nearest(
        self, latitude: float, longitude: float, max_km: float = NEAREST_PLACE_MAX_KM
    ) -> Place | None:
        """The place closest to a point, if one is within `max_km`."""
        best: tuple[float, str] | None = None
        chosen = None
        for place in self.places:
            key = (distance_km(latitude, longitude, place.lat, place.lon), place.name)
            if best is None or key < best:
                best, chosen = key, place
        return chosen if best is not None and best[0] <= max_km else None

    def coordinates(self, location: Location) -> tuple[float, float] | None:
        """Where an office is: its own coordinates, else its city's (looked up once per city)."""
        if location.latitude is not None and location.longitude is not None:
            return location.latitude, location.longitude
        if location.city not in self._cities:
            self._cities[location.city] = self.find(location.city)
        place = self._cities[location.city]
        return (place.lat, place.lon) if place is not None else None

    def for_location(self, location: Location) -> Place | None:
        """The office as a place: its own coordinates, else its city's."""
        if location.latitude is not None and location.longitude is not None:
            return Place(name=location.city, lat=location.latitude, lon=location.longitude)
        if self.coordinates(location) is None:
            return None
        return self._cities[location.city]


def bundled_places_path() -> Path:
    return Path(__file__).parent / "data" / "places.yaml"


def _choose_model(data: Any) -> Any:
    return list[Place] if isinstance(data, list) else PlacesFile


def load_places(path: str | Path) -> Gazetteer:
    """Read places.yaml (a list of places, or `places:` under a mapping); CatalogError if bad."""
    loaded = load_yaml_model(
        read_text(path), str(path), PlacesFile, label_key="name", noun="place", pick=_choose_model
    )
    return Gazetteer(loaded.places if isinstance(loaded, PlacesFile) else loaded)


@cache
def default_gazetteer() -> Gazetteer:
    """The bundled gazetteer (empty while the file does not exist yet)."""
    path = bundled_places_path()
    return load_places(path) if path.exists() else Gazetteer(())


def find_place(text: str, gazetteer: Gazetteer | None = None) -> Place | None:
    """The place a person typed, e.g. "esch sur alzete" -> Esch-sur-Alzette."""
    return (gazetteer or default_gazetteer()).find(text)


def nearest_place(
    latitude: float, longitude: float, gazetteer: Gazetteer | None = None
) -> Place | None:
    """The gazetteer place closest to a shared position (None beyond 50 km)."""
    return (gazetteer or default_gazetteer()).nearest(latitude, longitude)


def place_for_location(location: Location, gazetteer: Gazetteer | None = None) -> Place | None:
    """Coordinates for an office: its own, else those of its city in the gazetteer."""
    return (gazetteer or default_gazetteer()).for_location(location)
