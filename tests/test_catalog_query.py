"""Matching a profile to services: filters, ranking, fallback, and the indexed search."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from bot.catalog.model import Catalog, Need, Status
from bot.catalog.places import Gazetteer, Place, distance_km
from bot.catalog.query import STATUS_EQUIVALENTS, CatalogIndex, Condition, Match, Profile

TODAY = date(2026, 6, 1)
WILTZ = (49.9661, 5.9322)
ESCH = (49.4958, 5.9806)
NEAR_WILTZ = (49.95, 5.94)
NEAR_ESCH = (49.50, 5.97)
PLACES = Gazetteer(
    [
        Place(name="Wiltz", lat=WILTZ[0], lon=WILTZ[1]),
        Place(name="Esch-sur-Alzette", aliases=("Esch",), lat=ESCH[0], lon=ESCH[1]),
        Place(name="Luxembourg", lat=49.6116, lon=6.1300),
        Place(name="Ettelbruck", lat=49.8475, lon=6.1042),
    ]
)
PHONE = [{"number": "(+352) 48 59 76"}]


def svc(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "organization": "Org",
        "name": {"en": ident, "fr": ident},
        "summary": {"en": "Help.", "fr": "Aide."},
        "needs": ["housing"],
        "statuses": ["any"],
        "phones": PHONE,
        "source": {"file": "test.txt", "place": "line 1"},
    }
    data.update(fields)
    return data


def index(*services: dict[str, Any]) -> CatalogIndex:
    catalog = Catalog.model_validate({"version": "test", "services": list(services)})
    return CatalogIndex(catalog, PLACES)


def ids(matches: tuple[Match, ...]) -> list[str]:
    return [match.service.id for match in matches]


def housing(**fields: Any) -> Profile:
    return Profile(need=Need.HOUSING, **fields)


# --- age ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fits"), [(11, False), (12, True), (13, True), (25, True), (26, True), (27, False)]
)
def test_age_bounds_are_inclusive(age: int, fits: bool) -> None:
    result = index(svc("teen", age={"min": 12, "max": 26}), svc("open")).match(
        housing(age=age), TODAY
    )
    assert result.exact
    # A service made for the age comes before one open to every age.
    assert ids(result.matches) == (["teen", "open"] if fits else ["open"])


def test_an_unknown_age_offers_an_age_limited_service_with_its_condition() -> None:
    result = index(svc("teen", age={"min": 12, "max": 26})).match(housing(), TODAY)
    assert result.exact and ids(result.matches) == ["teen"]
    assert result.matches[0].conditions == (Condition.AGE,) and not result.matches[0].fits


def test_an_age_band_that_straddles_a_limit_is_offered_only_with_the_condition() -> None:
    catalog = index(svc("teen", age={"min": 12, "max": 26}), svc("open"))
    assert ids(catalog.match(housing(age=10, age_max=11), TODAY).matches) == ["open"]
    for band in ((10, 12), (26, 30)):
        result = catalog.match(housing(age=band[0], age_max=band[1]), TODAY)
        assert ids(result.matches) == ["open", "teen"]  # what fits fully comes first
        assert [m.conditions for m in result.matches] == [(), (Condition.AGE,)]
    inside = catalog.match(housing(age=12, age_max=26), TODAY)
    assert ids(inside.matches) == ["teen", "open"] and inside.matches[0].fits
    assert ids(catalog.match(housing(age_max=11), TODAY).matches) == ["open"]


def test_limits_that_are_a_childs_age_serve_a_parent_asking_about_family() -> None:
    catalog = index(
        svc("family", needs=["children_family", "mental_health"], age={"max": 27}, age_of="child"),
        svc("child-victims", needs=["children_family"], age={"min": 3, "max": 18}),
    )
    parent = Profile(need=Need.CHILDREN_FAMILY, age=35, who="me")
    (match,) = catalog.match(parent, TODAY).matches
    assert match.service.id == "family" and match.conditions == (Condition.PARENT,)
    assert match.fits  # offered to the parent as fitting, the card says "for parents of…"
    # For their own mental health the parent is not served by a family measure for 0-27.
    mental = catalog.match(Profile(need=Need.MENTAL_HEALTH, age=35, who="me"), TODAY)
    assert mental.matches == ()
    # Asking for a child: the child's age decides.
    child = catalog.match(Profile(need=Need.CHILDREN_FAMILY, age=2, who="child"), TODAY)
    assert ids(child.matches) == ["family"]
    child = catalog.match(Profile(need=Need.CHILDREN_FAMILY, age=30, who="child"), TODAY)
    assert child.matches == ()


def test_an_audience_the_bot_never_asks_about_is_always_a_condition() -> None:
    catalog = index(
        svc("women", audience=["women"]),
        svc("young", audience=["young_people"]),
        svc("open"),
    )
    result = catalog.match(housing(age=40), TODAY)
    assert ids(result.matches) == ["open", "women", "young"]
    assert [m.conditions for m in result.matches] == [
        (),
        (Condition.WOMEN,),
        (Condition.YOUNG_PEOPLE,),
    ]
    # A minor is a young person: that part is confirmed.
    minor = catalog.match(housing(age=15), TODAY)
    assert {m.service.id: m.conditions for m in minor.matches}["young"] == ()


# --- status ---------------------------------------------------------------------------------

STATUS_CATALOG = (
    svc("dpi", statuses=["asylum_applicant"]),
    svc("bpi", statuses=["international_protection"]),
    svc("mna", statuses=["unaccompanied_minor"]),
    svc("open", statuses=["any"]),
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.ASYLUM_APPLICANT, ["dpi", "open"]),
        (Status.INTERNATIONAL_PROTECTION, ["bpi", "open"]),
        (Status.TEMPORARY_PROTECTION, ["open"]),
        # Not every unaccompanied minor has applied for asylum: "dpi" comes with a condition.
        (Status.UNACCOMPANIED_MINOR, ["mna", "open", "dpi"]),
        (Status.THIRD_COUNTRY_NATIONAL, ["open"]),
        (Status.NO_PAPERS, ["open"]),
        # "I don't know": services open to everyone first, the others with their condition.
        (None, ["open", "dpi", "bpi", "mna"]),
        (Status.ANY, ["open", "dpi", "bpi", "mna"]),
    ],
)
def test_each_status_and_its_order(status: Status | None, expected: list[str]) -> None:
    result = index(*STATUS_CATALOG).match(housing(status=status), TODAY)
    assert result.exact
    assert ids(result.matches) == expected


def test_an_unaccompanied_minor_may_be_an_asylum_applicant() -> None:
    result = index(svc("dpi", statuses=["asylum_applicant"])).match(
        housing(status=Status.UNACCOMPANIED_MINOR), TODAY
    )
    assert result.exact and ids(result.matches) == ["dpi"]
    assert result.matches[0].conditions == (Condition.STATUS,)
    # ...but not the other way round.
    result = index(svc("mna", statuses=["unaccompanied_minor"])).match(
        housing(status=Status.ASYLUM_APPLICANT), TODAY
    )
    assert not result.exact


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.ANY])
def test_every_status_counts_as_a_third_country_national(status: Status) -> None:
    """Seed 003 line 288: third-country nationals include DPI, BPI, DPT and BPT."""
    assert status is Status.THIRD_COUNTRY_NATIONAL or STATUS_EQUIVALENTS[status] == (
        Status.THIRD_COUNTRY_NATIONAL,
    )
    result = index(svc("tcn", statuses=["third_country_national"])).match(
        housing(status=status), TODAY
    )
    assert ids(result.matches) == ["tcn"] and result.matches[0].fits


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "offered"),
    [
        (date(2025, 12, 31), False),
        (date(2026, 1, 1), True),
        (date(2026, 6, 30), True),
        (date(2026, 7, 1), False),
    ],
)
def test_only_current_services_are_offered(today: date, offered: bool) -> None:
    catalog = index(
        svc("project", active={"from": "2026-01-01", "until": "2026-06-30"}),
        svc("desk", needs=["legal_admin"], general_information=True),
    )
    result = catalog.match(housing(), today)
    assert result.exact is offered
    assert ("project" in ids(result.matches)) is offered
    assert ids(result.general) == ["desk"]


def test_a_period_that_ended_or_has_not_begun_is_never_offered_even_as_fallback() -> None:
    catalog = index(
        svc("old", active={"until": "2026-05-31"}, general_information=True),
        svc("future", needs=["work"], active={"from": "2026-06-02"}, general_information=True),
    )
    for profile in (housing(), Profile(need=Need.WORK), Profile(status=Status.NO_PAPERS)):
        result = catalog.match(profile, TODAY)
        assert result.matches == () and result.general == ()
    assert ids(catalog.match(Profile(need=Need.WORK), date(2026, 6, 2)).matches) == ["future"]


# --- position and ranking -------------------------------------------------------------------

REGIONAL = svc(
    "regional",
    locations=[
        {"address": ["1 Main Street"], "city": "Wiltz"},
        {"address": ["2 Main Street"], "city": "Esch", "latitude": 49.4958, "longitude": 5.9806},
    ],
)


def test_offices_are_nearest_first_near_wiltz_and_near_esch() -> None:
    catalog = index(REGIONAL)
    (near_wiltz,) = catalog.match(
        housing(latitude=NEAR_WILTZ[0], longitude=NEAR_WILTZ[1]), TODAY
    ).matches
    assert [loc.city for loc in near_wiltz.locations] == ["Wiltz", "Esch"]
    assert near_wiltz.distance_km == pytest.approx(distance_km(*NEAR_WILTZ, *WILTZ))
    (near_esch,) = catalog.match(
        housing(latitude=NEAR_ESCH[0], longitude=NEAR_ESCH[1]), TODAY
    ).matches
    assert [loc.city for loc in near_esch.locations] == ["Esch", "Wiltz"]
    assert near_esch.distance_km == pytest.approx(distance_km(*NEAR_ESCH, *ESCH))
    (anywhere,) = catalog.match(housing(), TODAY).matches
    assert [loc.city for loc in anywhere.locations] == ["Wiltz", "Esch"]
    assert anywhere.distance_km is None


def test_services_with_the_nearest_office_come_first() -> None:
    catalog = index(
        svc("a-south", locations=[{"city": "Esch"}]),
        svc("b-no-office"),
        svc("c-north", locations=[{"city": "Wiltz"}, {"city": "Atlantis"}]),
    )
    north = catalog.match(housing(latitude=NEAR_WILTZ[0], longitude=NEAR_WILTZ[1]), TODAY)
    assert ids(north.matches) == ["c-north", "a-south", "b-no-office"]
    assert [loc.city for loc in north.matches[0].locations] == ["Wiltz", "Atlantis"]
    assert north.matches[2].distance_km is None
    south = catalog.match(housing(latitude=NEAR_ESCH[0], longitude=NEAR_ESCH[1]), TODAY)
    assert ids(south.matches) == ["a-south", "c-north", "b-no-office"]
    assert ids(catalog.match(housing(), TODAY).matches) == ["a-south", "b-no-office", "c-north"]


def test_the_persons_language_comes_before_distance_but_after_contact() -> None:
    catalog = index(
        svc("near", locations=[{"city": "Wiltz"}], languages=["fr", "en"]),
        svc("arabic", locations=[{"city": "Esch"}], languages=["ar", "fr"]),
        svc("arabic-no-contact", locations=[{"city": "Esch"}], languages=["ar"], phones=[]),
    )
    result = catalog.match(
        housing(language="ar", latitude=NEAR_WILTZ[0], longitude=NEAR_WILTZ[1]), TODAY
    )
    assert ids(result.matches) == ["arabic", "near", "arabic-no-contact"]
    assert [m.speaks_language for m in result.matches] == [True, False, True]
    fr = catalog.match(housing(language="fr"), TODAY)
    assert ids(fr.matches) == ["near", "arabic", "arabic-no-contact"]


def test_reachable_then_made_for_the_status_then_phone_or_email_then_office_or_web() -> None:
    catalog = index(
        svc("a-none", phones=[]),
        svc("b-mail", phones=[], emails=[{"address": "b@example.lu"}]),
        svc("c-any"),
        svc("d-named", statuses=["no_papers"], urls=[{"url": "https://example.lu"}], phones=[]),
        svc("e-web", phones=[], urls=[{"url": "https://example.lu"}]),
        svc("f-named-dead-end", statuses=["no_papers"], phones=[]),
    )
    result = catalog.match(housing(status=Status.NO_PAPERS), TODAY)
    assert ids(result.matches) == [
        "d-named",
        "b-mail",
        "c-any",
        "e-web",
        "f-named-dead-end",
        "a-none",
    ]


def test_ranking_is_deterministic_and_equals_keep_the_file_order_not_the_id() -> None:
    services = [
        svc(f"s{i:02d}", locations=[{"city": random.Random(i).choice(["Wiltz", "Esch"])}])
        for i in range(30)
    ]
    random.Random(7).shuffle(services)
    profile = housing(latitude=NEAR_WILTZ[0], longitude=NEAR_WILTZ[1], language="fr")
    first = index(*services).match(profile, TODAY)
    assert first == index(*services).match(profile, TODAY)
    file_order = [s["id"] for s in services]
    for city in ("Wiltz", "Esch"):
        same = [m.service.id for m in first.matches if m.locations[0].city == city]
        assert same == [i for i in file_order if i in same]
    wiltz_first = [m.locations[0].city for m in first.matches]
    assert wiltz_first == sorted(wiltz_first, key=lambda city: city != "Wiltz")


# --- fallback -------------------------------------------------------------------------------


def test_the_fallback_never_drops_age_status_or_audience() -> None:
    catalog = index(
        svc("teen-dpi", statuses=["asylum_applicant"], age={"min": 12, "max": 17}),
        svc("child-bpi", statuses=["international_protection"], age={"min": 0, "max": 11}),
        svc(
            "desk-dpi",
            needs=["legal_admin"],
            statuses=["asylum_applicant"],
            general_information=True,
        ),
        svc("desk-young", needs=["legal_admin"], age={"max": 25}, general_information=True),
    )
    result = catalog.match(housing(status=Status.ASYLUM_APPLICANT, age=30), TODAY)
    assert not result.exact and result.widened
    assert ids(result.matches) == ["desk-dpi"]
    result = catalog.match(housing(status=Status.NO_PAPERS, age=30), TODAY)
    assert not result.exact and not result.widened and result.matches == ()
    result = catalog.match(housing(status=Status.NO_PAPERS, age=20), TODAY)
    assert result.widened and ids(result.matches) == ["desk-young"]


def test_general_desks_when_nothing_fits_the_need() -> None:
    catalog = index(
        svc("flat"),
        svc("desk", needs=["legal_admin"], general_information=True),
        svc(
            "closed-desk", needs=["work"], general_information=True, active={"until": "2020-01-01"}
        ),
    )
    exact = catalog.match(housing(), TODAY)
    assert exact.exact and ids(exact.matches) == ["flat"] and ids(exact.general) == ["desk"]
    result = catalog.match(Profile(need=Need.FAMILY_TRACING, status=Status.NO_PAPERS), TODAY)
    assert not result.exact and result.widened
    assert ids(result.matches) == ids(result.general) == ["desk"]


def test_emergency_services_only_for_the_emergency_need() -> None:
    catalog = index(
        svc("numbers", needs=["emergency", "housing"]),
        svc("flat"),
        svc("desk", needs=["legal_admin"], general_information=True),
    )
    assert ids(catalog.match(Profile(need=Need.EMERGENCY), TODAY).matches) == ["numbers"]
    assert ids(catalog.match(housing(), TODAY).matches) == ["flat"]
    assert ids(catalog.match(Profile(), TODAY).matches) == ["flat", "desk"]
    assert "numbers" not in ids(catalog.match(Profile(need=Need.WORK), TODAY).matches)


def test_never_empty_while_a_general_desk_for_everyone_is_open() -> None:
    catalog = index(
        svc("teen", statuses=["no_papers"], age={"min": 12, "max": 17}),
        svc("desk-dpi", needs=["legal_admin"], statuses=["asylum_applicant"]),
        svc("desk", needs=["legal_admin"], general_information=True),
    )
    rng = random.Random(3)
    for _ in range(300):
        profile = Profile(
            need=rng.choice([*Need, None]),
            status=rng.choice([*Status, None]),
            age=rng.choice([None, 0, 12, 17, 18, 99]),
            language=rng.choice(["en", "ar"]),
        )
        assert catalog.match(profile, TODAY).matches, profile


# --- limit and the indexed search -----------------------------------------------------------


def random_catalog(size: int, seed: int) -> CatalogIndex:
    rng = random.Random(seed)
    towns = ["Wiltz", "Esch", "Luxembourg", "Ettelbruck", "Atlantis"]
    services = []
    for i in range(size):
        offices = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            office: dict[str, Any] = {"city": rng.choice(towns)}
            if rng.random() < 0.5:
                office["latitude"] = round(rng.uniform(49.45, 50.15), 4)
                office["longitude"] = round(rng.uniform(5.75, 6.5), 4)
            offices.append(office)
        extra: dict[str, Any] = {}
        if rng.random() < 0.3:
            low = rng.choice([0, 12, 18])
            extra["age"] = {"min": low, "max": low + rng.randint(0, 40)}
        if rng.random() < 0.3:
            extra["active"] = {
                "from": "2026-01-01",
                "until": rng.choice(["2026-03-01", "2027-01-01"]),
            }
        services.append(
            svc(
                f"s{i:04d}",
                needs=rng.sample(["housing", "work"], rng.randint(1, 2)),
                statuses=["any"] if rng.random() < 0.4 else [rng.choice(list(Status)[:-1])],
                languages=rng.sample(["en", "fr", "ar", "uk"], rng.randint(0, 3)),
                locations=offices,
                phones=PHONE if rng.random() < 0.6 else [],
                general_information=rng.random() < 0.05,
                **extra,
            )
        )
    rng.shuffle(services)
    return index(*services)


def test_a_limited_search_gives_the_head_of_the_full_ranking() -> None:
    catalog = random_catalog(900, seed=5)
    rng = random.Random(11)
    for _ in range(150):
        position = rng.choice([(None, None), NEAR_WILTZ, NEAR_ESCH, (49.61, 6.13), (50.5, 4.0)])
        profile = Profile(
            need=rng.choice([Need.HOUSING, Need.WORK, None]),
            status=rng.choice([*Status, None]),
            age=rng.choice([None, 5, 15, 30]),
            language=rng.choice(["en", "fr", "ar", "uk", "ti"]),
            latitude=position[0],
            longitude=position[1],
        )
        full = catalog.match(profile, TODAY)
        assert full.total == len(full.matches)
        for limit in (1, 3, 10):
            head = catalog.match(profile, TODAY, limit=limit)
            assert head.matches == full.matches[:limit], (profile, limit)
            assert head.total == full.total
            assert head.exact == full.exact
            assert head.general == full.general[:limit]


def contact_level(service: Any) -> int:
    if service.phones or service.emails:
        return 0
    return 1 if service.locations or service.urls else 2


def test_full_ranking_is_sorted_by_fit_target_contact_language_then_distance() -> None:
    catalog = random_catalog(400, seed=9)
    profile = housing(language="ar", latitude=NEAR_ESCH[0], longitude=NEAR_ESCH[1])
    matches = catalog.match(profile, TODAY).matches
    keys = [
        (
            not m.fits,
            contact_level(m.service) == 2,
            not m.service.has_age_limit,
            contact_level(m.service),
            not m.speaks_language,
            m.distance_km is None,
            m.distance_km or 0,
        )
        for m in matches
    ]
    assert keys == sorted(keys)
    for match in matches:
        here = [
            distance_km(*NEAR_ESCH, *PLACES.coordinates(loc))
            for loc in match.locations
            if PLACES.coordinates(loc)
        ]
        assert here == sorted(here)
        if here:
            assert match.distance_km == pytest.approx(here[0])


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        index(svc("a")).match(housing(), TODAY, limit=0)


def test_profile_is_checked() -> None:
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        Profile(latitude=49.6)
    with pytest.raises(ValidationError, match="below age"):
        Profile(age=30, age_max=20)
    with pytest.raises(ValidationError):
        Profile(nede=Need.HOUSING)  # type: ignore[call-arg]
    assert Profile(age=20).age_band == (20, 20)
    assert Profile().age_band is None
