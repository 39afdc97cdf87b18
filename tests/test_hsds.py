"""The HSDS export: valid against Open Referral's own schemas, complete, and stable."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.__main__ import main
from bot.catalog import load_catalog
from bot.catalog.hsds import hsds_records, write_hsds
from bot.catalog.loader import bundled_catalog_path

SCHEMAS = Path(__file__).parent / "data" / "hsds"
TODAY = date(2026, 12, 6)


def _closed(schema: Any) -> Any:
    """Every object schema with `additionalProperties: false`, as the HSDS repository's own
    example check does: a misspelt field name must fail, not pass unnoticed."""
    if isinstance(schema, dict):
        schema = {key: _closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


def validator_for(name: str) -> Draft202012Validator:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = _closed(json.loads(path.read_text(encoding="utf-8")))
        resources.append((path.as_uri(), Resource(contents, DRAFT202012)))
    registry = Registry().with_resources(resources)
    root = {"$ref": (SCHEMAS / name).as_uri()}
    return Draft202012Validator(root, registry=registry, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled_catalog_path())


@pytest.fixture(scope="module")
def exported(tmp_path_factory, catalog) -> Path:
    directory = tmp_path_factory.mktemp("hsds")
    write_hsds(catalog, directory, TODAY)
    return directory


def _records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _errors(validator: Draft202012Validator, record: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]


def test_every_file_is_valid_hsds(exported, catalog) -> None:
    services = _records(exported / "services")
    organizations = _records(exported / "organizations")
    assert len(services) == len(catalog.services)
    assert len(organizations) == len({s.organization for s in catalog.services})
    for name, records in (("service.json", services), ("organization.json", organizations)):
        validator = validator_for(name)
        for record in records:
            assert _errors(validator, record) == [], record["name"]


def test_the_validator_catches_what_hsds_forbids(exported) -> None:
    """The check above can fail: a missing required field, a misspelt one, a bad id."""
    validator = validator_for("service.json")
    record = _records(exported / "services")[0]
    assert not _errors(validator, record)
    assert _errors(validator, {k: v for k, v in record.items() if k != "status"})
    assert _errors(validator, {**record, "phnoes": []})
    assert _errors(validator, {**record, "id": "cepas"})
    address = {"id": str(uuid.uuid4()), "address_1": "x", "city": "y", "country": "LU"}
    located = {"id": str(uuid.uuid4()), "location_type": "physical", "addresses": [address]}
    broken = {**record, "service_at_locations": [{"id": str(uuid.uuid4()), "location": located}]}
    assert _errors(validator, broken)  # postal code, state_province and address_type missing


def test_a_second_export_writes_identical_files(exported, catalog, tmp_path) -> None:
    write_hsds(catalog, tmp_path, TODAY)
    for folder in ("services", "organizations"):
        first = {p.name: p.read_bytes() for p in (exported / folder).iterdir()}
        second = {p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()}
        assert first == second


def test_the_fields_carry_the_catalogue(catalog) -> None:
    services, _ = hsds_records(catalog, TODAY)
    by_name = {record["name"]: record for record in services}
    for service in catalog.services:
        record = by_name[service.name.get("en")]
        assert record["description"] == service.summary.get("en")
        assert record.get("assured_date") == (
            service.last_verified.isoformat() if service.last_verified else None
        )
        assert record.get("minimum_age") == (service.age.min if service.age else None)
        assert record.get("maximum_age") == (service.age.max if service.age else None)
        assert [p["number"] for p in record.get("phones", [])] == [p.number for p in service.phones]
        assert [c["email"] for c in record.get("contacts", [])] == [
            e.address for e in service.emails
        ]
        assert [lang["code"] for lang in record.get("languages", [])] == service.languages
        assert record["organization"]["name"] == service.organization
        assert record["status"] == ("active" if service.is_current(TODAY) else "inactive")
        offices = [sal["location"] for sal in record.get("service_at_locations", [])]
        assert len(offices) == len(service.locations)
        for office, location in zip(offices, service.locations, strict=True):
            for address in office.get("addresses", []):
                assert address["address_1"] == location.address[0]
                assert address["postal_code"] == location.postal_code
                assert address["city"] == location.city
                assert address["country"] == "LU"
        text = record["eligibility_description"]
        if service.age and service.age.min is not None:
            assert str(service.age.min) in text
        if service.age and service.age.max is not None:
            assert str(service.age.max) in text


def test_eligibility_speaks_of_statuses_and_audience(catalog) -> None:
    services, _ = hsds_records(catalog, TODAY)
    by_name = {record["name"]: record for record in services}
    limited = [s for s in catalog.services if "any" not in s.statuses]
    women = [s for s in catalog.services if "women" in s.audience]
    assert limited and women
    for service in limited:
        assert "Open to everyone" not in by_name[service.name.get("en")]["eligibility_description"]
    for service in women:
        assert "Only for women" in by_name[service.name.get("en")]["eligibility_description"]


def test_an_expired_entry_is_inactive_and_the_same_office_has_one_id(catalog) -> None:
    expired = [s for s in catalog.services if s.active and s.active.until]
    assert expired
    later = max(s.active.until for s in expired)  # type: ignore[union-attr]
    services, _ = hsds_records(catalog, date.fromordinal(later.toordinal() + 1))
    by_name = {record["name"]: record for record in services}
    for service in expired:
        assert by_name[service.name.get("en")]["status"] == "inactive"
    ids: dict[str, set[str]] = {}  # an office's content, without ids -> its ids
    for record in services:
        for sal in record.get("service_at_locations", []):
            location = sal["location"]
            content = {k: v for k, v in location.items() if k not in ("id", "addresses")}
            content["addresses"] = [
                {k: v for k, v in a.items() if not k.endswith("id")}
                for a in location.get("addresses", [])
            ]
            ids.setdefault(json.dumps(content, sort_keys=True), set()).add(location["id"])
    assert ids
    assert all(len(found) == 1 for found in ids.values())
    assert len({i for found in ids.values() for i in found}) == len(ids)


def test_the_command_line_exports_and_removes_stale_files(tmp_path, capsys) -> None:
    stale = tmp_path / "services" / f"{uuid.uuid4()}.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    keep = tmp_path / "services" / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    assert main(["catalog", "export", "--hsds", str(tmp_path), "--today", "2026-12-06"]) == 0
    assert "services" in capsys.readouterr().out
    assert not stale.exists() and keep.exists()
    assert len(list((tmp_path / "services").glob("*.json"))) == len(
        load_catalog(bundled_catalog_path()).services
    )


def test_the_command_line_refuses_a_broken_catalogue(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\nservices: 3\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["catalog", "export", "--hsds", str(out), "--catalog", str(bad)]) == 1
    assert "catalog check" in capsys.readouterr().err
    assert not out.exists()
