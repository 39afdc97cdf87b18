"""Who is offered what: an eligibility table written from the seed documents.

The table below was written by reading the four seed documents (000 Red Cross, 001 the national
children's office ONE, 002 CESMI, 003 the AMIF-cofinanced projects, in French), NOT by reading
the catalogue. The seeds are the only truth about whom a service serves; each row names the
seed file and line(s) that decide it ("001:76" is line 76 of the 001 seed, numbered per file
as `cat -n` numbers it). When a row fails, re-read that seed line before touching the row.

How to read a row:
- the profile: who needs help ("me", "child", "family"), the age of the person who needs
  help (a number, an age button of the flows such as "13-15", or None for unknown), the
  status (None is "I don't know"), the need, and optionally where the person is;
- `fitting`: services that must be offered with no condition on the card;
- `absent`: services that must not be offered at all (the seed excludes the person by age or
  status, or the project is over on TODAY);
- `conditional`: services that may be offered, but only with that condition code on the card
  (for example "women" for a women-only programme the bot never asked about);
- `widened`: True when nothing exists for that need for this person, so the bot must fall back
  to the general information desks (and still respect age, status and audience); False when
  an exact answer must exist; None when the row does not check it.

Reading rules taken from the seeds themselves:
- 003:288 defines third-country nationals as including applicants and beneficiaries of
  international and temporary protection, so a third_country_national service serves every
  status the bot knows (asylum applicant, refugee, temporary protection, unaccompanied minor,
  no papers, other).
- Ages are inclusive as written: "under 3" is up to 2, "from 3 to 27" includes 27, "up to the
  age of 21" includes 21, "children and adolescents" with no number is under 18.
- The age is always the age of the person who needs help: with who="child" it is the child's.

Condition codes on a match (`match.conditions`): "women", "young_people", "pupils",
"reception_residents", "revis" (audiences the bot never asks about); "age" (the age band is
only partly inside the service's limits, or unknown); "parent" (offered to the person as the
parent of a child of the service's ages: who="me", need children_family or pregnancy_baby);
"status" (the person said "I don't know", or is an unaccompanied minor seeing a service for
asylum applicants, and the service is for named statuses only).

The helpers below run on today's code too (which has no `who` and no `conditions` yet), so
the table fails there on content, not on a missing attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.loader import bundled_catalog_path, load_catalog
from bot.catalog.model import Need, Service, Status
from bot.catalog.query import CatalogIndex, Profile
from bot.flows.options import AGE_BANDS, NEEDS

TODAY = date(2026, 12, 3)

# Statuses, as the seeds abbreviate them.
DPI = Status.ASYLUM_APPLICANT  # demandeur de protection internationale (AIP in 000)
BPI = Status.INTERNATIONAL_PROTECTION  # bénéficiaire de protection internationale (refugee)
BPT = Status.TEMPORARY_PROTECTION  # bénéficiaire de protection temporaire
MNA = Status.UNACCOMPANIED_MINOR  # mineur non accompagné
NO_PAPERS = Status.NO_PAPERS
TCN = Status.THIRD_COUNTRY_NATIONAL  # "Other": from outside the EU for another reason
UNKNOWN = None  # "I don't know"

# Needs.
MENTAL = Need.MENTAL_HEALTH
FAMILY = Need.CHILDREN_FAMILY
BABY = Need.PREGNANCY_BABY
DEVELOPMENT = Need.DEVELOPMENT_DISABILITY
WORK = Need.WORK
LANGUAGE = Need.LANGUAGE_SCHOOL
LEGAL = Need.LEGAL_ADMIN
HOUSING = Need.HOUSING
VIOLENCE = Need.WOMEN_VIOLENCE
DISCRIMINATION = Need.DISCRIMINATION
LEISURE = Need.LEISURE_SOCIAL
TRACING = Need.FAMILY_TRACING
RETURN = Need.VOLUNTARY_RETURN

# Places (latitude, longitude).
ESCH = (49.4958, 5.9806)
WILTZ = (49.9661, 5.9322)

# Every finished project (period over on TODAY, 003) and the Black History Month editions
# (003:290 is 2024; 003:338-345 are two October editions, 2025 and 2026, both over).
EXPIRED = {
    "amif-ateliers-naissance": "003:29 (2023)",
    "amif-motiro": "003:35-36 (2023-2024)",
    "amif-chrysalis": "003:48-49 (2023-2024)",
    "amif-zougang": "003:58-59 (to 30/06/2024)",
    "amif-inclusion-plus": "003:66 (2024-2025)",
    "amif-apes": "003:75-76 (2024-2025)",
    "amif-padem-antiracism": "003:194-195 (2023-2024)",
    "amif-sustainable-stereotypes": "003:227 (2023-2024)",
    "amif-crafted-pathways": "003:264 (2024-2025)",
    "amif-road4refugee": "003:272 (2024-2025)",
    "amif-concorde": "003:283-284 (2024-2025)",
    "amif-bhm-2024": "003:290 (2024)",
    "amif-bhm-2025-2026": "003:343 (October 2025 and October 2026)",
    "amif-guichet-asti-2023": "003:380-381 (2023-2024)",
    "amif-guichet-clae-2023": "003:392-393 (2023-2024)",
    "amif-iom-avr-2021": "003:406-407 (2021)",
    "amif-iom-avr-2022-2024": "003:416-417 (2022-2024)",
}

# The COMM1 information desks of CLAE and ASTI: for third-country nationals (003:366, 378),
# which includes every status (003:288).
DESKS = ("amif-comm1-clae", "amif-comm1-asti")

BANDS = {band.id: (band.min, band.max) for band in AGE_BANDS}


@dataclass(frozen=True)
class Row:
    """A profile and what the seeds say it must, must not, or may only conditionally see."""

    who: str | None
    age: int | str | None  # a number, an AGE_BANDS id ("13-15"), or None (unknown)
    status: Status | None
    need: Need
    seed: str
    fitting: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    conditional: Mapping[str, str] = field(default_factory=dict)
    widened: bool | None = None
    place: tuple[float, float] | None = None
    nearest: Mapping[str, str] = field(default_factory=dict)  # id -> city of its first office

    @property
    def band(self) -> tuple[int, int] | None:
        if self.age is None:
            return None
        if isinstance(self.age, str):
            return BANDS[self.age]
        return self.age, self.age


def case(
    ident: str,
    who: str | None,
    age: int | str | None,
    status: Status | None,
    need: Need,
    *,
    seed: str,
    fitting: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
    conditional: Mapping[str, str] | None = None,
    widened: bool | None = None,
    place: tuple[float, float] | None = None,
    nearest: Mapping[str, str] | None = None,
) -> Any:
    """One row of the table, as a pytest parameter named `ident` (e.g. "34-dpi-mental-health")."""
    row = Row(
        who=who,
        age=age,
        status=status,
        need=need,
        seed=seed,
        fitting=fitting,
        absent=absent,
        conditional=conditional or {},
        widened=widened,
        place=place,
        nearest=nearest or {},
    )
    return pytest.param(row, id=ident)


# fmt: off
TABLE = [
    # --- mental health, the ONE providers' age limits (001) --------------------------------
    case("34-dpi-mental-health", "me", 34, DPI, MENTAL,
         seed="001:74 (family planning, no age); 001:76 (3-18); 001:79 (13-18); "
              "001:81 (up to 21); 001:83 (children and adolescents); 001:57 (0-27); 001:87; "
              "001:72 (SePAS: pupils)",
         fitting=("family-planning",),
         conditional={"sepas": "pupils"},
         absent=("alternatives-pro-familia", "children-domestic-violence",
                 "therapeutic-service-youth-solidarity", "alupse", "one-psychologist",
                 "one-family-assistance", "amif-chrysalis", "amif-motiro")),
    case("child-2-too-young-for-psychologist", "child", 2, DPI, MENTAL,
         seed="001:87 (3 to 27), 001:88 (0-3 referred elsewhere); 001:76 (3-18)",
         absent=("one-psychologist", "children-domestic-violence")),
    case("child-3-psychologist-from-3", "child", 3, DPI, MENTAL,
         seed="001:87 (3 to 27); 001:76 (3-18); 001:81 (up to 21); 001:83 (under 18)",
         fitting=("one-psychologist", "children-domestic-violence", "alupse",
                  "alternatives-pro-familia")),
    case("27-bpi-psychologist-last-year", "me", 27, BPI, MENTAL,
         seed="001:87 (from 3 to 27, 27 included); 001:81 (up to 21); 001:79 (13-18)",
         fitting=("one-psychologist",),
         absent=("alupse", "alternatives-pro-familia", "therapeutic-service-youth-solidarity")),
    case("28-bpi-psychologist-too-old", "me", 28, BPI, MENTAL,
         seed="001:87 (3 to 27); 001:57 (0 to 27); 001:74 (no age)",
         fitting=("family-planning",),
         absent=("one-psychologist", "one-family-assistance")),
    case("18-bpt-domestic-violence-last-year", "me", 18, BPT, MENTAL,
         seed="001:76 (3-18, 18 included); 001:79 (13-18); 001:81 (up to 21); 001:83 (under 18)",
         fitting=("children-domestic-violence", "therapeutic-service-youth-solidarity",
                  "alupse"),
         absent=("alternatives-pro-familia",)),
    case("19-bpt-domestic-violence-too-old", "me", 19, BPT, MENTAL,
         seed="001:76 (3-18); 001:79 (13-18); 001:83 (under 18); 001:81 (up to 21); 001:87",
         fitting=("alupse", "one-psychologist"),
         absent=("children-domestic-violence", "therapeutic-service-youth-solidarity",
                 "alternatives-pro-familia")),
    case("12-dpi-youth-solidarity-too-young", "me", 12, DPI, MENTAL,
         seed="001:79 (13-18); 001:67 (CePAS from the age of 12); 001:76; 001:81; 001:87",
         fitting=("cepas", "children-domestic-violence", "alupse", "one-psychologist"),
         absent=("therapeutic-service-youth-solidarity",)),
    case("13-dpi-youth-solidarity-first-year", "me", 13, DPI, MENTAL,
         seed="001:79 (13-18, 13 included)",
         fitting=("therapeutic-service-youth-solidarity",)),
    case("child-13-youth-solidarity", "child", 13, BPI, MENTAL,
         seed="001:79 (13-18); 001:67 (from 12): the child's age decides",
         fitting=("therapeutic-service-youth-solidarity", "cepas")),
    case("11-bpi-cepas-too-young", "me", 11, BPI, MENTAL,
         seed="001:67 (young people from the age of 12); 001:79 (13-18)",
         absent=("cepas", "therapeutic-service-youth-solidarity")),
    case("21-no-papers-alupse-last-year", "me", 21, NO_PAPERS, MENTAL,
         seed="001:81 (up to the age of 21, 21 included); 001:76 (3-18); "
              "002:19-20 (CESMI: applicants and beneficiaries of international protection)",
         fitting=("alupse", "family-planning"),
         absent=("children-domestic-violence", "cesmi")),
    case("22-no-papers-alupse-too-old", "me", 22, NO_PAPERS, MENTAL,
         seed="001:81 (up to 21); 001:87 (3 to 27); 001:74; 002:19-20",
         fitting=("one-psychologist", "family-planning"),
         absent=("alupse", "cesmi")),
    case("17-mna-alternatives-last-year", "me", 17, MNA, MENTAL,
         seed="001:83 (children and adolescents: under 18); 001:76; 001:79; 001:81; "
              "002:19-20 (CESMI for applicants: an unaccompanied minor only 'status')",
         fitting=("alternatives-pro-familia", "alupse", "therapeutic-service-youth-solidarity",
                  "children-domestic-violence", "one-psychologist"),
         conditional={"cesmi": "status"}),
    case("14-tcn-sepas-pupils", "me", 14, TCN, MENTAL,
         seed="001:72-73 (SePAS: in every school, contact at the student's school); "
              "001:79; 001:67",
         fitting=("therapeutic-service-youth-solidarity", "cepas"),
         conditional={"sepas": "pupils"}),
    case("unknown-age-dpi-mental-health", "me", None, DPI, MENTAL,
         seed="001:76 (3-18); 001:79 (13-18); 001:81 (up to 21); 001:83; 001:87 (3-27); "
              "001:74 (no age)",
         fitting=("family-planning",),
         conditional={"alupse": "age", "therapeutic-service-youth-solidarity": "age",
                      "one-psychologist": "age", "children-domestic-violence": "age",
                      "alternatives-pro-familia": "age"}),
    case("30-unknown-status-mental-health", "me", 30, UNKNOWN, MENTAL,
         seed="002:19-20 (CESMI for named statuses only); 001:74 (family planning, anyone); "
              "001:81",
         fitting=("family-planning",),
         absent=("alupse",),
         conditional={"cesmi": "status"}),
    case("30-bpt-not-cesmi", "me", 30, BPT, MENTAL,
         seed="002:19-20 (CESMI: applicants and beneficiaries of international protection, "
              "not temporary protection)",
         fitting=("family-planning",),
         absent=("cesmi",)),
    case("family-10-bpt-mental-health", "family", 10, BPT, MENTAL,
         seed="001:76 (3-18); 001:83 (under 18); 001:81 (up to 21); 001:87 (3-27); "
              "001:79 (13-18)",
         fitting=("children-domestic-violence", "alternatives-pro-familia", "alupse",
                  "one-psychologist"),
         absent=("therapeutic-service-youth-solidarity",)),
    case("family-70-dpi-mental-health", "family", 70, DPI, MENTAL,
         seed="001:81 (up to 21); 001:87 (3-27); 001:79 (13-18); 001:83; 001:74 (no age)",
         fitting=("family-planning",),
         absent=("alupse", "one-psychologist", "therapeutic-service-youth-solidarity",
                 "alternatives-pro-familia", "children-domestic-violence")),

    # --- the age buttons of the flows (AGE_BANDS) -------------------------------------------
    case("band-12-dpi-mental-health", "me", "12", DPI, MENTAL,
         seed="001:79 (13-18: outside); 001:67 (from 12: inside); "
              "001:76 (3-18); 001:83 (under 18); 001:81",
         fitting=("cepas", "children-domestic-violence", "alternatives-pro-familia", "alupse"),
         absent=("therapeutic-service-youth-solidarity",)),
    case("band-13-15-dpi-mental-health", "me", "13-15", DPI, MENTAL,
         seed="001:79 (13-18: inside); 001:67 (from 12: inside); 001:76 (3-18); 001:83",
         fitting=("cepas", "therapeutic-service-youth-solidarity", "children-domestic-violence",
                  "alternatives-pro-familia", "alupse")),
    case("band-18-bpi-mental-health", "me", "18", BPI, MENTAL,
         seed="001:76 (3-18) and 001:79 (13-18): inside; 001:83 (under 18): outside; "
              "001:81 (up to 21) and 001:87 (3-27): inside",
         fitting=("alupse", "one-psychologist", "children-domestic-violence",
                  "therapeutic-service-youth-solidarity"),
         absent=("alternatives-pro-familia",)),
    case("band-19-21-bpi-mental-health", "me", "19-21", BPI, MENTAL,
         seed="001:76 (3-18) and 001:79 (13-18): outside; 001:83 (under 18): outside; "
              "001:81 (up to 21) and 001:87 (3-27): inside",
         fitting=("alupse", "one-psychologist"),
         absent=("alternatives-pro-familia", "children-domestic-violence",
                 "therapeutic-service-youth-solidarity")),
    case("band-65-plus-bpi-mental-health", "me", "65-120", BPI, MENTAL,
         seed="001:74 (no age); 001:81; 001:87; 001:79; 001:83; 001:76",
         fitting=("family-planning",),
         absent=("alupse", "one-psychologist", "therapeutic-service-youth-solidarity",
                 "alternatives-pro-familia", "children-domestic-violence")),
    case("band-0-2-child-psychologist", "child", "0-2", DPI, MENTAL,
         seed="001:87-88 (3 to 27; under 3 referred elsewhere)",
         absent=("one-psychologist",)),
    case("band-3-8-child-psychologist", "child", "3-8", DPI, MENTAL,
         seed="001:87 (3 to 27); 001:76 (3-18); 001:83; 001:81",
         fitting=("one-psychologist", "children-domestic-violence", "alternatives-pro-familia",
                  "alupse")),
    case("band-16-17-dpi-housing", "me", "16-17", DPI, HOUSING,
         seed="001:119, 123 (16 to a maximum of 27: inside); 003:159 (ONA houses DPI and BPT)",
         fitting=("one-semi-independent-living", "ona-accommodation")),
    case("band-22-27-bpi-housing", "me", "22-27", BPI, HOUSING,
         seed="001:119, 123 (16 to a maximum of 27: inside)",
         fitting=("one-semi-independent-living",)),
    case("band-28-64-bpt-housing", "me", "28-64", BPT, HOUSING,
         seed="001:119, 123 (16-27: outside); 003:159 (ONA houses BPT)",
         fitting=("ona-accommodation",),
         absent=("one-semi-independent-living",)),
    case("band-3-8-child-early-intervention", "child", "3-8", DPI, DEVELOPMENT,
         seed="001:5 (0 to 8: the band is inside); 001:94-95 (children)",
         fitting=("one-development-therapies", "one-early-intervention")),
    case("band-9-11-child-early-intervention", "child", "9-11", DPI, DEVELOPMENT,
         seed="001:5 (0 to 8: the band is outside); 001:94-95 (children)",
         fitting=("one-development-therapies",),
         absent=("one-early-intervention",)),
    case("band-0-2-child-care-under-3", "child", "0-2", BPT, FAMILY,
         seed="001:112 (children under the age of 3)",
         fitting=("one-care-under-3",)),
    case("band-3-8-child-care-under-3", "child", "3-8", BPT, FAMILY,
         seed="001:112 (under 3: the band is outside)",
         absent=("one-care-under-3",)),
    case("band-28-64-parent-children-family", "me", "28-64", BPI, FAMILY,
         seed="001:112 (children under 3) and 001:57 (0-27, the whole family, 001:58): "
              "offered to the parent; 001:7 (regional offices, no age)",
         fitting=("one-regional-offices",),
         conditional={"one-care-under-3": "parent", "one-family-assistance": "parent"}),

    # --- housing: semi-independent living 16-27 (001:119, 123), ONA (003:159) --------------
    case("15-dpi-semi-independent-too-young", "me", 15, DPI, HOUSING,
         seed="001:119 (from 16); 003:159 (ONA: DPI)",
         fitting=("ona-accommodation",),
         absent=("one-semi-independent-living",)),
    case("16-bpi-semi-independent-first-year", "me", 16, BPI, HOUSING,
         seed="001:119 (between 16 and a maximum of 27, 16 included)",
         fitting=("one-semi-independent-living",)),
    case("27-tcn-semi-independent-last-year", "me", 27, TCN, HOUSING,
         seed="001:119 (a maximum of 27, 27 included); 003:159 (ONA: DPI and BPT only); "
              "003:284 and 264 (CONCORDE, Crafted Pathways: over)",
         fitting=("one-semi-independent-living",),
         absent=("ona-accommodation", "amif-concorde", "amif-crafted-pathways")),
    case("28-dpi-housing-ona", "me", 28, DPI, HOUSING,
         seed="001:119 (maximum 27); 003:159 (ONA houses DPI); 003:284, 264 (over)",
         fitting=("ona-accommodation",),
         absent=("one-semi-independent-living", "amif-concorde", "amif-crafted-pathways"),
         widened=False),
    case("30-bpt-housing-ona", "me", 30, BPT, HOUSING,
         seed="003:159 (ONA houses DPI and BPT); 001:119 (16-27)",
         fitting=("ona-accommodation",),
         absent=("one-semi-independent-living",),
         widened=False),
    case("16-mna-housing", "me", 16, MNA, HOUSING,
         seed="001:119 (16-27, any status); 003:159 (ONA names applicants: an unaccompanied "
              "minor only 'status')",
         fitting=("one-semi-independent-living",),
         conditional={"ona-accommodation": "status"}),
    case("40-no-papers-housing", "me", 40, NO_PAPERS, HOUSING,
         seed="003:159 (ONA: DPI and BPT); 001:119 (16-27)",
         absent=("ona-accommodation", "one-semi-independent-living")),
    case("unknown-age-dpi-housing", "me", None, DPI, HOUSING,
         seed="001:119 (16-27: the age is unknown); 003:159",
         fitting=("ona-accommodation",),
         conditional={"one-semi-independent-living": "age"}),

    # --- child development: early intervention 0-8 (001:5) ---------------------------------
    case("child-8-early-intervention-last-year", "child", 8, DPI, DEVELOPMENT,
         seed="001:5 (children aged 0 to 8, 8 included); 001:94-95 (your child)",
         fitting=("one-early-intervention", "one-development-therapies")),
    case("child-9-early-intervention-too-old", "child", 9, DPI, DEVELOPMENT,
         seed="001:5 (0 to 8); 001:94-95 (your child)",
         fitting=("one-development-therapies",),
         absent=("one-early-intervention",)),
    case("child-0-no-papers-early-intervention", "child", 0, NO_PAPERS, DEVELOPMENT,
         seed="001:5 (0 to 8, no status named)",
         fitting=("one-early-intervention",)),
    case("40-bpi-development-not-a-child", "me", 40, BPI, DEVELOPMENT,
         seed="001:5 (0 to 8); 001:94-95 (babies and children: under 18)",
         absent=("one-early-intervention", "one-development-therapies")),

    # --- children and family: care under 3 (001:112), reception centre from 3 (001:116) -----
    case("child-2-unknown-status-care-under-3", "child", 2, UNKNOWN, FAMILY,
         seed="001:112 (children under 3, no status named)",
         fitting=("one-care-under-3",)),
    case("child-3-care-under-3-too-old", "child", 3, UNKNOWN, FAMILY,
         seed="001:112 (under the age of 3: up to 2)",
         absent=("one-care-under-3",)),
    case("child-2-dpi-reception-centre-too-young", "child", 2, DPI, FAMILY,
         seed="001:116 (children from the age of 3); 001:112 (under 3)",
         fitting=("one-care-under-3",),
         absent=("one-reception-centre",)),
    case("child-2-no-papers-care-under-3", "child", 2, NO_PAPERS, FAMILY,
         seed="001:112 (under 3, no status named); 001:7 (regional offices)",
         fitting=("one-care-under-3", "one-regional-offices")),
    case("child-8-dpi-maisons-relais", "child", 8, DPI, FAMILY,
         seed="000:13 (children from migrant backgrounds); 000:14 (SEAI, children); "
              "003:104 (Racines: residents of reception structures)",
         fitting=("redcross-maisons-relais", "redcross-seai"),
         conditional={"amif-racines": "reception_residents"}),

    # --- parents asking for their children ------------------------------------------------
    case("35-dpi-parent-children-family", "me", 35, DPI, FAMILY,
         seed="001:7 (regional offices, no age); 001:45-47 (CPI: your family situation); "
              "001:48-50 (socio-familial help for families); 001:40 (parenting forums); "
              "001:57-58 (0-27, the whole family); 001:112 (under 3); 003:149 (to age 3); "
              "003:104 (Racines: residents of reception structures)",
         fitting=("one-regional-offices", "one-cpi", "one-socio-familial-assistance",
                  "one-parenting-forums"),
         conditional={"one-family-assistance": "parent", "one-care-under-3": "parent",
                      "amif-parentalite-alupse": "parent",
                      "amif-racines": "reception_residents"}),
    case("35-bpt-parent-in-esch", "me", 35, BPT, FAMILY,
         seed="001:7 (fourteen regional offices, no age), 001:12-13 (Esch-sur-Alzette)",
         fitting=("one-regional-offices",),
         place=ESCH,
         nearest={"one-regional-offices": "Esch-sur-Alzette"}),
    case("42-bpi-parent-in-wiltz", "me", 42, BPI, FAMILY,
         seed="001:7 (regional offices, no age), 001:25-26 (Wiltz)",
         fitting=("one-regional-offices",),
         place=WILTZ,
         nearest={"one-regional-offices": "Wiltz"}),
    case("family-unknown-age-dpi-children-family", "family", None, DPI, FAMILY,
         seed="001:7 (regional offices, no age); 001:112 (under 3: the age is unknown); "
              "003:104 (Racines)",
         fitting=("one-regional-offices",),
         conditional={"one-care-under-3": "age", "amif-racines": "reception_residents"}),
    case("child-5-not-parentalite", "child", 5, DPI, FAMILY,
         seed="003:149 (from the 20th week of pregnancy to the child's 3 years)",
         absent=("amif-parentalite-alupse", "one-care-under-3")),
    case("child-8-bpi-not-racines", "child", 8, BPI, FAMILY,
         seed="003:98, 104 (Racines: families of DPI/BPT, not beneficiaries of international "
              "protection)",
         absent=("amif-racines",)),

    # --- pregnancy and baby: Alupse parenting project 003:141-151 ---------------------------
    case("child-2-dpi-parentalite", "child", 2, DPI, BABY,
         seed="003:149 (to the child's 3 years), 003:151 (DPI); 003:29 (workshops: 2023)",
         fitting=("amif-parentalite-alupse",),
         absent=("amif-ateliers-naissance",)),
    case("child-4-parentalite-too-old", "child", 4, DPI, BABY,
         seed="003:149 (jusqu'aux 3 ans de l'enfant né)",
         absent=("amif-parentalite-alupse",)),
    case("30-dpi-pregnant-parent", "me", 30, DPI, BABY,
         seed="003:149 (from the 20th week of pregnancy; the limits are the child's age), "
              "003:151 (DPI); 003:29 (2023: over)",
         conditional={"amif-parentalite-alupse": "parent"},
         absent=("amif-ateliers-naissance",)),
    case("30-bpi-pregnant-not-parentalite", "me", 30, BPI, BABY,
         seed="003:151 (cette population DPI)",
         absent=("amif-parentalite-alupse", "amif-ateliers-naissance")),
    case("30-tcn-pregnant-not-parentalite", "me", 30, TCN, BABY,
         seed="003:151 (cette population DPI)",
         absent=("amif-parentalite-alupse",)),
    case("child-2-unknown-status-parentalite", "child", 2, UNKNOWN, BABY,
         seed="003:151 (DPI only: the person did not say)",
         conditional={"amif-parentalite-alupse": "status"}),

    # --- women-only services (003:117, 133) -----------------------------------------------
    case("16-dpi-boy-women-violence", "me", 16, DPI, VIOLENCE,
         seed="003:133 (Passerell: women residing in ONA structures)",
         conditional={"amif-passerell-womens-rights": "women"}),
    case("16-tcn-boy-work", "me", 16, TCN, WORK,
         seed="003:117 (Coup de pouce: women of immigrant background); "
              "003:326 (PARLE: REVIS beneficiaries)",
         conditional={"amif-coup-de-pouce": "women", "amif-parle": "revis"}),
    case("16-bpt-boy-language", "me", 16, BPT, LANGUAGE,
         seed="003:117 (women); 003:326 (REVIS); 003:104 (Racines: reception residents)",
         conditional={"amif-coup-de-pouce": "women", "amif-parle": "revis",
                      "amif-racines": "reception_residents"}),
    case("30-dpi-women-violence", "me", 30, DPI, VIOLENCE,
         seed="003:133 (women); 001:81 (up to 21); 001:83 (under 18); 001:76 (3-18)",
         conditional={"amif-passerell-womens-rights": "women"},
         absent=("alupse", "alternatives-pro-familia", "children-domestic-violence")),
    case("45-no-papers-women-violence", "me", 45, NO_PAPERS, VIOLENCE,
         seed="003:133 (women); 001:81; 001:83",
         conditional={"amif-passerell-womens-rights": "women"},
         absent=("alupse", "alternatives-pro-familia")),

    # --- language and school ----------------------------------------------------------------
    case("45-bpi-language-not-maisons-relais", "me", 45, BPI, LANGUAGE,
         seed="000:13 (Maisons Relais: children); 003:98 (Racines: DPI/BPT); 003:326 (REVIS); "
              "003:117 (women); 003:48 (Chrysalis: over)",
         absent=("redcross-maisons-relais", "amif-racines", "amif-chrysalis"),
         conditional={"amif-parle": "revis", "amif-coup-de-pouce": "women",
                      "sepas": "pupils"}),
    case("child-8-dpi-language", "child", 8, DPI, LANGUAGE,
         seed="003:104 (Racines: children in reception structures); 001:72 (SePAS: schools)",
         absent=("amif-chrysalis",),
         conditional={"amif-racines": "reception_residents", "sepas": "pupils"}),

    # --- work ------------------------------------------------------------------------------
    case("30-dpi-work", "me", 30, DPI, WORK,
         seed="000:4, 6 (SMR for applicants: access to employment); 003:75-76, 66, 264, 284, "
              "272 (over); 003:326 (REVIS); 003:117 (women)",
         fitting=("redcross-smr-employment",),
         absent=("amif-apes", "amif-inclusion-plus", "amif-crafted-pathways", "amif-concorde",
                 "amif-road4refugee"),
         conditional={"amif-parle": "revis", "amif-coup-de-pouce": "women"}),
    case("30-bpi-work", "me", 30, BPI, WORK,
         seed="000:7-8 (LISKO once protection is granted: the labour market); "
              "000:4 (SMR: applicants); 003:272 (over); 003:326 (REVIS)",
         fitting=("redcross-lisko",),
         absent=("redcross-smr-employment", "amif-road4refugee"),
         conditional={"amif-parle": "revis"}),
    case("25-bpt-work", "me", 25, BPT, WORK,
         seed="000:4 (SMR: applicants); 000:7 (LISKO: international protection granted); "
              "003:326, 288 (PARLE: third-country nationals on REVIS); 003:117",
         absent=("redcross-smr-employment", "redcross-lisko"),
         conditional={"amif-parle": "revis", "amif-coup-de-pouce": "women"}),
    case("40-no-papers-work", "me", 40, NO_PAPERS, WORK,
         seed="000:4 (SMR: applicants); 000:7 (LISKO: beneficiaries); 003:326 (REVIS)",
         absent=("redcross-smr-employment", "redcross-lisko"),
         conditional={"amif-parle": "revis"}),
    case("30-unknown-status-work", "me", 30, UNKNOWN, WORK,
         seed="000:4 (SMR: applicants); 000:7 (LISKO: beneficiaries): named statuses only",
         conditional={"redcross-smr-employment": "status", "redcross-lisko": "status",
                      "amif-parle": "revis"}),

    # --- legal and admin information ------------------------------------------------------
    case("34-dpi-legal", "me", 34, DPI, LEGAL,
         seed="003:184-188 (Refugees Service registers applications and informs applicants); "
              "000:4-5 (SMR: administrative procedures for applicants); 003:366, 378 + 288; "
              "003:380, 392, 283 (over)",
         fitting=("immigration-refugees-service", "redcross-smr", *DESKS),
         absent=("amif-guichet-asti-2023", "amif-guichet-clae-2023", "amif-concorde",
                 "amif-road4refugee"),
         widened=False),
    case("40-bpt-legal-comm1-desks", "me", 40, BPT, LEGAL,
         seed="003:288 (third-country nationals include DPT/BPT) + 003:366, 378 (COMM1); "
              "000:4 (SMR: applicants); 000:7 (LISKO: international protection)",
         fitting=DESKS,
         absent=("redcross-smr", "redcross-lisko", "amif-concorde"),
         widened=False),
    case("30-bpi-legal", "me", 30, BPI, LEGAL,
         seed="000:7-8 (LISKO: access to rights); 003:288 + 366, 378; 000:4 (SMR: applicants); "
              "003:272 (over)",
         fitting=("redcross-lisko", *DESKS),
         absent=("redcross-smr", "amif-road4refugee")),
    case("17-mna-legal", "me", 17, MNA, LEGAL,
         seed="003:288 + 366, 378 (desks, no age); 003:184-188 and 000:4 (for applicants: an "
              "unaccompanied minor only 'status')",
         fitting=DESKS,
         conditional={"immigration-refugees-service": "status", "redcross-smr": "status"}),
    case("40-no-papers-legal", "me", 40, NO_PAPERS, LEGAL,
         seed="003:288 + 366, 378 (third-country nationals); 000:4 (SMR: applicants); "
              "000:7 (LISKO: beneficiaries)",
         fitting=DESKS,
         absent=("redcross-smr", "redcross-lisko")),
    case("30-tcn-legal", "me", 30, TCN, LEGAL,
         seed="003:366, 378 (third-country nationals); 000:4 (SMR: applicants)",
         fitting=DESKS,
         absent=("redcross-smr", "immigration-refugees-service")),
    case("30-unknown-status-legal", "me", 30, UNKNOWN, LEGAL,
         seed="003:366, 378 (third-country nationals: a named status); 000:4; 003:184-188",
         conditional={"amif-comm1-clae": "status", "amif-comm1-asti": "status",
                      "redcross-smr": "status", "immigration-refugees-service": "status"}),

    # --- discrimination: every project is over, so the bot widens ------------------------
    case("30-bpi-discrimination-widened", "me", 30, BPI, DISCRIMINATION,
         seed="003:343 (BHM: October 2025 and 2026, over); 003:290, 194, 227 (over); "
              "003:288 + 366, 378 (desks)",
         fitting=DESKS,
         absent=("amif-bhm-2025-2026", "amif-bhm-2024", "amif-padem-antiracism",
                 "amif-sustainable-stereotypes"),
         widened=True),
    case("16-dpi-discrimination-widened", "me", 16, DPI, DISCRIMINATION,
         seed="003:343 (over); 003:194, 227 (over)",
         absent=("amif-bhm-2025-2026", "amif-padem-antiracism", "amif-sustainable-stereotypes"),
         widened=True),
    case("50-unknown-status-discrimination-widened", "me", 50, UNKNOWN, DISCRIMINATION,
         seed="003:343 (over); 003:366, 378 (third-country nationals: a named status)",
         absent=("amif-bhm-2025-2026", "amif-bhm-2024"),
         conditional={"amif-comm1-clae": "status", "amif-comm1-asti": "status"},
         widened=True),
    case("45-tcn-discrimination-widened", "me", 45, TCN, DISCRIMINATION,
         seed="003:343, 290, 194, 227 (over); 003:366, 378",
         fitting=DESKS,
         absent=("amif-bhm-2025-2026", "amif-sustainable-stereotypes"),
         widened=True),

    # --- meeting people -----------------------------------------------------------------
    case("30-dpi-leisure", "me", 30, DPI, LEISURE,
         seed="000:4-5 (SMR organises leisure activities for applicants); 003:58, 35, 48, 66, "
              "343, 290 (over)",
         fitting=("redcross-smr",),
         absent=("amif-zougang", "amif-motiro", "amif-chrysalis", "amif-inclusion-plus",
                 "amif-bhm-2025-2026", "amif-bhm-2024")),
    case("30-bpi-leisure", "me", 30, BPI, LEISURE,
         seed="000:4 (SMR: applicants); 003:58, 343 (over)",
         absent=("redcross-smr", "amif-zougang", "amif-bhm-2025-2026")),

    # --- finding family -------------------------------------------------------------------
    case("30-dpi-family-tracing", "me", 30, DPI, TRACING,
         seed="000:6 (restoring family links, a task of the SMR); 000:4 (SMR: applicants)",
         fitting=("redcross-family-links",)),
    case("30-bpi-family-tracing-widened", "me", 30, BPI, TRACING,
         seed="000:4, 6 (the SMR, and its family links, are for applicants)",
         absent=("redcross-family-links",), widened=True),
    case("16-mna-family-tracing", "me", 16, MNA, TRACING,
         seed="000:4, 6 (for applicants: an unaccompanied minor may be one)",
         conditional={"redcross-family-links": "status"}),

    # --- going home voluntarily (IOM, 003:429; earlier projects over) ----------------------
    case("40-no-papers-voluntary-return", "me", 40, NO_PAPERS, RETURN,
         seed="003:429 (applicants and migrants in an irregular situation); 003:406-407, "
              "416-417 (over)",
         fitting=("amif-iom-avr",),
         absent=("amif-iom-avr-2021", "amif-iom-avr-2022-2024"),
         widened=False),
    case("30-dpi-voluntary-return", "me", 30, DPI, RETURN,
         seed="003:429 (applicants, in the procedure or told to leave)",
         fitting=("amif-iom-avr",),
         absent=("amif-iom-avr-2021", "amif-iom-avr-2022-2024")),
    case("30-bpi-voluntary-return-widened", "me", 30, BPI, RETURN,
         seed="003:429 (applicants and irregular migrants only)",
         absent=("amif-iom-avr", "amif-iom-avr-2021", "amif-iom-avr-2022-2024"),
         widened=True),
    case("30-tcn-voluntary-return-widened", "me", 30, TCN, RETURN,
         seed="003:429 (applicants and irregular migrants only)",
         absent=("amif-iom-avr",),
         widened=True),
    case("16-mna-voluntary-return", "me", 16, MNA, RETURN,
         seed="003:429 (applicants: an unaccompanied minor only 'status')",
         conditional={"amif-iom-avr": "status"}),
    case("30-unknown-status-voluntary-return", "me", 30, UNKNOWN, RETURN,
         seed="003:429 (named statuses only)",
         conditional={"amif-iom-avr": "status"}),
]
# fmt: on


# --- helpers ---------------------------------------------------------------------------------


@cache
def catalogue_index() -> CatalogIndex:
    return CatalogIndex(load_catalog(bundled_catalog_path()))


def make_profile(
    who: str | None,
    band: tuple[int, int] | None,
    status: Status | None,
    need: Need | None,
    place: tuple[float, float] | None = None,
) -> Profile:
    """A Profile; `who` is passed only when the Profile of the code under test has it."""
    fields: dict[str, Any] = {"need": need, "status": status, "language": "en"}
    if band is not None:
        fields["age"], fields["age_max"] = band
    if place is not None:
        fields["latitude"], fields["longitude"] = place
    if "who" in Profile.model_fields:
        fields["who"] = who
    return Profile(**fields)


def conditions_of(match: Any) -> set[str]:
    return {str(code) for code in getattr(match, "conditions", ())}


def was_widened(result: Any) -> bool:
    widened = getattr(result, "widened", None)
    return not result.exact if widened is None else bool(widened)


def serves_status(service: Service, status: Status | None) -> bool:
    """Whether the service's stated statuses serve the person (003:288 for TCN)."""
    statuses = set(service.statuses)
    if Status.ANY in statuses:
        return True
    if status is None:  # "I don't know": only a service open to every status fits
        return False
    return status in statuses or Status.THIRD_COUNTRY_NATIONAL in statuses


def parent_applies(service: Service, who: str | None, need: Need | None) -> bool:
    """The service's limits are the child's age and a parent asks about children or a baby."""
    age_of = str(getattr(service, "age_of", "person"))
    return age_of == "child" and who == "me" and need in (FAMILY, BABY)


def limit_problems(
    match: Any,
    who: str | None,
    band: tuple[int, int] | None,
    status: Status | None,
    need: Need | None,
) -> list[str]:
    """What is wrong with offering this match to this person, by the service's stated limits."""
    service: Service = match.service
    codes = conditions_of(match)
    problems: list[str] = []
    if not service.is_current(TODAY):
        problems.append("is not current on the day")
    if not serves_status(service, status) and "status" not in codes:
        statuses = [str(s) for s in service.statuses]
        problems.append(f"is for {statuses}, not {status}, and has no 'status' condition")
    for audience in getattr(service, "audience", ()):
        if str(audience) == "young_people" and band is not None and band[1] < 18:
            continue  # a minor is a young person: nothing left to confirm
        if str(audience) not in codes:
            problems.append(f"is for {audience} only but has no '{audience}' condition")
    if "parent" in codes and not parent_applies(service, who, need):
        problems.append("carries 'parent' but is not a child's-age service asked by a parent")
    age = service.age
    if age is not None and (age.min is not None or age.max is not None):
        low = age.min if age.min is not None else 0
        high = age.max if age.max is not None else 200
        limits = f"ages {age.min}-{age.max}"
        if band is None:
            if not codes & {"age", "parent"}:
                problems.append(f"has {limits}, the age is unknown, and no 'age' condition")
        elif band[1] < low or band[0] > high:
            if not ("parent" in codes and parent_applies(service, who, need)):
                problems.append(f"has {limits}, entirely outside the age band {band}")
        elif not (low <= band[0] and band[1] <= high) and not codes & {"age", "parent"}:
            problems.append(f"has {limits}, only partly covering {band}, and no 'age' condition")
    return [f"{service.id} {problem}" for problem in problems]


# --- the table -------------------------------------------------------------------------------


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 80


def test_every_service_the_table_names_is_in_the_catalogue() -> None:
    """A typo in `absent` would make a row pass for nothing; new services must be there."""
    known = {service.id for service in catalogue_index().catalog.services}
    named: set[str] = set(EXPIRED)
    for param in TABLE:
        row: Row = param.values[0]
        named |= {*row.fitting, *row.absent, *row.conditional, *row.nearest}
    assert not named - known, f"not in the catalogue: {sorted(named - known)}"


@pytest.mark.parametrize("row", TABLE)
def test_table(row: Row) -> None:
    profile = make_profile(row.who, row.band, row.status, row.need, row.place)
    result = catalogue_index().match(profile, TODAY)
    offered = {match.service.id: match for match in result.matches}
    problems: list[str] = []
    for ident in row.fitting:
        if ident not in offered:
            problems.append(f"{ident} must be offered as fitting, but is not offered")
        elif codes := conditions_of(offered[ident]):
            problems.append(f"{ident} must be offered as fitting, but carries {sorted(codes)}")
    for ident in row.absent:
        if ident in offered:
            problems.append(f"{ident} must not be offered")
    for ident, code in row.conditional.items():
        if ident in offered and code not in conditions_of(offered[ident]):
            codes = sorted(conditions_of(offered[ident]))
            problems.append(f"{ident} may be offered only with '{code}', but carries {codes}")
    for ident, city in row.nearest.items():
        if ident in offered and offered[ident].locations[0].city != city:
            problems.append(f"{ident}: the first office should be in {city}")
    for ident in sorted(set(EXPIRED) & set(offered) - set(row.absent)):
        problems.append(f"{ident} is over ({EXPIRED[ident]}) but offered")
    if row.widened is True:
        if not was_widened(result):
            problems.append("nothing fits this need: the answer should say it widened")
        for match in result.matches:
            problems += limit_problems(match, row.who, row.band, row.status, row.need)
    elif row.widened is False and (not result.exact or was_widened(result)):
        problems.append("an exact answer exists for this need, but the answer widened")
    first = [m.service.id for m in result.matches[:8]]
    report = "\n  ".join(problems)
    assert not problems, f"seed {row.seed}\n  {report}\n  offered first: {first}"


# --- every random profile --------------------------------------------------------------------

NEED_CHOICES = [Need(option.id) for option in NEEDS]
STATUS_CHOICES: list[Status | None] = [None, *(s for s in Status if s is not Status.ANY)]
WHO_CHOICES = ["me", "child", "family"]
AGES = st.one_of(
    st.integers(min_value=0, max_value=90).map(lambda age: (age, age)),
    st.sampled_from([(band.min, band.max) for band in AGE_BANDS]),
)


@settings(max_examples=300, deadline=None)
@given(
    who=st.sampled_from(WHO_CHOICES),
    band=AGES,
    status=st.sampled_from(STATUS_CHOICES),
    need=st.sampled_from(NEED_CHOICES),
)
def test_no_offered_service_excludes_the_profile(
    who: str, band: tuple[int, int] | None, status: Status | None, need: Need
) -> None:
    result = catalogue_index().match(make_profile(who, band, status, need), TODAY)
    problems: list[str] = []
    for match in result.matches:
        problems += limit_problems(match, who, band, status, need)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("band", AGE_BANDS, ids=lambda band: band.id)
def test_age_buttons_never_mislead(band: Any) -> None:
    """For every button and every service offered for it, the band is inside the service's
    age limits, or the card states the condition ("age", or "parent" for a parent)."""
    problems: set[str] = set()
    for who in WHO_CHOICES:
        for status in STATUS_CHOICES:
            for need in NEED_CHOICES:
                profile = make_profile(who, (band.min, band.max), status, need)
                for match in catalogue_index().match(profile, TODAY).matches:
                    age = match.service.age
                    if age is None:
                        continue
                    low = age.min if age.min is not None else 0
                    high = age.max if age.max is not None else 200
                    inside = low <= band.min and band.max <= high
                    if not inside and not conditions_of(match) & {"age", "parent"}:
                        problems.add(f"{match.service.id} (ages {age.min}-{age.max})")
    assert not problems, "offered for this button with no 'age' condition:\n" + "\n".join(
        sorted(problems)
    )


@pytest.mark.parametrize("band", AGE_BANDS, ids=lambda band: band.id)
def test_no_age_button_straddles_a_limit_of_the_bundled_catalogue(band: Any) -> None:
    """Stronger than the rule above, for the bundled file: a tapped button never needs the
    'age' condition, because the buttons break where the catalogue's limits do."""
    across = []
    for service in catalogue_index().catalog.services:
        age = service.age
        if age is None:
            continue
        low = age.min if age.min is not None else 0
        high = age.max if age.max is not None else 200
        overlaps = band.min <= high and band.max >= low
        inside = low <= band.min and band.max <= high
        if overlaps and not inside:
            across.append(f"{service.id} (ages {age.min}-{age.max})")
    assert not across, f"button {band.id} straddles: {across}"


def test_every_condition_is_stated_on_the_card() -> None:
    """The card of a match with conditions says each one, in words, and never 'fits your
    age' when the age was not confirmed."""
    from bot.flows.cards import card
    from bot.flows.model import Answers
    from bot.i18n import Translators

    tr = Translators()["en"]
    seen: set[str] = set()
    for who in WHO_CHOICES:
        for status in STATUS_CHOICES:
            for need in NEED_CHOICES:
                for band in [None, (2, 2), (16, 16), (35, 35)]:
                    profile = make_profile(who, band, status, need)
                    answers = Answers(
                        who=who,
                        age_min=band[0] if band else None,
                        age_max=band[1] if band else None,
                        status=status.value if status else "unknown",
                        need=need.value,
                    )
                    for match in catalogue_index().match(profile, TODAY).matches:
                        codes = conditions_of(match)
                        text = "\n".join(card(tr, match, answers, TODAY))
                        for code in codes:
                            seen.add(code)
                            assert CARD_WORDS[code] in text, (match.service.id, code, text)
                        if codes - {"parent"}:
                            assert "✅" not in text, (match.service.id, text)
                        if "age" in codes or "parent" in codes:
                            assert "your age" not in text, (match.service.id, text)
    assert {"age", "status", "women"} <= seen


CARD_WORDS = {
    "women": "Only for women.",
    "young_people": "Only for young people.",
    "pupils": "Only for pupils",
    "reception_residents": "Only for people living in a reception centre.",
    "revis": "REVIS",
    "age": "Age limit:",
    "parent": "For you as a parent",
    "status": "Only for ",
}
