"""The statistics behind spikes: no spike in a stable series, minimum counts respected,
several values at once, onsets where the share rose."""

import random
from datetime import date, timedelta

import pytest

from momentos.insights import stats
from momentos.insights.spikes import Daily, Thresholds, detect, same_spike

DAYS = [date(2026, 9, 1) + timedelta(days=n) for n in range(70)]


def series(shares: dict[str, list[float]], per_day: int = 200, seed: int = 1) -> Daily:
    """Requests drawn day by day with each value's share of that day."""
    rng = random.Random(seed)
    data = Daily(DAYS, [per_day] * len(DAYS))
    for value, by_day in shares.items():
        data.counts["category.app", value] = [
            sum(rng.random() < share for _ in range(per_day)) for share in by_day
        ]
    return data


def flat(share: float) -> list[float]:
    return [share] * len(DAYS)


def step(before: float, after: float, day: int) -> list[float]:
    return [before] * day + [after] * (len(DAYS) - day)


def test_normal_tail_and_holm():
    assert stats.normal_sf(0) == pytest.approx(0.5)
    assert stats.normal_sf(1.96) == pytest.approx(0.025, abs=1e-3)
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_dispersion_is_one_for_binomial_noise_and_more_for_bursts():
    assert stats.dispersion([20, 20, 20], [100, 100, 100], 0.2) == 1.0
    assert stats.dispersion([5, 40, 5, 40], [100] * 4, 0.225) > 10


def test_change_point_finds_the_day_the_share_rose():
    counts = [10] * 40 + [30] * 30
    assert stats.change_point(counts, [100] * 70) == 40
    assert stats.change_point([30] * 40 + [10] * 30, [100] * 70) is None  # a fall is no spike


@pytest.mark.parametrize("seed", range(5))
def test_a_stable_series_has_no_spike(seed):
    mix = {"web": 0.35, "ios": 0.2, "android": 0.2, "billing": 0.15, "api": 0.1}
    data = series({value: flat(share) for value, share in mix.items()}, seed=seed)
    assert detect(data) == []


def test_a_step_is_found_with_its_onset_among_several_values():
    data = series({"web": flat(0.35), "ios": step(0.2, 0.1, 60), "android": step(0.2, 0.42, 60),
                   "api": step(0.05, 0.15, 58)})  # fmt: skip
    found = detect(data)
    assert [s.value for s in found] == ["android", "api"]  # largest excess first
    android = found[0]
    assert abs((android.started_on - DAYS[60]).days) <= 1
    assert android.share == pytest.approx(0.42, abs=0.03)
    assert android.baseline_share == pytest.approx(0.2, abs=0.02)
    assert android.requests == sum(data.counts["category.app", "android"][
        DAYS.index(android.started_on):])  # fmt: skip


def test_minimum_counts_and_lift_are_respected():
    # From 0 to 1% of 200 a day: a huge lift, but 20-odd requests is under min_requests=30.
    rare = series({"rare": step(0.0, 0.01, 60)})
    assert detect(rare, Thresholds(min_requests=30)) == []
    # 30% to 36%: significant at this volume, but a lift of 1.2 is under 1.5.
    small = series({"web": step(0.3, 0.36, 56)}, per_day=2000)
    assert detect(small) == []
    assert [s.value for s in detect(small, Thresholds(min_lift=1.1))] == ["web"]


def test_a_burst_in_the_baseline_widens_the_test():
    # A value that comes in bursts every week: its recent bursts are not a spike.
    bursty = [0.6 if n % 7 == 0 else 0.05 for n in range(70)]
    assert detect(series({"promo": bursty})) == []


def test_one_rise_recorded_twice_or_as_field_and_tag_is_one_spike():
    a = {"dimension": "category.app", "value": "android", "started_on": "2026-11-15"}
    assert same_spike(a, {**a, "started_on": "2026-11-17"}, 14)
    assert same_spike(a, {**a, "dimension": "tag"}, 14)
    assert not same_spike(a, {**a, "value": "ios"}, 14)
    assert not same_spike(a, {**a, "started_on": "2027-01-15"}, 14)
    assert not same_spike(a, {**a, "dimension": "channel"}, 14)
