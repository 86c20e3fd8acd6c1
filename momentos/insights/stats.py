"""Pure statistics for insights: a one-sided two-proportion z-test with overdispersion,
Holm's correction across the values tested, and a likelihood change point.

Pure Python on purpose: the inputs are a few hundred values by a few dozen days, which
`math.erfc` and plain sums handle in milliseconds; numpy/scipy would add tens of megabytes
to every install for nothing measurable.
"""

from collections.abc import Sequence
from math import erfc, inf, log, sqrt


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * erfc(z / sqrt(2))


def dispersion(counts: Sequence[int], totals: Sequence[int], share: float) -> float:
    """How much more the daily share varies than a binomial with `share` would (Pearson's
    chi-square over its degrees of freedom); at least 1.

    Support requests come in bursts (an outage, a newsletter), so days are not independent
    draws; a z-test that ignored it would call ordinary noise a spike at high volume.
    """
    if not 0 < share < 1:
        return 1.0
    terms = [
        (x - n * share) ** 2 / (n * share * (1 - share))
        for x, n in zip(counts, totals, strict=True)
        if n
    ]
    if len(terms) < 2:
        return 1.0
    return max(1.0, sum(terms) / (len(terms) - 1))


def rise_z(x1: int, n1: int, x0: int, n0: int, phi: float = 1.0) -> float:
    """z of the rise of share x1/n1 (recent) over x0/n0 (baseline), pooled under the null
    of no change and widened by the dispersion `phi`."""
    if not (n0 and n1):
        return 0.0
    pooled = (x0 + x1) / (n0 + n1)
    variance = pooled * (1 - pooled) * (1 / n0 + 1 / n1) * max(phi, 1.0)
    if variance <= 0:
        return 0.0
    return (x1 / n1 - x0 / n0) / sqrt(variance)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order: many values (every tag) are
    tested at once, and a root-cause ticket for a fluke costs a lead's afternoon."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [1.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _loglik(x: int, n: int) -> float:
    """The binomial log-likelihood of x in n at its own maximum (constant terms dropped)."""
    if n == 0 or x in (0, n):
        return 0.0
    p = x / n
    return x * log(p) + (n - x) * log(1 - p)


def change_point(counts: Sequence[int], totals: Sequence[int], min_days: int = 3) -> int | None:
    """The day index where the share most likely rose (a single split maximising the
    binomial likelihood of before and after), or None when no split has a higher share
    after than before with at least `min_days` days on each side."""
    days = len(counts)
    x_all, n_all = sum(counts), sum(totals)
    best, best_ll = None, -inf
    x_before = n_before = 0
    for k in range(1, days):
        x_before += counts[k - 1]
        n_before += totals[k - 1]
        if k < min_days or days - k < min_days:
            continue
        x_after, n_after = x_all - x_before, n_all - n_before
        if not (n_before and n_after) or x_after / n_after <= x_before / n_before:
            continue
        ll = _loglik(x_before, n_before) + _loglik(x_after, n_after)
        if ll > best_ll:
            best, best_ll = k, ll
    return best
