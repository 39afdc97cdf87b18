"""What every profile a person can tap is offered, on the bundled catalogue.

Run: .venv/bin/python bench/eligibility.py [YYYY-MM-DD]   (default: today)

Walks every combination of the buttons (who × age button × status × need) and prints how
often the answer is exact, widened to the general desks, or empty; how often the first card
fits fully, can be called or written to, or is a dead end; and how many offered services
break a limit their entry states (the age, the status, the audience) without saying so on
the card. That last figure must be 0; tests/test_eligibility.py holds it there.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.catalog.eligibility import STATUS_EQUIVALENTS, Condition  # noqa: E402
from bot.catalog.loader import bundled_catalog_path, load_catalog  # noqa: E402
from bot.catalog.model import AgeOf, Need, Status  # noqa: E402
from bot.catalog.query import CatalogIndex, Match, Profile  # noqa: E402
from bot.flows.options import AGE_BANDS, NEEDS, STATUSES, UNKNOWN_STATUS, WHO  # noqa: E402


def unstated_breaches(match: Match, profile: Profile) -> list[str]:
    """The limits of the entry that exclude the person and are not on the card."""
    service, codes = match.service, set(match.conditions)
    found = []
    status = profile.status
    named = set(service.statuses)
    served = (
        status is None
        or Status.ANY in named
        or status in named
        or named & set(STATUS_EQUIVALENTS.get(status, ()))
    )
    if not served and Condition.STATUS not in codes:
        found.append("status")
    if status is None and Status.ANY not in named and Condition.STATUS not in codes:
        found.append("status unknown")
    age, band = service.age, profile.age_band
    if age is not None and band is not None:
        low = age.min if age.min is not None else 0
        high = age.max if age.max is not None else 10**6
        inside = low <= band[0] and band[1] <= high
        parent = service.age_of is AgeOf.CHILD and Condition.PARENT in codes
        if not inside and not parent and Condition.AGE not in codes:
            found.append("age")
    for group in service.audience:
        minor_young = group.value == "young_people" and band is not None and band[1] < 18
        if not minor_young and Condition(group.value) not in codes:
            found.append(group.value)
    return found


def main() -> None:
    today = date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else date.today()
    index = CatalogIndex(load_catalog(bundled_catalog_path()))
    counts: Counter[str] = Counter()
    breaches: Counter[str] = Counter()
    for who in WHO:
        for band in AGE_BANDS:
            for option in STATUSES:
                status = None if option.id == UNKNOWN_STATUS else Status(option.id)
                for need in NEEDS:
                    profile = Profile(
                        need=Need(need.id),
                        status=status,
                        age=band.min,
                        age_max=band.max,
                        who=who.id,
                    )
                    result = index.match(profile, today)
                    counts["profiles"] += 1
                    kind = "exact" if result.exact else "widened" if result.widened else "empty"
                    counts[kind] += 1
                    for match in result.matches:
                        for breach in unstated_breaches(match, profile):
                            breaches[breach] += 1
                    if any(unstated_breaches(m, profile) for m in result.matches):
                        counts["breached"] += 1
                    if result.matches:
                        first = result.matches[0].service
                        counts["first fits"] += result.matches[0].fits
                        counts["first phone or e-mail"] += first.contactable
                        counts["first dead end"] += not first.reachable
    total = counts["profiles"]

    def share(key: str) -> str:
        return f"{counts[key]:5d}  ({100 * counts[key] / total:5.1f} %)"

    print(f"Bundled catalogue on {today}: {total} profiles (who × age button × status × need)")
    print(f"  exact answer for the need        {share('exact')}")
    print(f"  widened to the general desks     {share('widened')}")
    print(f"  nothing at all                   {share('empty')}")
    print(f"  first card fits fully            {share('first fits')}")
    print(f"  first card has a phone or e-mail {share('first phone or e-mail')}")
    print(f"  first card is a dead end         {share('first dead end')}")
    print(
        f"  profiles offered a service whose stated limits exclude them, unsaid: "
        f"{counts['breached']} ({dict(breaches) or 'none'})"
    )


if __name__ == "__main__":
    main()
