"""The gazetteer: understanding typed town names, distances, and offices' coordinates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog.model import Location
from bot.catalog.places import (
    Gazetteer,
    Place,
    bundled_places_path,
    distance_km,
    edit_distance,
    find_place,
    fold,
    load_places,
    nearest_place,
    place_for_location,
)
from bot.catalog.problems import CatalogError

PLACES = Gazetteer(
    [
        Place(name="Esch-sur-Alzette", aliases=("Esch", "Esch/Uelzecht"), lat=49.4958, lon=5.9806),
        Place(name="Esch-sur-Sûre", aliases=("Esch-Sauer",), lat=49.9114, lon=5.9361),
        Place(name="Luxembourg", aliases=("Lëtzebuerg", "Luxemburg"), lat=49.6116, lon=6.1300),
        Place(name="Wiltz", aliases=("Wolz",), lat=49.9661, lon=5.9322),
        Place(name="Pétange", aliases=("Péiteng",), lat=49.5583, lon=5.8806),
        Place(name="Bous", lat=49.5567, lon=6.3300),
        Place(name="Mersch", lat=49.7489, lon=6.1061),
        Place(name="Merl", lat=49.6033, lon=6.1044),
        Place(name="Kehlen", lat=49.6683, lon=6.0358),
        Place(name="Kehmen", lat=49.9000, lon=6.0200),
    ]
)


def name(text: str) -> str | None:
    place = PLACES.find(text)
    return place.name if place else None


def test_fold_ignores_case_accents_hyphens_and_spaces() -> None:
    assert fold("Esch-sur-Alzette") == fold("esch sur alzette") == "eschsuralzette"
    assert fold("LËTZEBUERG") == "letzebuerg"
    assert fold("Pétange") == fold("petange")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("wiltz", "Wiltz"),
        ("WILTZ ", "Wiltz"),
        ("Esch-sur-Alzette", "Esch-sur-Alzette"),
        ("esch sur alzette", "Esch-sur-Alzette"),
        ("EschSurAlzette", "Esch-sur-Alzette"),
        ("esch/uelzecht", "Esch-sur-Alzette"),
        ("Esch sur Sure", "Esch-sur-Sûre"),
        ("letzebuerg", "Luxembourg"),
        ("petange", "Pétange"),
        ("Péiteng", "Pétange"),
    ],
)
def test_find_place_tolerates_case_accents_and_separators(typed: str, expected: str) -> None:
    assert name(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Wilts", "Wiltz"),
        ("Luxembrug", "Luxembourg"),
        ("Esch-sur-Alzete", "Esch-sur-Alzette"),
        ("Pettange", "Pétange"),
    ],
)
def test_find_place_forgives_small_typos(typed: str, expected: str) -> None:
    assert name(typed) == expected


def test_find_place_finds_a_town_inside_a_sentence_longest_name_first() -> None:
    assert name("I live in Wiltz") == "Wiltz"
    assert name("near esch sur sure please") == "Esch-sur-Sûre"


def test_find_place_does_not_guess_wildly() -> None:
    assert name("") is None
    assert name("Paris") is None
    assert name("bus") is None  # too short to correct towards Bous
    assert name("Kehren") is None  # one letter from both Kehlen and Kehmen: ask again
    assert name("Merch") == "Mersch"
    assert name("Mers") == "Merl"


def test_edit_distance_counts_swaps_once_and_stops_early() -> None:
    assert edit_distance("wiltz", "wiltz", 2) == 0
    assert edit_distance("wiltz", "wlitz", 2) == 1
    assert edit_distance("wiltz", "wilts", 2) == 1
    assert edit_distance("wiltz", "luxembourg", 2) == 3


def test_distance_km_is_the_great_circle_distance() -> None:
    assert distance_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343.5, abs=1.0)
    assert distance_km(49.6, 6.1, 49.6, 6.1) == 0
    there = distance_km(49.9661, 5.9322, 49.4958, 5.9806)
    assert there == pytest.approx(distance_km(49.4958, 5.9806, 49.9661, 5.9322))
    assert 52 < there < 53  # Wiltz to Esch


def test_nearest_place_within_reach_only() -> None:
    near_wiltz = PLACES.nearest(49.95, 5.94)
    assert near_wiltz is not None and near_wiltz.name == "Wiltz"
    assert PLACES.nearest(48.8566, 2.3522) is None  # Paris is too far
    assert nearest_place(48.8566, 2.3522, PLACES) is None


def test_place_for_location_uses_own_coordinates_then_the_city() -> None:
    own = place_for_location(Location(city="Wiltz", latitude=49.97, longitude=5.93), PLACES)
    assert own is not None and (own.lat, own.lon) == (49.97, 5.93)
    by_city = place_for_location(Location(city="wiltz"), PLACES)
    assert by_city is not None and (by_city.lat, by_city.lon) == (49.9661, 5.9322)
    assert place_for_location(Location(city="Atlantis"), PLACES) is None
    assert PLACES.coordinates(Location(city="Esch")) == (49.4958, 5.9806)


def test_load_places_accepts_a_list_or_a_places_mapping(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- {name: Wiltz, aliases: [Wolz], lat: 49.9661, lon: 5.9322}\n")
    assert load_places(listed).find("wolz") is not None
    mapped = tmp_path / "mapped.yaml"
    mapped.write_text('version: "1"\nplaces:\n  - {name: Wiltz, lat: 49.9661, lon: 5.9322}\n')
    place = find_place("Wiltz", load_places(mapped))
    assert place is not None and place.aliases == ()


def test_load_places_reports_problems_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text(
        "places:\n"
        "  - name: Wiltz\n"
        "    lat: 49.9661\n"
        "    lon: east\n"
        "  - name: Esch\n"
        "    lat: 149.5\n"
        "    lon: 5.98\n"
    )
    with pytest.raises(CatalogError) as caught:
        load_places(path)
    found = [(p.line, p.field, p.message) for p in caught.value.problems]
    assert found == [
        (4, 'place "Wiltz", lon', "must be a number, e.g. 49.61"),
        (6, 'place "Esch", lat', "must be 90 or less"),
    ]


def test_bundled_gazetteer_knows_the_main_towns() -> None:
    if not bundled_places_path().exists():
        pytest.skip("places.yaml is not written yet")
    gazetteer = load_places(bundled_places_path())
    for town in ("Luxembourg", "Esch-sur-Alzette", "Wiltz", "Ettelbruck"):
        assert gazetteer.find(town) is not None, town
    assert find_place("wilts") is not None
