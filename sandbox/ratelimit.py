"""Rolling-window request counters, as both tools enforce them."""

from collections import deque
from collections.abc import Callable


class RollingWindow:
    """At most `limit` hits in any `seconds`-long window; `hit()` says how long to wait."""

    def __init__(self, limit: int, seconds: float, now: Callable[[], float]):
        self.limit = limit
        self.seconds = seconds
        self._now = now
        self._hits: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._hits and self._hits[0] <= now - self.seconds:
            self._hits.popleft()

    def hit(self) -> float:
        """Count a request; 0 if allowed, else the seconds until a slot frees (not counted)."""
        now = self._now()
        self._trim(now)
        if len(self._hits) >= self.limit:
            return self._hits[0] + self.seconds - now
        self._hits.append(now)
        return 0.0

    def remaining(self) -> int:
        self._trim(self._now())
        return max(0, self.limit - len(self._hits))
