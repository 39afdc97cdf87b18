"""The service catalogue: its model, loading with staff-readable errors, matching, reports.

The command line check lives in `bot.catalog.check` (not imported here, so that
`python -m bot.catalog.check` runs cleanly).
"""

from .loader import bundled_catalog_path, load_catalog, load_catalog_text
from .model import (
    SUPPORTED_LANGUAGES,
    ActivePeriod,
    AgeRange,
    Catalog,
    Email,
    Location,
    Need,
    Phone,
    Service,
    Source,
    Status,
    Text,
    Url,
)
from .places import (
    Gazetteer,
    Place,
    default_gazetteer,
    distance_km,
    find_place,
    load_places,
    nearest_place,
    place_for_location,
)
from .problems import CatalogError, Problem
from .query import STATUS_EQUIVALENTS, CatalogIndex, Match, MatchResult, Profile
from .report import Report, build_report, format_report

__all__ = [
    "SUPPORTED_LANGUAGES",
    "STATUS_EQUIVALENTS",
    "ActivePeriod",
    "AgeRange",
    "Catalog",
    "CatalogError",
    "CatalogIndex",
    "Email",
    "Gazetteer",
    "Location",
    "Match",
    "MatchResult",
    "Need",
    "Phone",
    "Place",
    "Problem",
    "Profile",
    "Report",
    "Service",
    "Source",
    "Status",
    "Text",
    "Url",
    "build_report",
    "bundled_catalog_path",
    "default_gazetteer",
    "distance_km",
    "find_place",
    "format_report",
    "load_catalog",
    "load_catalog_text",
    "load_places",
    "nearest_place",
    "place_for_location",
]
