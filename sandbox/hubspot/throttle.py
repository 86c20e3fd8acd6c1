"""HubSpot's request budgets: a rolling 10 s burst and a daily count for the API, and a
per-second budget of its own for search (HUBSPOT.md §5)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sandbox.ratelimit import RollingWindow

# Professional/Enterprise daily limit per account (§5.1).
DAILY_LIMIT = 625_000
INTERVAL_SECONDS = 10


class Throttle:
    def __init__(self, settings, now: Callable[[], datetime]):
        self._settings = settings
        self._now = now
        self.reset()

    def reset(self) -> None:
        seconds = lambda: self._now().timestamp()  # noqa: E731 - the sandbox clock, per call
        self.burst = RollingWindow(
            self._settings.hubspot_requests_per_10s, INTERVAL_SECONDS, seconds
        )
        self.search = RollingWindow(self._settings.hubspot_search_per_second, 1.0, seconds)
        self._day = None
        self._day_count = 0

    def take(self) -> tuple[float, str | None]:
        """Count one API call: (0, None) if allowed, else (seconds to wait, policy name)."""
        if not self._settings.rate_limits:
            return 0.0, None
        now = self._now()
        # HubSpot resets at midnight in the account's time zone; the sandbox uses UTC.
        if now.date() != self._day:
            self._day, self._day_count = now.date(), 0
        if self._day_count >= DAILY_LIMIT:
            midnight = datetime.combine(
                now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo
            )
            return (midnight - now).total_seconds(), "DAILY"
        # Settings may change while the sandbox runs (the control API, tests).
        self.burst.limit = self._settings.hubspot_requests_per_10s
        wait = self.burst.hit()
        if wait:
            return wait, "TEN_SECONDLY_ROLLING"
        self._day_count += 1
        return 0.0, None

    def take_search(self) -> float:
        """Count one search call: 0 if allowed, else seconds until a slot frees."""
        if not self._settings.rate_limits:
            return 0.0
        self.search.limit = self._settings.hubspot_search_per_second
        return self.search.hit()

    def budget(self) -> dict[str, Any] | None:
        """What the X-HubSpot-RateLimit-* headers report, or None when limits are off."""
        if not self._settings.rate_limits:
            return None
        return {
            "max": self.burst.limit,
            "remaining": self.burst.remaining(),
            "interval_ms": INTERVAL_SECONDS * 1000,
            "daily": DAILY_LIMIT,
            "daily_remaining": max(0, DAILY_LIMIT - self._day_count),
        }
