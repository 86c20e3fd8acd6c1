"""Fixtures for connector unit tests: a frozen clock and `responses` mocks (no sockets)."""

from datetime import UTC, datetime

import pytest

from momentos.clock import FrozenClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FrozenClock(START)


class ConstantRandom:
    """`random()` always 0: backoff is exactly half its nominal delay."""

    def random(self) -> float:
        return 0.0


@pytest.fixture
def rng():
    return ConstantRandom()
