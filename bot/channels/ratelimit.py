"""Token buckets per key, in memory only, with a bounded number of keys.

Keys are hashed with a secret made at start, so not even the process's memory keeps the
raw key (an IP address) for longer than one call; nothing is ever written anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """`allow(key)` is True while `key` has tokens: `burst` at once, `rate` per second after.

    A bucket that has had time to fill up again is forgotten (a forgotten key starts with a
    full bucket: the same answer), so only the keys seen in the last `burst / rate` seconds
    are kept, and never more than `max_keys`: memory stays flat whatever the traffic."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._secret = secrets.token_bytes(16)
        self._refill = burst / rate if rate > 0 else float("inf")  # seconds to fill up again
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    def _key(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode(), digest_size=16, key=self._secret).digest()

    def allow(self, key: str) -> bool:
        hashed = self._key(key)
        now = self._clock()
        tokens, then = self._buckets.pop(hashed, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[hashed] = (tokens - 1.0 if allowed else tokens, now)
        buckets = self._buckets
        if len(buckets) > self.max_keys:
            buckets.popitem(last=False)
        while buckets:  # least recently seen first: drop those that are full again
            oldest = next(iter(buckets.values()))
            if now - oldest[1] < self._refill:
                break
            buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
