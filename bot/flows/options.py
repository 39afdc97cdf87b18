"""The answers a person can pick, as plain data. Labels are msgids, translated at render time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.model import Need, Status
from bot.i18n import N_


@dataclass(frozen=True)
class Option:
    """One answer: a stable id (stored, sent in buttons), its label, and a hint in the
    first person (`hint`) and for someone else (`hint_other`)."""

    id: str
    label: str
    hint: str = ""
    icon: str = ""
    hint_other: str = ""


WHO = (
    Option("me", N_("Me")),
    Option("child", N_("My child")),
    Option("family", N_("Someone in my family")),
)


@dataclass(frozen=True)
class AgeBand:
    id: str
    label: str
    min: int
    max: int


# Each band lies inside or outside every age limit of the bundled catalogue (limits at
# 2/3, 8/9, 12/13, 17/18, 18/19, 21/22, 27/28), so tapping a band never offers a service
# for only part of it; tests/test_eligibility.py checks this. A limit a new entry adds
# across a band shows its exact condition on the card.
AGE_BANDS = (
    AgeBand("0-2", N_("Under 3"), 0, 2),
    AgeBand("3-8", N_("3 to 8"), 3, 8),
    AgeBand("9-11", N_("9 to 11"), 9, 11),
    AgeBand("12", N_("Age 12"), 12, 12),
    AgeBand("13-15", N_("13 to 15"), 13, 15),
    AgeBand("16-17", N_("16 or 17"), 16, 17),
    AgeBand("18", N_("Age 18"), 18, 18),
    AgeBand("19-21", N_("19 to 21"), 19, 21),
    AgeBand("22-27", N_("22 to 27"), 22, 27),
    AgeBand("28-64", N_("28 to 64"), 28, 64),
    AgeBand("65-120", N_("65 or older"), 65, 120),
)

# The person's answer "I don't know" is stored as this id and matches every status.
UNKNOWN_STATUS = "unknown"

# Each label carries what sets it apart: many applicants call themselves "refugee", so the
# applicant's label says they wait for a decision and the refugee's that protection was given.
STATUSES = (
    Option(
        Status.ASYLUM_APPLICANT,
        N_("Asylum applicant (waiting for decision)"),
        N_("I applied for asylum and am waiting for a decision."),
        hint_other=N_("They applied for asylum and are waiting for a decision."),
    ),
    Option(
        Status.INTERNATIONAL_PROTECTION,
        N_("Refugee (protection granted)"),
        N_("I was granted international protection (refugee or subsidiary protection)."),
        hint_other=N_(
            "They were granted international protection (refugee or subsidiary protection)."
        ),
    ),
    Option(
        Status.TEMPORARY_PROTECTION,
        N_("Temporary protection"),
        N_("I have temporary protection, for example after fleeing the war in Ukraine."),
        hint_other=N_(
            "They have temporary protection, for example after fleeing the war in Ukraine."
        ),
    ),
    Option(
        Status.UNACCOMPANIED_MINOR,
        N_("Under 18, without parents"),
        N_("I am under 18 and came to Luxembourg without my parents."),
        hint_other=N_("They are under 18 and came to Luxembourg without their parents."),
    ),
    Option(
        Status.NO_PAPERS,
        N_("No papers / told to leave"),
        N_("I have no residence papers, or I was told to leave the country."),
        hint_other=N_("They have no residence papers, or they were told to leave the country."),
    ),
    Option(
        Status.THIRD_COUNTRY_NATIONAL,
        N_("Other"),
        N_("I came from outside the EU for another reason, for example work or family."),
        hint_other=N_(
            "They came from outside the EU for another reason, for example work or family."
        ),
    ),
    Option(
        UNKNOWN_STATUS,
        N_("I don't know"),
        N_("I am not sure. You will see the services open to everyone."),
        hint_other=N_("You are not sure. You will see the services open to everyone."),
    ),
)

NEEDS = (
    Option(Need.MENTAL_HEALTH, N_("Mental health"), icon="🧠"),
    Option(Need.CHILDREN_FAMILY, N_("Children and family"), icon="👪"),
    Option(Need.PREGNANCY_BABY, N_("Pregnancy and baby"), icon="🤰"),
    Option(Need.DEVELOPMENT_DISABILITY, N_("Child development"), icon="🧩"),
    Option(Need.WORK, N_("Work"), icon="💼"),
    Option(Need.LANGUAGE_SCHOOL, N_("Language and school"), icon="📚"),
    Option(Need.LEGAL_ADMIN, N_("Legal and admin info"), icon="📄"),
    Option(Need.HOUSING, N_("Housing"), icon="🏠"),
    Option(Need.WOMEN_VIOLENCE, N_("Women's rights, violence"), icon="🛡️"),
    Option(Need.DISCRIMINATION, N_("Discrimination"), icon="⚖️"),
    Option(Need.LEISURE_SOCIAL, N_("Meeting people"), icon="🤝"),
    Option(Need.FAMILY_TRACING, N_("Finding family"), icon="🔎"),
    Option(Need.VOLUNTARY_RETURN, N_("Going home voluntarily"), icon="✈️"),
)

# Regions offered as buttons on the place step; each names a town of the gazetteer.
REGIONS = (
    Option("Luxembourg", N_("Luxembourg City")),
    Option("Esch-sur-Alzette", N_("South (Esch)")),
    Option("Ettelbruck", N_("Centre-North (Ettelbruck)")),
    Option("Wiltz", N_("North (Wiltz)")),
    Option("Grevenmacher", N_("East (Grevenmacher)")),
    Option("Redange", N_("West (Redange)")),
)

SKIP_PLACE = "skip"
