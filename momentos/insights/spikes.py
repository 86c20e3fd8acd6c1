"""Spikes (pure): which request values take a larger share of requests lately than they
used to, since when, and how sure we can be.

Each (dimension, value) with enough recent requests is tested: its share in the last
`window_days` against the `baseline_days` before, by a one-sided z-test widened for
overdispersion, Holm-corrected across every value tested. A significant rise that is also
large enough (`min_lift`) is dated by the likeliest change point of its daily share, and
described from that day on.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from momentos.insights import stats

Key = tuple[str, str]  # (dimension, value)


@dataclass(frozen=True)
class Thresholds:
    window_days: int = 14
    baseline_days: int = 56
    # Fewer requests than this in the window say nothing, however large their share.
    min_requests: int = 20
    # Significant but small rises (9% to 10% at a million requests) are not worth a ticket.
    min_lift: float = 1.5
    alpha: float = 0.01
    # A change point needs this many days on each side: one odd day is not an onset.
    min_days: int = 3


DEFAULT_THRESHOLDS = Thresholds()
# Two weeks against the eight before catch a sudden rise; a quarter against the half-year
# before catch a shift that has lasted, the seed's case: an app update three months ago
# whose new navigation nobody explained, 40% of requests ever since.
QUARTER = Thresholds(window_days=90, baseline_days=180)
VIEWS = (DEFAULT_THRESHOLDS, QUARTER)


@dataclass(frozen=True)
class Spike:
    dimension: str
    value: str
    started_on: date
    share: float  # of requests since `started_on`
    baseline_share: float  # of requests before it, within the analysed span
    requests: int  # with this value since `started_on`
    total: int  # all requests since `started_on`
    lift: float
    z: float
    p_value: float  # Holm-adjusted
    daily: tuple[tuple[date, int, int], ...] = ()  # (day, requests with the value, all)
    customers: int = 0
    examples: tuple[dict, ...] = ()
    window_days: int = DEFAULT_THRESHOLDS.window_days  # of the view that found it

    @property
    def excess(self) -> float:
        """Requests above what the baseline share predicts: the size of the problem."""
        return self.requests - self.total * self.baseline_share


@dataclass
class Daily:
    """Requests per local day: all of them, and per (dimension, value)."""

    days: list[date]
    totals: list[int]
    counts: dict[Key, list[int]] = field(default_factory=dict)


def span(today: date, thresholds: Thresholds) -> list[date]:
    """The analysed days, oldest first, ending today."""
    length = thresholds.window_days + thresholds.baseline_days
    return [today - timedelta(days=length - 1 - n) for n in range(length)]


def daily(rows: Iterable[tuple[str, str, str, int]], days: list[date], time_zone: str) -> Daily:
    """Hourly UTC rows (hour 'YYYY-MM-DDTHH', dimension, value, requests) as local days."""
    zone, index = ZoneInfo(time_zone), {day: n for n, day in enumerate(days)}
    local: dict[str, int | None] = {}
    result = Daily(days, [0] * len(days))
    for hour, dimension, value, requests in rows:
        if hour not in local:
            utc = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            local[hour] = index.get(utc.astimezone(zone).date())
        n = local[hour]
        if n is None:
            continue
        if dimension == "all":
            result.totals[n] += requests
        else:
            result.counts.setdefault((dimension, value), [0] * len(days))[n] += requests
    return result


def _test(series: list[int], data: Daily, split: int) -> tuple[float, float]:
    """(z, lift) of the window against the baseline for one value."""
    x0, n0 = sum(series[:split]), sum(data.totals[:split])
    x1, n1 = sum(series[split:]), sum(data.totals[split:])
    if not (n0 and n1):
        return 0.0, 0.0
    phi = stats.dispersion(series[:split], data.totals[:split], x0 / n0)
    lift = (x1 / n1) / (x0 / n0) if x0 else float("inf")
    return stats.rise_z(x1, n1, x0, n0, phi), lift


def _describe(key: Key, series: list[int], data: Daily, z: float, p: float, t: Thresholds):
    onset = stats.change_point(series, data.totals, t.min_days)
    if onset is None:
        return None
    x_after, n_after = sum(series[onset:]), sum(data.totals[onset:])
    x_before, n_before = sum(series[:onset]), sum(data.totals[:onset])
    if x_after < t.min_requests or not (n_after and n_before):
        return None
    share, baseline = x_after / n_after, x_before / n_before
    return Spike(
        dimension=key[0], value=key[1], started_on=data.days[onset], share=share,
        baseline_share=baseline, requests=x_after, total=n_after,
        lift=share / baseline if baseline else float("inf"), z=z, p_value=p,
        daily=tuple(zip(data.days, series, data.totals, strict=True)),
    )  # fmt: skip


def detect(data: Daily, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Spike]:
    """Every significant, large rise, the largest excess of requests first."""
    split = thresholds.baseline_days
    tested = {
        key: series
        for key, series in data.counts.items()
        if sum(series[split:]) >= thresholds.min_requests
    }
    results = {key: _test(series, data, split) for key, series in tested.items()}
    keys = list(results)
    adjusted = stats.holm([stats.normal_sf(results[key][0]) for key in keys])
    spikes = []
    for key, p in zip(keys, adjusted, strict=True):
        z, lift = results[key]
        if p < thresholds.alpha and lift >= thresholds.min_lift:
            spike = _describe(key, tested[key], data, z, p, thresholds)
            if spike is not None and spike.lift >= thresholds.min_lift:
                spikes.append(spike)
    return sorted(spikes, key=lambda s: (-s.excess, s.dimension, s.value))


def _same_value(a: Mapping, b: Mapping) -> bool:
    # Zendesk adds a drop-down's value to the ticket's tags: a category's rise is its tag's.
    kinds = {a["dimension"].split(".")[0], b["dimension"].split(".")[0]}
    same_dimension = a["dimension"] == b["dimension"] or kinds == {"category", "tag"}
    return same_dimension and a["value"] == b["value"]


def same_spike(a: Mapping, b: Mapping, window_days: int) -> bool:
    """Two spikes (as moment data) are one when the same value rose within a window of each
    other: a later estimate may date the onset a day or two apart."""
    if not _same_value(a, b):
        return False
    gap = date.fromisoformat(a["started_on"]) - date.fromisoformat(b["started_on"])
    return abs(gap.days) <= window_days
