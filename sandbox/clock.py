"""The sandbox's own clock: real time plus an offset that `/_sandbox/clock` can set."""

from datetime import UTC, datetime, timedelta


class SandboxClock:
    def __init__(self, offset: timedelta = timedelta(0)):
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, when: datetime) -> None:
        self.offset = when - datetime.now(UTC)
