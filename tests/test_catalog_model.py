"""The catalogue model: texts, contacts, ages, periods and the whole catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from bot.catalog.model import (
    FALLBACK_LANGUAGES,
    SUPPORTED_LANGUAGES,
    ActivePeriod,
    AgeRange,
    Catalog,
    DuplicateIdError,
    Email,
    Location,
    Phone,
    Service,
    Status,
    Text,
)


def service_data(ident: str = "cepas", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "organization": "CEPAS",
        "name": {"en": "Counselling", "fr": "Consultation"},
        "summary": {"en": "Talk to someone.", "fr": "Parler à quelqu'un."},
        "needs": ["mental_health"],
        "statuses": ["any"],
        "source": {"file": "seed.txt", "place": "line 1"},
    }
    data.update(fields)
    return data


def test_supported_languages_are_unique_codes_starting_with_the_fallbacks() -> None:
    assert len(SUPPORTED_LANGUAGES) == len(set(SUPPORTED_LANGUAGES)) == 10
    assert SUPPORTED_LANGUAGES[:2] == FALLBACK_LANGUAGES
    assert all(len(code) == 2 and code.islower() for code in SUPPORTED_LANGUAGES)


def test_text_falls_back_to_english_then_french_then_any() -> None:
    text = Text.model_validate({"fr": "Bonjour", "ar": "مرحبا"})
    assert text.get("ar") == "مرحبا"
    assert text.get("de") == "Bonjour"
    assert Text.model_validate({"en": "Hello", "fr": "Bonjour"}).get("uk") == "Hello"
    assert Text.model_validate({"ti": "ሰላም"}).get("en") == "ሰላም"
    assert text.has("ar") and not text.has("en")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "at least English"),
        ({"en": "   "}, "'en' text is empty"),
        ({"ENG": "Hello"}, "not a language code"),
        ({"de": ["a", "b"]}, "must be plain text"),
    ],
)
def test_text_rejects_empty_or_odd_values(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Text.model_validate(data)


def test_phone_keeps_the_source_format_and_makes_it_tappable() -> None:
    assert Phone(number="(+352) 247-75910").international() == "+352 247 75910"
    assert Phone(number="116 111").international() == "116 111"
    with pytest.raises(ValidationError, match="does not look like a phone number"):
        Phone(number="call us")


def test_email_and_postal_code_are_checked() -> None:
    assert Email(address="info@cepas.lu").address == "info@cepas.lu"
    with pytest.raises(ValidationError, match="not an e-mail address"):
        Email(address="info at cepas.lu")
    with pytest.raises(ValidationError, match="Luxembourg postal code"):
        Location(city="Wiltz", postal_code="9530")
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        Location(city="Wiltz", latitude=49.9)


def test_age_range_is_inclusive_and_cannot_be_upside_down() -> None:
    ages = AgeRange(min=12, max=26)
    assert ages.contains(12) and ages.contains(26)
    assert not ages.contains(11) and not ages.contains(27)
    assert AgeRange(min=18).contains(99)
    with pytest.raises(ValidationError, match="upside down"):
        AgeRange(min=30, max=20)


def test_active_period_reads_from_and_is_inclusive() -> None:
    period = ActivePeriod.model_validate({"from": "2026-01-01", "until": "2026-06-30"})
    assert period.start == date(2026, 1, 1)
    assert period.is_current(date(2026, 1, 1)) and period.is_current(date(2026, 6, 30))
    assert not period.is_current(date(2025, 12, 31)) and not period.is_current(date(2026, 7, 1))
    with pytest.raises(ValidationError, match="before it begins"):
        ActivePeriod.model_validate({"from": "2026-02-01", "until": "2026-01-01"})


def test_service_ways_to_reach_and_statuses() -> None:
    office_only = Service.model_validate(service_data(locations=[{"city": "Wiltz"}]))
    assert office_only.reachable and not office_only.contactable
    nothing = Service.model_validate(service_data())
    assert not nothing.reachable
    phone = Service.model_validate(service_data(phones=[{"number": "112"}]))
    assert phone.contactable
    named = Service.model_validate(service_data(statuses=["asylum_applicant"]))
    assert named.serves_status(Status.ASYLUM_APPLICANT)
    assert not named.serves_status(Status.NO_PAPERS)
    assert nothing.serves_status(Status.NO_PAPERS)


def test_unknown_fields_are_errors_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="phnoe"):
        Service.model_validate(service_data(phnoe=[{"number": "112"}]))


def test_catalog_rejects_duplicate_ids() -> None:
    data = {"version": "1", "services": [service_data("a"), service_data("a")]}
    with pytest.raises(ValidationError) as caught:
        Catalog.model_validate(data)
    assert isinstance(caught.value.errors()[0]["ctx"]["error"], DuplicateIdError)
    ok = Catalog.model_validate(
        {"version": "1", "services": [service_data("a"), service_data("b")]}
    )
    assert list(ok.by_id()) == ["a", "b"]
