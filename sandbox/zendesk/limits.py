"""Zendesk's rate limits, counted on the sandbox clock.

Besides the account-wide budget and the incremental-export budget, Zendesk limits
updates per (user, ticket) and per updated user; a fake with only a global bucket misses
the 429s those produce.
"""

from collections.abc import Callable

from sandbox.ratelimit import RollingWindow

TICKET_UPDATES = (30, 600.0)  # per (user, ticket), 10 minutes
USER_UPDATES = (5, 60.0)  # per updated user
USER_WRITES_PER_SECOND = 1  # create_or_update, account-wide


class Limits:
    def __init__(self, settings, seconds: Callable[[], float]):
        self.settings = settings
        self._seconds = seconds
        self.reset()

    def reset(self) -> None:
        s = self.settings
        self.account = RollingWindow(s.zendesk_requests_per_minute, 60.0, self._seconds)
        self.incremental = RollingWindow(s.zendesk_incremental_per_minute, 60.0, self._seconds)
        self.user_writes = RollingWindow(USER_WRITES_PER_SECOND, 1.0, self._seconds)
        self._tickets: dict[int, RollingWindow] = {}
        self._users: dict[int, RollingWindow] = {}

    def request(self, incremental: bool) -> tuple[str, float] | None:
        """Count one API request; (`account` | `incremental`, wait) when it is refused."""
        if not self.settings.rate_limits:
            return None
        # Settings may be changed while the sandbox runs (tests, the demo's fault panel).
        self.account.limit = self.settings.zendesk_requests_per_minute
        self.incremental.limit = self.settings.zendesk_incremental_per_minute
        wait = self.account.hit()
        if wait:
            return "account", wait
        if incremental:
            wait = self.incremental.hit()
            if wait:
                return "incremental", wait
        return None

    def _keyed(self, windows: dict[int, RollingWindow], key: int, rule: tuple) -> float:
        if not self.settings.rate_limits:
            return 0.0
        window = windows.get(key)
        if window is None:
            window = windows[key] = RollingWindow(rule[0], rule[1], self._seconds)
        return window.hit()

    def ticket_update(self, ticket_id: int) -> float:
        return self._keyed(self._tickets, ticket_id, TICKET_UPDATES)

    def user_write(self, user_id: int | None) -> float:
        if not self.settings.rate_limits:
            return 0.0
        wait = self.user_writes.hit()
        if wait or user_id is None:
            return wait
        return self._keyed(self._users, user_id, USER_UPDATES)

    def remaining(self) -> int:
        return self.account.remaining()
