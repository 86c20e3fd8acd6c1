"""Rolling-window budgets on an injected clock."""

from datetime import timedelta

import pytest

from connectors.budget import Budget
from tests.connectors.conftest import START


def test_wait_time_counts_a_rolling_window():
    budget = Budget(2, 10.0)
    budget._sent.extend([START, START + timedelta(seconds=4)])
    assert budget.wait_time(START + timedelta(seconds=5)) == 5.0
    assert budget.wait_time(START + timedelta(seconds=10)) == 0.0  # the first left the window


def test_acquire_sleeps_until_a_slot_frees(clock):
    budget = Budget(3, 1.0)
    assert [budget.acquire(clock) for _ in range(7)] == [0, 0, 0, 1.0, 0, 0, 1.0]
    assert clock.now() - START == timedelta(seconds=2)


def test_block_until_holds_every_request_and_only_moves_later(clock):
    budget = Budget(10, 60.0)
    budget.block_until(START + timedelta(seconds=30))
    budget.block_until(START + timedelta(seconds=5))
    assert budget.paused_for(START) == 30.0
    assert budget.acquire(clock) == 30.0
    assert budget.paused_for(clock.now()) == 0.0


@pytest.mark.parametrize(("limit", "seconds"), [(0, 1.0), (1, 0.0)])
def test_budget_needs_a_positive_limit_and_window(limit, seconds):
    with pytest.raises(ValueError, match="positive limit and window"):
        Budget(limit, seconds)
