"""Sign-in attempt limits per client address and per account name, in this process's memory.

A sliding window per key; the number of keys is bounded so that a flood of made-up names cannot grow memory
without end (the oldest key is forgotten first). Repeated wrong passwords also lock the account out in the
store (tutela.services.accounts), which holds across processes and restarts; this limit is the quick first line.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class AttemptLimiter:
    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one attempt for ``key``; False when it is over the limit in the window (not counted then)."""
        now = self.clock()
        with self._lock:
            times = self._attempts.pop(key, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._attempts[key] = times
            while len(self._attempts) > self.max_keys:
                self._attempts.popitem(last=False)
            return allowed
