"""Fixtures for connector unit tests: a frozen clock and `responses` mocks (no sockets)."""

from datetime import UTC, datetime

import pytest
import responses
from responses import registries

from momentos.clock import FrozenClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FrozenClock(START)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def ordered():
    """Answers served in the order they were added: 429 then 200, 503 then 200."""
    with responses.RequestsMock(
        assert_all_requests_are_fired=True, registry=registries.OrderedRegistry
    ) as mock:
        yield mock


class ConstantRandom:
    """`random()` always 0: backoff is exactly half its nominal delay."""

    def random(self) -> float:
        return 0.0


@pytest.fixture
def rng():
    return ConstantRandom()
