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

    At most `max_keys` buckets are kept; the least recently used go first (a forgotten key
    starts again with a full bucket, so memory stays flat whatever the traffic)."""

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
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
