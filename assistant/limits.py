"""Bounded growth for anything clients can make the server keep: a per-client rate limit held in bounded
memory, and retention for SQLite tables (oldest rows go first). Feedback uses both; usage statistics can too.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import OrderedDict


class RateLimiter:
    """Token bucket per client key: ``burst`` requests at once, then ``per_minute``. At most ``max_clients``
    buckets are kept (least recently seen dropped first), so a flood of addresses cannot grow memory."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = 10_000, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds to wait before the next one."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


def prune_oldest(db: sqlite3.Connection, table: str, *, max_rows: int, max_bytes: int | None = None,
                 size_column: str = "size") -> int:
    """Delete the oldest rows (lowest ``id``) of ``table`` beyond ``max_rows`` and beyond ``max_bytes`` of
    ``size_column`` counted from the newest. Call inside the writer's transaction. Returns rows deleted."""
    cutoff = db.execute(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET ?", (max_rows,)).fetchone()
    deleted = 0
    if cutoff:
        deleted += db.execute(f"DELETE FROM {table} WHERE id <= ?", (cutoff[0],)).rowcount
    if max_bytes is not None:
        row = db.execute(f"SELECT id FROM (SELECT id, SUM({size_column}) OVER (ORDER BY id DESC) AS kept "
                         f"FROM {table}) WHERE kept > ? ORDER BY id DESC LIMIT 1", (max_bytes,)).fetchone()
        if row:
            deleted += db.execute(f"DELETE FROM {table} WHERE id <= ?", (row[0],)).rowcount
    return deleted
