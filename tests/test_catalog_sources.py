"""Every contact in the bundled catalogue traces to a seed document, and none is missing.

The seeds live in `../shared/seeds/` beside the repository (the team's source documents).
On a machine without them (a user's), these tests are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalog.loader import bundled_catalog_path, load_catalog

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
EMERGENCY_NUMBERS = {"112", "113", "116 111"}
MEDIA_CONTACT = ("press@men.lu", "247-85252", "Bamberg")

pytestmark = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS} (only on the team's machines)"
)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled_catalog_path())


def test_every_phone_is_copied_from_a_seed_or_a_public_emergency_number(catalog, seed_text):
    strays = []
    for service in catalog.services:
        for phone in service.phones:
            if phone.number in EMERGENCY_NUMBERS:
                assert service.needs == ["emergency"], f"{service.id}: {phone.number}"
            elif phone.number not in seed_text:
                strays.append(f"{service.id}: {phone.number}")
    assert strays == []


def test_every_email_postal_code_and_address_line_is_in_a_seed(catalog, seed_text):
    strays = []
    for service in catalog.services:
        strays += [
            f"{service.id}: {e.address}" for e in service.emails if e.address not in seed_text
        ]
        for location in service.locations:
            for value in (location.postal_code, *location.address):
                if value and value not in seed_text:
                    strays.append(f"{service.id}: {value}")
    assert strays == []


def test_every_phone_and_postal_code_of_the_seeds_is_in_the_catalogue(catalog, seed_text):
    phones = {p.number for s in catalog.services for p in s.phones}
    codes = {loc.postal_code for s in catalog.services for loc in s.locations}
    seed_phones = set(re.findall(r"\(\+352\) [\d -]+\d|\+352 [\d ]+\d", seed_text))
    seed_codes = set(re.findall(r"L-\d{4}", seed_text))
    assert len(seed_phones) >= 8 and len(seed_codes) >= 14  # the patterns do find them
    missing = sorted(p for p in seed_phones - phones if not any(m in p for m in MEDIA_CONTACT))
    assert missing == []
    assert sorted(seed_codes - codes) == []


def test_the_media_contact_and_state_operations_are_not_offered(catalog):
    text = bundled_catalog_path().read_text(encoding="utf-8")
    entries = text.split("Not offered as services")[0]
    for value in MEDIA_CONTACT:
        assert value not in entries
    ids = " ".join(service.id for service in catalog.services)
    for word in ("forced", "consular", "training", "it-system", "liser", "family-assessment"):
        assert word not in ids


def test_entries_with_a_contact_in_the_seeds_are_present(catalog):
    by_phone = {p.number: s.id for s in catalog.services for p in s.phones}
    assert by_phone["(+352) 247-75910"]  # CePAS
    assert by_phone["+352 28 89 20 33"] == by_phone["+352 661 10 76 29"]  # CESMI, both lines
    offices = next(s for s in catalog.services if s.id == "one-regional-offices")
    assert len(offices.locations) == 13
