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


def test_every_entry_was_checked_against_its_source(catalog):
    assert [s.id for s in catalog.services if s.last_verified is None] == []


def test_every_source_place_points_at_lines_of_its_seed(catalog):
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in SEEDS.glob("*.txt")}
    strays = []
    for service in catalog.services:
        if service.source.file == "none":
            assert service.id == "emergency-numbers"
            continue
        assert service.source.file in lengths, service.id
        spans = re.findall(r"\blines? ([\d\-, and]+)", service.source.place)
        numbers = [int(n) for span in spans for n in re.findall(r"\d+", span)]
        assert numbers, f"{service.id}: no line number in {service.source.place!r}"
        last = lengths[service.source.file]
        strays += [f"{service.id}: {n}" for n in numbers if not 1 <= n <= last]
    assert strays == []


def test_reception_centre_advice_only_for_residents_of_reception_structures(catalog):
    # People with no papers, or refugees living in a flat, have no reception centre.
    strays = [
        s.id
        for s in catalog.services
        if s.contact_note
        and "reception centre" in s.contact_note.get("en")
        and "reception_residents" not in s.audience
    ]
    assert strays == []


def test_the_two_services_missing_before_are_present_with_an_honest_note(catalog):
    by_id = catalog.by_id()
    ona = by_id["ona-accommodation"]  # seed 003 line 159
    assert ona.needs == ["housing"]
    assert {"asylum_applicant", "temporary_protection"} <= set(ona.statuses)
    refugees = by_id["immigration-refugees-service"]  # seed 003 lines 184, 186, 188
    assert refugees.needs == ["legal_admin"] and "asylum_applicant" in refugees.statuses
    for service in (ona, refugees):
        assert not service.reachable  # the seed gives no contact
        assert service.contact_note and "no address" in service.contact_note.get("en")


def test_ages_are_not_borrowed_and_events_carry_their_dates(catalog):
    by_id = catalog.by_id()
    assert by_id["one-regional-offices"].age is None  # seed 001 lines 6-37 give no age
    assert by_id["one-application"].age is None
    alupse_babies = by_id["amif-parentalite-alupse"]  # 003 line 149
    assert alupse_babies.age_of == "child" and alupse_babies.age.max == 2
    bhm = by_id["amif-bhm-2025-2026"]  # 003 line 343: October 2025 and October 2026
    assert [(e.start.month, e.until.month) for e in bhm.editions] == [(10, 10), (10, 10)]
    assert by_id["cesmi"].period_unconfirmed and by_id["amif-iom-avr"].period_unconfirmed


def test_the_left_out_seed_items_are_listed_with_their_reasons():
    text = bundled_catalog_path().read_text(encoding="utf-8")
    left_out = text.split("Seed items left out")[1]
    for item in (
        "Line 41: adoption",
        "Line 42: becoming a foster family",
        "hospital",
        "forced returns",
        "Journée Consulaire",
        "IT systems",
        "LISER",
        "REVEIL",
    ):
        assert item in left_out, item
