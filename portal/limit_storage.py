"""The in-process storage of the rate limits (`memory://`), without a thread per request.

limits' MemoryStorage starts a timer thread on almost every hit, to sweep expired counters
(its sweep reads every key). Its counters already expire when they are read, so the sweep only
frees memory: here it runs at most once a second. Same scheme, same counts, same windows.
Registered on import (portal.extensions imports it before the limiter reads its storage URI).
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 1.0


class MemoryStorageSweptLess(MemoryStorage):
    STORAGE_SCHEME = ["memory"]  # takes the scheme over from limits' own class

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            super()._MemoryStorage__schedule_expiry()
