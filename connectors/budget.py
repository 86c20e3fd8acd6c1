"""Request budgets per endpoint family, so that a healthy run never meets a 429.

Both tools count requests in rolling windows (Zendesk per minute, HubSpot per ten seconds
and per second for search); a `Budget` counts the same way on the injected clock and sleeps
until a slot frees instead of letting the tool refuse the request.
"""

import threading
from collections import deque
from datetime import datetime, timedelta


class Budget:
    """At most `limit` requests in any `per_seconds`-long window.

    `per_seconds` is also how long to wait after a 429 that names no `Retry-After`: by then
    the tool's window has rolled over.
    """

    def __init__(self, limit: int, per_seconds: float):
        if limit < 1 or per_seconds <= 0:
            raise ValueError(f"a budget needs a positive limit and window ({limit}/{per_seconds}s)")
        self.limit = limit
        self.per_seconds = per_seconds
        self._sent: deque[datetime] = deque()
        self._blocked_until: datetime | None = None
        self._lock = threading.Lock()

    def wait_time(self, now: datetime) -> float:
        """Seconds to wait before the next request may go (0 when it may go now)."""
        window = timedelta(seconds=self.per_seconds)
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        waits = [0.0]
        if len(self._sent) >= self.limit:
            waits.append((self._sent[0] + window - now).total_seconds())
        if self._blocked_until is not None:
            waits.append((self._blocked_until - now).total_seconds())
        return max(waits)

    def acquire(self, clock) -> float:
        """Take one slot, sleeping on `clock` until there is one; returns the seconds slept."""
        slept = 0.0
        with self._lock:
            while (wait := self.wait_time(clock.now())) > 0:
                clock.sleep(wait)
                slept += wait
            self._sent.append(clock.now())
        return slept

    def paused_for(self, now: datetime) -> float:
        """Seconds left of a pause the tool asked for (0 when there is none)."""
        if self._blocked_until is None:
            return 0.0
        return max(0.0, (self._blocked_until - now).total_seconds())

    def block_until(self, when: datetime) -> None:
        """Send nothing in this family before `when` (the tool said so with `Retry-After`)."""
        with self._lock:
            if self._blocked_until is None or when > self._blocked_until:
                self._blocked_until = when
