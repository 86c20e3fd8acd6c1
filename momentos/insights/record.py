"""A detected spike is itself a moment (DESIGN.md §7): recorded once, then the workflows
it wakes (spike_root_cause) run at once.

The key names the dimension, the value and the onset day, so detecting again changes
nothing; and since a later estimate may date the same rise a day apart, a spike of a value
already recorded within `window_days` of its onset is the same spike, not a new one.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from momentos.insights.analysis import as_json, detect_spikes, local_midnight
from momentos.insights.spikes import DEFAULT_THRESHOLDS, VIEWS, Spike, Thresholds, same_spike
from momentos.moments import Moment
from momentos.store import Store

logger = logging.getLogger(__name__)


def spike_moment(spike: Spike, time_zone: str, insights_url: str | None) -> Moment:
    object_id = f"{spike.dimension}:{spike.value}:{spike.started_on.isoformat()}"
    return Moment(
        key=f"spike:{object_id}",
        type="spike",
        occurred_at=local_midnight(spike.started_on, time_zone),
        tool="momentos",
        object_type="spike",
        object_id=object_id,
        customer_ref=None,
        link=insights_url,
        data=as_json(spike, with_daily=False),
    )


def _known(store: Store, now: datetime, thresholds: Thresholds) -> list[dict[str, Any]]:
    lookback = thresholds.window_days * 2 + thresholds.baseline_days
    return [row["data"] for row in store.moments(types=["spike"], since=now - timedelta(lookback))]


def record_spikes(store: Store, time_zone: str, now: datetime, insights_url: str | None = None,
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:  # fmt: skip
    """Store each new spike as a `spike` moment; return the new moments' keys."""
    known = _known(store, now, thresholds)
    added = []
    for spike in detect_spikes(store, time_zone, now, thresholds):
        moment = spike_moment(spike, time_zone, insights_url)
        if any(same_spike(moment.data, old, thresholds.window_days) for old in known):
            continue
        with store.transaction():
            if store.insert_moment(moment, None, None, now):
                added.append(moment.key)
                known.append(moment.data)
    if added:
        logger.info("recorded %d new spikes", len(added))
    return added


def detect_and_wake(store: Store, settings, now: datetime) -> list[str]:
    """The worker's job: record new spikes, then run the workflows a spike wakes."""
    from momentos.planner import run_woken

    url = settings.web["public_url"].rstrip("/") + "/admin/insights"
    added = [key for thresholds in VIEWS
             for key in record_spikes(store, settings.timezone, now, url, thresholds)]  # fmt: skip
    if added:
        run_woken(store, settings, {"spike"}, now)
    return added
