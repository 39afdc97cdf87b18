"""The catalogue as Open Referral HSDS 3.0 JSON, for other referral tools.

Layout (HSDS's "Serialization" page: JSON is canonical, and published records are
dereferenced, related objects embedded rather than pointed at; the spec defines no file that
holds many records): one JSON file per record,

    DIR/services/<uuid>.json       a service, its organization, phones, languages, contacts,
                                   schedules and service_at_locations -> location -> addresses
    DIR/organizations/<uuid>.json  an organization with the locations of its services

each valid against the canonical schema of its object (`service.json`, `organization.json`).

Ids are UUIDs, as HSDS asks, derived (uuid5) from our own ids, so that repeated exports of
the same catalogue write identical files. HSDS has one text per field, so texts are in one
language (English by default, through the catalogue's fallback chain).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from .model import AgeOf, Audience, Catalog, Location, Service, Status, Text

# Never change: every exported id is derived from it.
NAMESPACE = uuid.UUID("00324f38-639c-4b62-9de3-5af46d030bd9")
COUNTRY = "LU"

STATUS_WORDS = {
    Status.ASYLUM_APPLICANT: "applicants for international protection (asylum seekers)",
    Status.INTERNATIONAL_PROTECTION: "beneficiaries of international protection (refugees)",
    Status.TEMPORARY_PROTECTION: "beneficiaries of temporary protection",
    Status.UNACCOMPANIED_MINOR: "unaccompanied minors",
    Status.THIRD_COUNTRY_NATIONAL: "third-country nationals",
    Status.NO_PAPERS: "people without a residence permit",
}
AUDIENCE_WORDS = {
    Audience.WOMEN: "Only for women.",
    Audience.YOUNG_PEOPLE: "Only for young people.",
    Audience.PUPILS: "Only for pupils of a school in Luxembourg.",
    Audience.RECEPTION_RESIDENTS: "Only for residents of a reception structure (ONA).",
    Audience.REVIS: "Only for people who receive the social inclusion income (REVIS).",
}
UNCONFIRMED = "The source gives no current period: check that it still runs before you go."
UUID_FILE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$")


def stable_id(kind: str, *key: object) -> str:
    """The same UUID for the same object in every export."""
    return str(uuid.uuid5(NAMESPACE, json.dumps([kind, *key], ensure_ascii=False)))


def eligibility_text(service: Service) -> str:
    """Who the service is for, in plain English, from statuses, age and audience."""
    if Status.ANY in service.statuses:
        parts = ["Open to everyone, whatever their residence status."]
    else:
        words = [STATUS_WORDS[status] for status in service.statuses]
        parts = [f"For {', '.join(words)}."]
    age = service.age
    if age is not None and (age.min is not None or age.max is not None):
        if age.min is not None and age.max is not None:
            parts.append(f"Ages {age.min} to {age.max}.")
        elif age.min is not None:
            parts.append(f"Ages {age.min} and over.")
        else:
            parts.append(f"Ages up to {age.max}.")
        if service.age_of is AgeOf.CHILD:
            parts.append("The ages are the child's; parents and family are served too.")
    parts.extend(AUDIENCE_WORDS[audience] for audience in service.audience)
    return " ".join(parts)


def _text(text: Text | None, language: str) -> str | None:
    return text.get(language) if text is not None else None


def _location_key(location: Location) -> list[object]:
    name = location.name.as_dict() if location.name else {}
    return [
        sorted(name.items()),
        location.address,
        location.postal_code,
        location.city,
        location.latitude,
        location.longitude,
    ]


def location_record(location: Location, organization: str, language: str) -> dict[str, Any]:
    """An HSDS location; the same office gets the same id wherever it appears."""
    location_id = stable_id("location", _location_key(location))
    record: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "name": _text(location.name, language) or f"{organization}, {location.city}",
    }
    if location.has_coordinates:
        record["latitude"] = location.latitude
        record["longitude"] = location.longitude
    if location.address and location.postal_code:
        record["addresses"] = [
            {
                "id": stable_id("address", location_id),
                "location_id": location_id,
                "address_1": location.address[0],
                **({"address_2": ", ".join(location.address[1:])} if location.address[1:] else {}),
                "city": location.city,
                "state_province": "",  # required by HSDS; Luxembourg has none
                "postal_code": location.postal_code,
                "country": COUNTRY,
                "address_type": "physical",
            }
        ]
    return record


def language_record(code: str, owner: str) -> dict[str, Any]:
    try:
        name = Locale.parse(code).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        name = code
    return {"id": stable_id("language", owner, code), "name": name, "code": code}


def organization_record(
    name: str, services: list[Service], language: str, *, with_locations: bool
) -> dict[str, Any]:
    """An HSDS organization. HSDS requires a description; ours says what it provides."""
    titles = "; ".join(service.name.get(language) for service in services)
    noun = "service" if len(services) == 1 else "services"
    record: dict[str, Any] = {
        "id": stable_id("organization", name),
        "name": name,
        "description": f"Provides {len(services)} {noun} in this catalogue: {titles}.",
    }
    if with_locations:
        locations: dict[str, dict[str, Any]] = {}
        for service in services:
            for location in service.locations:
                item = location_record(location, name, language)
                locations.setdefault(item["id"], item)
        if locations:
            record["locations"] = [
                {**item, "organization_id": record["id"]} for item in locations.values()
            ]
    return record


def service_record(
    service: Service, organization: dict[str, Any], today: date, language: str = "en"
) -> dict[str, Any]:
    """One dereferenced HSDS service."""
    service_id = stable_id("service", service.id)
    record: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization["id"],
        "name": service.name.get(language),
        "description": service.summary.get(language),
        "status": "active" if service.is_current(today) else "inactive",
        "eligibility_description": eligibility_text(service),
    }
    if service.urls:
        record["url"] = service.urls[0].url
    if service.emails:
        record["email"] = service.emails[0].address
    if service.contact_note is not None:
        record["application_process"] = service.contact_note.get(language)
    if service.period_unconfirmed:
        record["alert"] = UNCONFIRMED
    if service.age is not None and service.age.min is not None:
        record["minimum_age"] = service.age.min
    if service.age is not None and service.age.max is not None:
        record["maximum_age"] = service.age.max
    if service.last_verified is not None:
        record["assured_date"] = service.last_verified.isoformat()
    record["phones"] = [
        {
            "id": stable_id("phone", service.id, index),
            "number": phone.number,
            **({"description": phone.label.get(language)} if phone.label else {}),
        }
        for index, phone in enumerate(service.phones)
    ]
    record["contacts"] = [
        {
            "id": stable_id("contact", service.id, index),
            "email": email.address,
            **({"department": email.label.get(language)} if email.label else {}),
        }
        for index, email in enumerate(service.emails)
    ]
    periods = [service.active] if service.active else []
    record["schedules"] = [
        {
            "id": stable_id("schedule", service.id, index),
            **({"valid_from": p.start.isoformat()} if p.start else {}),
            **({"valid_to": p.until.isoformat()} if p.until else {}),
        }
        for index, p in enumerate([*periods, *service.editions])
    ]
    record["languages"] = [language_record(code, service.id) for code in service.languages]
    record["service_at_locations"] = [
        {
            "id": stable_id("service_at_location", service.id, index),
            "location": location_record(location, service.organization, language),
        }
        for index, location in enumerate(service.locations)
    ]
    record["organization"] = organization
    return {key: value for key, value in record.items() if value != []}


def hsds_records(
    catalog: Catalog, today: date, language: str = "en"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(services, organizations) as HSDS records, in catalogue order."""
    by_organization: dict[str, list[Service]] = {}
    for service in catalog.services:
        by_organization.setdefault(service.organization, []).append(service)
    organizations = {
        name: organization_record(name, members, language, with_locations=False)
        for name, members in by_organization.items()
    }
    services = [
        service_record(service, organizations[service.organization], today, language)
        for service in catalog.services
    ]
    full = [
        organization_record(name, members, language, with_locations=True)
        for name, members in by_organization.items()
    ]
    return services, full


def write_hsds(
    catalog: Catalog, directory: Path, today: date, language: str = "en"
) -> tuple[int, int]:
    """Write the export under `directory`; returns (services, organizations) written.

    Files of an earlier export that no longer match a record are removed (only UUID-named
    .json files in the two folders, nothing else)."""
    services, organizations = hsds_records(catalog, today, language)
    _write_folder(directory / "services", services)
    _write_folder(directory / "organizations", organizations)
    return len(services), len(organizations)


def _write_folder(folder: Path, records: Iterable[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    names = set()
    for record in records:
        name = f"{record['id']}.json"
        names.add(name)
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    for old in folder.iterdir():
        if old.is_file() and UUID_FILE.match(old.name) and old.name not in names:
            old.unlink()


def export_main(args: argparse.Namespace) -> int:
    """`python -m bot catalog export --hsds DIR [--catalog FILE] [--today D] [--lang L]`."""
    from .loader import bundled_catalog_path, load_catalog
    from .problems import CatalogError

    path = Path(args.catalog) if args.catalog else bundled_catalog_path()
    try:
        catalog = load_catalog(path)
    except CatalogError as error:
        print(
            f"{path}: {error.total} problem(s); run 'python -m bot catalog check {path}' to "
            "see them. Nothing was exported.",
            file=sys.stderr,
        )
        return 1
    directory = Path(args.hsds)
    try:
        services, organizations = write_hsds(
            catalog, directory, args.today or date.today(), args.lang
        )
    except OSError as error:
        print(f"cannot write to {directory}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(
        f"HSDS 3.0: {services} services and {organizations} organizations written to "
        f"{directory}/services and {directory}/organizations"
    )
    return 0
