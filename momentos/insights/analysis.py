"""Spikes from the store: the hourly rollup read once, tested (pure), then each spike
described with its customers and newest requests."""

from dataclasses import replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from momentos.insights import sentences
from momentos.insights.spikes import (
    DEFAULT_THRESHOLDS,
    VIEWS,
    Spike,
    Thresholds,
    daily,
    detect,
    same_spike,
    span,
)
from momentos.store import Store

EXAMPLES = 5


def local_midnight(day, time_zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(time_zone))


def detect_spikes(store: Store, time_zone: str, now: datetime,
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Spike]:  # fmt: skip
    """Spikes as of `now`, days cut in `time_zone`, each with its customers and examples."""
    days = span(now.astimezone(ZoneInfo(time_zone)).date(), thresholds)
    since = local_midnight(days[0], time_zone)
    data = daily(store.request_counts(since, now), days, time_zone)
    found = []
    for spike in detect(data, thresholds):
        start = local_midnight(spike.started_on, time_zone)
        seen = store.requests_with(spike.dimension, spike.value, start, now, EXAMPLES)
        examples = tuple({"link": e["link"], "subject": e["subject"] or "",
                          "occurred_at": e["occurred_at"]} for e in seen["examples"])  # fmt: skip
        found.append(replace(spike, customers=seen["customers"], examples=examples,
                             window_days=thresholds.window_days))  # fmt: skip
    # Zendesk tags a ticket with its drop-down option's value, so a field's rise is also its
    # tag's: the field comes first, so the one kept names the field (and shows its label).
    first = {spike.value: n for n, spike in reversed(list(enumerate(found)))}
    return sorted(found, key=lambda s: (first[s.value], s.dimension.startswith("tag")))


def detect_in_every_view(store: Store, time_zone: str, now: datetime) -> list[Spike]:
    """The recent view's spikes, then the quarter's that are not the same rise."""
    found: list[Spike] = []
    for thresholds in VIEWS:
        for spike in detect_spikes(store, time_zone, now, thresholds):
            if not any(_same(spike, known) for known in found):
                found.append(spike)
    return found


def _same(a: Spike, b: Spike) -> bool:
    return same_spike(as_json(a, with_daily=False), as_json(b, with_daily=False),
                      max(a.window_days, b.window_days))  # fmt: skip


def as_json(spike: Spike, with_daily: bool = True) -> dict[str, Any]:
    """A spike as the API answers it and a `spike` moment keeps it."""
    shape: dict[str, Any] = {
        "dimension": spike.dimension,
        "value": spike.value,
        "share": round(spike.share, 4),
        "baseline_share": round(spike.baseline_share, 4),
        "started_on": spike.started_on.isoformat(),
        "requests": spike.requests,
        "customers": spike.customers,
        "total": spike.total,
        "lift": round(spike.lift, 2) if spike.lift != float("inf") else None,
        "z": round(spike.z, 2),
        "p_value": spike.p_value,
        "examples": list(spike.examples),
        "window_days": spike.window_days,
    }
    shape["sentence"] = sentences.sentences(shape)
    if with_daily:
        shape["daily"] = [{"day": day.isoformat(), "requests": count, "total": total}
                          for day, count, total in spike.daily]  # fmt: skip
    return shape


def told(shape: dict[str, Any], labels: sentences.Labels) -> dict[str, Any]:
    """A spike's JSON shape as staff read it: its `label` beside the `value`, and its
    sentences told with the drop-down labels (a stored spike keeps the raw value only)."""
    return {**sentences.labelled(shape, labels), "sentence": sentences.sentences(shape, labels)}
