"""`CatalogIndex.match` gives exactly what a plain reading of the rules gives.

`reference` below is the obviously-correct version: every service is looked at, the rules of
`eligibility.assess` decide whether it serves the person and with which conditions, and the
ranking documented in `bot.catalog.query` is one sort key. The index may do anything to be
fast (pools, early termination, precomputed counts, a quadtree), but over random catalogues
and random profiles it must return the same matches, in the same order, with the same
conditions, offices, distances and counts, for every `limit`.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog import query
from bot.catalog.eligibility import assess, fits_fully
from bot.catalog.model import Audience, Catalog, Need, Service, Status
from bot.catalog.places import Gazetteer, Place
from bot.catalog.query import CatalogIndex, Profile
from bot.catalog.spatial import closeness, km, point

TOWNS = {
    "Wiltz": (49.9661, 5.9322),
    "Esch-sur-Alzette": (49.4958, 5.9806),
    "Luxembourg": (49.6116, 6.1300),
    "Ettelbruck": (49.8475, 6.1042),
}
PLACES = Gazetteer(Place(name=name, lat=lat, lon=lon) for name, (lat, lon) in TOWNS.items())
CITIES = [*TOWNS, "Atlantis"]  # Atlantis is in no gazetteer: an office with no position
# Few distinct points, so that offices often share one and equal distances must be ordered
# by the catalogue file.
POINTS = [(49.61, 6.13), (49.50, 5.98), (49.95, 5.94), (49.7, 6.2), (49.61, 6.13)]
# Two offices exactly as near to MIDDLE (the same cosine, to the last bit): ties between
# different points.
MIRRORED = [(49.6, 0.5), (49.6, -0.5)]
MIDDLE = (49.6, 0.0)
DAYS = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 31)]
PERIOD_DAYS = [None, "2025-06-01", "2026-01-01", "2026-06-01", "2026-06-02", "2027-01-01"]
NEEDS = [Need.HOUSING, Need.WORK, Need.CHILDREN_FAMILY, Need.PREGNANCY_BABY, Need.EMERGENCY]
LANGUAGES = ["en", "fr", "ar", "uk", "ti"]
AGE_LIMITS = [0, 3, 12, 16, 17, 18, 25, 65]
LIMITS = (None, 1, 3, 10)


# --- the reference --------------------------------------------------------------------------


def contact_level(service: Service) -> int:
    """0: a phone or an e-mail; 1: an office or a web link; 2: no way to reach it."""
    if service.phones or service.emails:
        return 0
    return 1 if service.locations or service.urls else 2


def offered_for(service: Service, profile: Profile, general: bool) -> bool:
    """Whether the service is looked at for the profile's need (or as a general desk)."""
    emergency = Need.EMERGENCY in service.needs
    if general:
        return service.general_information and not emergency
    if emergency:
        return profile.need is Need.EMERGENCY
    return profile.need is None or profile.need in service.needs


def reference_search(
    catalog: Catalog, places: Gazetteer, profile: Profile, today: date, general: bool
) -> list[tuple[Any, ...]]:
    """Every match as (sort key, id, conditions, offices, distance, speaks), best first."""
    here = None
    if profile.latitude is not None and profile.longitude is not None:
        here = point(profile.latitude, profile.longitude)
    found = []
    for order, service in enumerate(catalog.services):
        if not service.is_current(today) or not offered_for(service, profile, general):
            continue
        assessed = assess(service, profile.status, profile.age_band, profile.who, profile.need)
        if assessed is None:
            continue
        conditions, named = assessed
        offices = list(service.locations)
        nearest = None
        if here is not None:
            placed = []
            for position, location in enumerate(service.locations):
                at = places.coordinates(location)
                if at is not None:
                    placed.append((-closeness(here, point(*at)), position, location))
            placed.sort()
            if placed:
                nearest = -placed[0][0]
                unplaced = [loc for loc in service.locations if places.coordinates(loc) is None]
                offices = [location for _, _, location in placed] + unplaced
        contact = contact_level(service)
        speaks = profile.language in service.languages
        key = (
            not fits_fully(conditions),  # fits fully before conditional
            contact == 2,  # reachable before dead ends
            not named,  # made for the person's status
            not service.has_age_limit,  # made for an age
            contact,  # phone or e-mail, then office or web link
            not speaks,  # the person's language
            nearest is None,  # the nearest office, when a position is given
            -(nearest or 0.0),
            order,  # the catalogue file's order
        )
        distance = km(nearest) if nearest is not None else None
        found.append((key, service.id, conditions, tuple(offices), distance, speaks))
    found.sort(key=lambda item: item[0])
    return found


def reference(
    catalog: Catalog, places: Gazetteer, profile: Profile, today: date, limit: int | None
) -> dict[str, Any]:
    """What `CatalogIndex.match` must return, in comparable form."""
    matches = reference_search(catalog, places, profile, today, general=False)
    general = reference_search(catalog, places, profile, today, general=True)
    exact = bool(matches)
    widened = not exact and bool(general)
    shown = matches if exact else general
    return {
        "exact": exact,
        "widened": widened,
        "total": len(shown),
        "matches": [item[1:] for item in shown[:limit]],
        "general": [item[1:] for item in general[:limit]],
    }


def actual(index: CatalogIndex, profile: Profile, today: date, limit: int | None) -> dict:
    result = index.match(profile, today, limit)

    def plain(matches: Any) -> list[tuple[Any, ...]]:
        return [
            (m.service.id, m.conditions, m.locations, m.distance_km, m.speaks_language)
            for m in matches
        ]

    return {
        "exact": result.exact,
        "widened": result.widened,
        "total": result.total,
        "matches": plain(result.matches),
        "general": plain(result.general),
    }


def check(catalog: Catalog, profiles: list[Profile], days: list[date]) -> None:
    index = CatalogIndex(catalog, PLACES)
    for today in days:  # several days on one index: nothing cached may leak between days
        for profile in profiles:
            for limit in LIMITS:
                expected = reference(catalog, PLACES, profile, today, limit)
                got = actual(index, profile, today, limit)
                if got != expected:  # the ids first: the most readable difference
                    assert [m[0] for m in got["matches"]] == [m[0] for m in expected["matches"]], (
                        profile,
                        today,
                        limit,
                    )
                assert got == expected, (profile, today, limit)


# --- random catalogues and profiles ---------------------------------------------------------


def random_service(rng: random.Random, number: int) -> dict[str, Any]:
    """One entry with any combination of what matching reads."""
    data: dict[str, Any] = {
        "id": f"s{number:05d}",
        "organization": "Org",
        "name": {"en": "Service"},
        "summary": {"en": "Help."},
        "needs": rng.sample(NEEDS, rng.choice([1, 1, 2, 3])),
        "source": {"file": "test.txt", "place": "line 1"},
    }
    if rng.random() < 0.8:  # keep the emergency pool small, as in real catalogues
        data["needs"] = [need for need in data["needs"] if need is not Need.EMERGENCY] or [
            Need.HOUSING
        ]
    statuses = [s for s in Status if s is not Status.ANY]
    choice = rng.random()
    if choice < 0.4:
        data["statuses"] = ["any"]
    elif choice < 0.5:
        data["statuses"] = ["third_country_national"]
    elif choice < 0.55:
        data["statuses"] = ["any", rng.choice(statuses)]
    else:
        data["statuses"] = rng.sample(statuses, rng.choice([1, 1, 2]))
    if rng.random() < 0.45:
        low = rng.choice([None, *AGE_LIMITS])
        high = rng.choice([None, *(a for a in AGE_LIMITS if low is None or a >= low)])
        data["age"] = {"min": low, "max": high}
        if rng.random() < 0.4:
            data["age_of"] = "child"
    if rng.random() < 0.25:
        data["audience"] = rng.choice(
            [
                ["young_people"],
                ["young_people", "young_people"],
                ["women"],
                ["young_people", "women"],
                ["women", "young_people"],
                rng.sample(list(Audience), 2),
            ]
        )
    data["languages"] = rng.sample(LANGUAGES, rng.randint(0, 4))
    if rng.random() < 0.3:
        start, until = rng.choice(PERIOD_DAYS), rng.choice(PERIOD_DAYS)
        if start and until and start > until:
            start, until = until, start
        data["active"] = {"from": start, "until": until}
    if rng.random() < 0.15:
        editions = []
        for _ in range(rng.randint(1, 3)):
            start, until = rng.choice(PERIOD_DAYS), rng.choice(PERIOD_DAYS)
            if start and until and start > until:
                start, until = until, start
            editions.append({"from": start, "until": until})
        data["editions"] = editions
    offices = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        office: dict[str, Any] = {"city": rng.choice(CITIES)}
        if rng.random() < 0.5:
            lat, lon = rng.choice(POINTS + MIRRORED) if rng.random() < 0.5 else (0.0, 0.0)
            if (lat, lon) == (0.0, 0.0):
                lat, lon = round(rng.uniform(49.45, 50.15), 3), round(rng.uniform(5.75, 6.5), 3)
            office["latitude"], office["longitude"] = lat, lon
        offices.append(office)
    data["locations"] = offices
    if rng.random() < 0.5:
        data["phones"] = [{"number": "(+352) 48 59 76"}]
    if rng.random() < 0.2:
        data["emails"] = [{"address": "a@example.lu"}]
    if rng.random() < 0.2:
        data["urls"] = [{"url": "https://example.lu"}]
    data["general_information"] = rng.random() < 0.1
    return data


def random_catalog(rng: random.Random, size: int) -> Catalog:
    services = [random_service(rng, number) for number in range(size)]
    return Catalog.model_validate({"version": "test", "services": services})


def random_profile(rng: random.Random) -> Profile:
    band: tuple[int | None, int | None] = (None, None)
    choice = rng.random()
    if choice < 0.4:
        age = rng.choice([0, 2, 3, 11, 12, 15, 16, 17, 18, 20, 25, 26, 40, 65, 90])
        band = (age, age)
    elif choice < 0.7:
        low = rng.choice([0, 3, 12, 13, 16, 18, 19, 22, 28, 65])
        band = (low, low + rng.choice([0, 1, 2, 5, 9, 40]))
    elif choice < 0.75:
        band = (None, rng.choice([2, 17, 30]))
    position = (None, None)
    if rng.random() < 0.5:
        if rng.random() < 0.5:
            position = rng.choice([*POINTS, MIDDLE])
        else:
            position = (round(rng.uniform(49.4, 50.2), 3), round(rng.uniform(5.7, 6.6), 3))
    return Profile(
        need=rng.choice([*NEEDS, Need.MENTAL_HEALTH, None]),
        status=rng.choice([*Status, None, None]),
        age=band[0],
        age_max=band[1],
        who=rng.choice(["me", "child", "family", None]),
        language=rng.choice(LANGUAGES),
        latitude=position[0],
        longitude=position[1],
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 60))
def test_small_random_catalogues_match_the_reference(seed: int, size: int) -> None:
    rng = random.Random(seed)
    catalog = random_catalog(rng, size)
    profiles = [random_profile(rng) for _ in range(8)]
    check(catalog, profiles, rng.sample(DAYS, 2))


def test_large_random_catalogues_match_the_reference() -> None:
    """Big enough for pools whose groups hold hundreds of entries (the spatial index's and
    the early termination's own paths), with many offices sharing a point."""
    for seed, size in ((1, 600), (2, 2500)):
        rng = random.Random(seed)
        catalog = random_catalog(rng, size)
        profiles = [random_profile(rng) for _ in range(40)]
        check(catalog, profiles, [date(2026, 6, 1), date(2026, 1, 1)])


def test_profiles_the_bot_asks_about() -> None:
    """Who, need and age as the bot's buttons give them, on one mid-sized catalogue."""
    rng = random.Random(3)
    catalog = random_catalog(rng, 300)
    profiles = [
        Profile(need=need, who=who, age=age, age_max=age_max, status=status, language="ar")
        for need in (Need.CHILDREN_FAMILY, Need.PREGNANCY_BABY, Need.HOUSING, None)
        for who in ("me", "child", None)
        for age, age_max in ((None, None), (0, 2), (16, 17), (18, 18), (28, 64))
        for status in (None, Status.UNACCOMPANIED_MINOR, Status.THIRD_COUNTRY_NATIONAL)
    ]
    check(catalog, profiles, [date(2026, 6, 1)])


@pytest.mark.parametrize(
    ("gain", "budget"),
    [(0, 10**9), (0, 0.01)],
    ids=["the quadtree for every group", "walks cut short, then scans"],
)
def test_the_nearest_by_quadtree_match_the_reference(
    monkeypatch: pytest.MonkeyPatch, gain: int, budget: float
) -> None:
    """The quadtree walk runs only for groups of thousands of entries: here for all, with
    a budget that lets every walk finish, or stops most of them for the scan."""
    monkeypatch.setattr(query, "WALK_MIN", 1)
    monkeypatch.setattr(query, "WALK_GAIN", gain)
    monkeypatch.setattr(query, "WALK_BUDGET", budget)
    rng = random.Random(4)
    catalog = random_catalog(rng, 400)
    profiles = []
    while len(profiles) < 60:
        profile = random_profile(rng)
        if profile.latitude is not None:
            profiles.append(profile)
    check(catalog, profiles, [date(2026, 6, 1)])
    # Offices exactly as near as each other at two points: the walk meets them point by
    # point, the ranking wants them in file order.
    services = []
    for number in range(80):
        data = random_service(rng, number)
        lat, lon = rng.choice(MIRRORED)
        data["locations"] = [{"city": "Atlantis", "latitude": lat, "longitude": lon}]
        services.append(data)
    mirrored = Catalog.model_validate({"version": "test", "services": services})
    profiles = [
        Profile(need=need, status=status, language=language, latitude=MIDDLE[0], longitude=0.0)
        for need in (Need.HOUSING, None)
        for status in (None, Status.NO_PAPERS)
        for language in ("en", "ti")
    ]
    check(mirrored, profiles, [date(2026, 6, 1)])
