"""The answers a person can pick, as plain data. Labels are msgids, translated at render time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.model import Need, Status
from bot.i18n import N_


@dataclass(frozen=True)
class Option:
    """One answer: a stable id (stored, sent in buttons) and its label."""

    id: str
    label: str
    hint: str = ""
    icon: str = ""


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


AGE_BANDS = (
    AgeBand("0-2", N_("Under 3"), 0, 2),
    AgeBand("3-5", N_("3 to 5"), 3, 5),
    AgeBand("6-11", N_("6 to 11"), 6, 11),
    AgeBand("12-15", N_("12 to 15"), 12, 15),
    AgeBand("16-17", N_("16 or 17"), 16, 17),
    AgeBand("18-21", N_("18 to 21"), 18, 21),
    AgeBand("22-27", N_("22 to 27"), 22, 27),
    AgeBand("28-64", N_("28 to 64"), 28, 64),
    AgeBand("65-120", N_("65 or older"), 65, 120),
)

# The person's answer "I don't know" is stored as this id and matches every status.
UNKNOWN_STATUS = "unknown"

STATUSES = (
    Option(
        Status.ASYLUM_APPLICANT,
        N_("Asylum applicant"),
        N_("I applied for asylum and am waiting for a decision."),
    ),
    Option(
        Status.INTERNATIONAL_PROTECTION,
        N_("Refugee"),
        N_("I was granted international protection (refugee or subsidiary protection)."),
    ),
    Option(
        Status.TEMPORARY_PROTECTION,
        N_("Temporary protection"),
        N_("I have temporary protection, for example after fleeing the war in Ukraine."),
    ),
    Option(
        Status.UNACCOMPANIED_MINOR,
        N_("Under 18, without parents"),
        N_("I am under 18 and came to Luxembourg without my parents."),
    ),
    Option(
        Status.NO_PAPERS,
        N_("No papers / told to leave"),
        N_("I have no residence papers, or I was told to leave the country."),
    ),
    Option(
        Status.THIRD_COUNTRY_NATIONAL,
        N_("Other"),
        N_("I came from outside the EU for another reason, for example work or family."),
    ),
    Option(
        UNKNOWN_STATUS,
        N_("I don't know"),
        N_("I am not sure. You will see the services open to everyone."),
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
