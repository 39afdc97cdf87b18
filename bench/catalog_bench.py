"""Catalogue benchmark: load + validate time and match latency on synthetic catalogues.

Run: .venv/bin/python bench/catalog_bench.py [SIZES...]   (default 100 1000 10000 100000)

Each catalogue is written as YAML to a temporary file, so the load time includes reading,
YAML parsing and validation. Match latency is measured over random profiles, once for the
full result list and once for the first page (limit=10).
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.catalog.loader import load_catalog  # noqa: E402
from bot.catalog.model import SUPPORTED_LANGUAGES, Need, Status  # noqa: E402
from bot.catalog.places import Gazetteer, Place  # noqa: E402
from bot.catalog.query import CatalogIndex, Profile  # noqa: E402

TODAY = date(2026, 6, 1)
QUERIES = 3000
PAGE = 10  # the bot shows a few results at a time
TARGETS = {10_000: (2.0, 1.0), 100_000: (None, 5.0)}  # size: (load s, p99 ms)

TOWNS = {
    "Luxembourg": (49.6116, 6.1300),
    "Esch-sur-Alzette": (49.4958, 5.9806),
    "Differdange": (49.5242, 5.8914),
    "Dudelange": (49.4806, 6.0875),
    "Pétange": (49.5583, 5.8806),
    "Sanem": (49.5481, 5.9289),
    "Schifflange": (49.5064, 6.0128),
    "Bettembourg": (49.5186, 6.1025),
    "Hesperange": (49.5689, 6.1514),
    "Strassen": (49.6206, 6.0733),
    "Bertrange": (49.6111, 6.0500),
    "Mamer": (49.6275, 6.0233),
    "Steinfort": (49.6614, 5.9167),
    "Mersch": (49.7489, 6.1061),
    "Ettelbruck": (49.8475, 6.1042),
    "Diekirch": (49.8681, 6.1558),
    "Wiltz": (49.9661, 5.9322),
    "Clervaux": (50.0547, 6.0314),
    "Vianden": (49.9350, 6.2089),
    "Echternach": (49.8117, 6.4214),
    "Grevenmacher": (49.6806, 6.4408),
    "Remich": (49.5447, 6.3669),
    "Mondorf-les-Bains": (49.5050, 6.2811),
    "Junglinster": (49.7161, 6.2531),
    "Redange": (49.7642, 5.8889),
    "Troisvierges": (50.1211, 6.0000),
}
NEEDS = [need for need in Need if need is not Need.EMERGENCY]
STATUSES = [status for status in Status if status is not Status.ANY]
AGE_BANDS = [
    (0, 2),
    (3, 8),
    (9, 11),
    (12, 12),
    (13, 15),
    (16, 17),
    (18, 18),
    (19, 21),
    (22, 27),
    (28, 64),
    (65, 120),
]


def synthetic_yaml(size: int, seed: int = 1) -> str:
    """A catalogue of `size` entries written the way staff write the real one."""
    rng = random.Random(seed)
    towns = list(TOWNS.items())
    out = ['version: "bench"', "services:"]
    for i in range(size):
        languages = ["en", "fr", *rng.sample(SUPPORTED_LANGUAGES[2:], rng.randint(0, 3))]
        needs = [Need.EMERGENCY] if rng.random() < 0.002 else rng.sample(NEEDS, rng.randint(1, 2))
        statuses = ["any"] if rng.random() < 0.4 else rng.sample(STATUSES, rng.randint(1, 2))
        out += [
            f"  - id: svc-{i:06d}",
            f"    organization: Organisation {rng.randrange(max(1, size // 5))}",
            "    name:",
            *(f"      {code}: Service {i} ({code})" for code in languages[: rng.randint(2, 4)]),
            "    summary:",
            *(f"      {code}: What service {i} offers, for whom." for code in languages[:2]),
            "    needs:",
            *(f"      - {need.value}" for need in needs),
            "    statuses:",
            *(f"      - {status}" for status in statuses),
        ]
        if rng.random() < 0.3:
            low = rng.choice([0, 3, 12, 16, 18])
            out += ["    age:", f"      min: {low}", f"      max: {low + rng.randint(5, 60)}"]
        out += [f"    languages: [{', '.join(languages)}]"]
        if rng.random() < 0.25:
            start = date(rng.choice([2024, 2025, 2026, 2027]), rng.randint(1, 12), 1)
            until = date(start.year + rng.randint(0, 2), 12, 31)
            out += ["    active:", f"      from: {start}", f"      until: {until}"]
        offices = rng.choice([0, 1, 1, 1, 2, 3])
        if offices:
            out.append("    locations:")
        for _ in range(offices):
            town, (lat, lon) = rng.choice(towns)
            out += [
                f"      - address: [{rng.randint(1, 200)} rue de la Gare]",
                f"        postal_code: L-{rng.randint(1000, 9999)}",
                f"        city: {town}",
            ]
            if rng.random() < 0.6:
                out += [
                    f"        latitude: {lat + rng.uniform(-0.02, 0.02):.5f}",
                    f"        longitude: {lon + rng.uniform(-0.03, 0.03):.5f}",
                ]
        if rng.random() < 0.7:
            out += ["    phones:", f'      - number: "(+352) {rng.randint(200000, 999999)}"']
        if rng.random() < 0.5:
            out += ["    emails:", f"      - address: info{i}@example.lu"]
        if rng.random() < 0.4:
            out += ["    urls:", f"      - url: https://example.lu/{i}"]
        if rng.random() < 0.02:
            out.append("    general_information: true")
        out += ["    source:", "      file: bench.txt", f"      place: line {i + 1}"]
    return "\n".join(out) + "\n"


def random_profiles(count: int, seed: int = 2) -> list[Profile]:
    rng = random.Random(seed)
    towns = list(TOWNS.values())
    profiles = []
    for _ in range(count):
        band = rng.choice(AGE_BANDS) if rng.random() < 0.8 else None
        where = rng.choice(towns) if rng.random() < 0.5 else (None, None)
        profiles.append(
            Profile(
                need=rng.choice(NEEDS) if rng.random() < 0.95 else None,
                status=rng.choice(STATUSES) if rng.random() < 0.8 else None,
                age=band[0] if band else None,
                age_max=band[1] if band else None,
                language=rng.choice(SUPPORTED_LANGUAGES),
                latitude=where[0],
                longitude=where[1],
            )
        )
    return profiles


def percentile(values: list[int], share: float) -> float:
    """The value below which `share` of `values` fall, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1e6


def latencies(
    index: CatalogIndex, profiles: list[Profile], limit: int | None
) -> tuple[list[int], list[int]]:
    """Wall-clock and CPU time of each match, in nanoseconds."""
    for profile in profiles[:100]:  # warm up
        index.match(profile, TODAY, limit)
    wall, cpu = [], []
    for profile in profiles:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        index.match(profile, TODAY, limit)
        cpu.append(time.thread_time_ns() - start_cpu)
        wall.append(time.perf_counter_ns() - start)
    return wall, cpu


def line(label: str, timings: tuple[list[int], list[int]]) -> str:
    wall, cpu = timings
    return (
        f"    {label:<12} p50 {percentile(wall, 0.5):7.3f} ms  p99 {percentile(wall, 0.99):8.3f} ms"
        f"   (CPU time: p50 {percentile(cpu, 0.5):7.3f} ms  p99 {percentile(cpu, 0.99):8.3f} ms)"
    )


def run(size: int, gazetteer: Gazetteer, profiles: list[Profile]) -> bool:
    text = synthetic_yaml(size)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        catalog = load_catalog(path)
        load_s = time.perf_counter() - start
    start = time.perf_counter()
    index = CatalogIndex(catalog, gazetteer)
    index_s = time.perf_counter() - start
    # As a long-running bot should after loading a catalogue: move the millions of
    # long-lived objects out of the collector's way, or a full collection (seconds at
    # 100,000 entries) lands in some query.
    gc.collect()
    gc.freeze()
    full = latencies(index, profiles, None)
    page = latencies(index, profiles, PAGE)
    gc.unfreeze()
    results = statistics.mean(index.match(p, TODAY).total for p in profiles[:300])
    print(
        f"{size:>7,} entries ({len(text) / 1e6:.1f} MB): load+validate {load_s:.2f} s, "
        f"index {index_s:.2f} s, {results:.0f} matches per profile on average"
    )
    print(line("all results", full))
    print(line(f"first {PAGE}", page))
    if size not in TARGETS:
        return True
    load_target, p99_target = TARGETS[size]
    load_ok = load_target is None or load_s < load_target
    p99_ok = percentile(page[0], 0.99) < p99_target
    wanted = ([f"load < {load_target:g} s"] if load_target else []) + [
        f"first-page p99 < {p99_target:g} ms"
    ]
    print(f"    target: {', '.join(wanted)}: {'met' if load_ok and p99_ok else 'MISSED'}")
    return load_ok and p99_ok


def main(argv: list[str]) -> int:
    sizes = [int(arg) for arg in argv] or [100, 1_000, 10_000, 100_000]
    gazetteer = Gazetteer(Place(name=name, lat=lat, lon=lon) for name, (lat, lon) in TOWNS.items())
    profiles = random_profiles(QUERIES)
    print(
        f"{QUERIES} random profiles; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    results = [run(size, gazetteer, profiles) for size in sizes]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
