"""Crash anywhere, continue: bench/crash_bench.py in small, ten SIGKILLs mid-journey.

The bench (`python bench/crash_bench.py --kills 200`) is the full version; this runs the same
code with ten kills and a dozen people, so the suite proves it too.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("crash_bench", ROOT / "bench" / "crash_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("crash_bench", module)
    spec.loader.exec_module(module)
    return module


async def test_ten_kills_lose_nothing_and_nobody_goes_back(tmp_path):
    bench = _bench()
    config = bench.Config(kills=10, seed=7, users=12, timeout=120.0, data_dir=tmp_path)
    result = await bench.run(config)
    print("\n" + bench.report(result, config))
    assert result.kills == 10 and not result.stopped_early
    assert result.updates_sent >= 100
    assert result.updates_unanswered == 0
    assert result.updates_answered == result.updates_sent
    assert result.duplicates_outside_crash_window == 0
    assert result.empty_screens == 0
    assert result.screen_db_mismatches == 0
    assert result.rejected_taps == 0
    assert result.users_backwards == 0
    assert result.left_unconfirmed == 0
    assert result.problems == []
