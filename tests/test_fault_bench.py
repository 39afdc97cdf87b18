"""bench/fault_bench.py in small: the real bot as a process, a real full disk (a tmpfs, when
this machine lets us mount one) and a real lock held by another process.

The bench (`python bench/fault_bench.py`) is the full version; this runs the same code with
three people and a shorter fault, so the suite proves it too.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fault_bench", ROOT / "bench" / "fault_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fault_bench", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scenario", ["lock", "disk-full"])
async def test_a_real_lock_or_full_disk_loses_no_update(scenario):
    bench = _bench()
    config = bench.Config(scenarios=[scenario], users=3, outage=6.0, settle=60.0)
    (outcome,) = await bench.run(config)
    print("\n" + bench.report([outcome], config))
    if outcome.skipped:
        pytest.skip(outcome.skipped)  # no tmpfs here (not root): the lock case still runs
    assert outcome.problems == []
    assert outcome.updates == 6
    assert outcome.answered == outcome.updates
    assert outcome.answered_in_fault == outcome.updates  # something came back meanwhile
    assert outcome.fallback_screens >= 1
    assert outcome.lost == 0 and outcome.duplicated == 0 and outcome.unconfirmed == 0
    assert (outcome.admin_outage_messages, outcome.admin_recovery_messages) == (1, 1)
