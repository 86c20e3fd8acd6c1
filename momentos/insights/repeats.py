"""A customer asking again is itself a moment (DESIGN.md's catalogue: `repeat_request`).

The runs of repeated requests are the ones the repeat_request workflow opens its tickets
for (same params: `workflows.repeat_request`), so the moment and the ticket agree and share
a key: the customer, the category and the run's first local day. Recorded once; a run that
goes on stays one moment, dated by the request that made it a repetition.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from momentos.moments import Moment
from momentos.store import Store
from momentos.view import MomentView, View
from workflows.repeat_request import HISTORY, NAME, WAKES_ON, grouped, repetitions

logger = logging.getLogger(__name__)


def _request(moment: MomentView) -> dict[str, str | None]:
    return {"key": moment.key, "subject": moment.data.get("subject") or "",
            "occurred_at": moment.occurred_at.isoformat(), "link": moment.link}  # fmt: skip


def repeat_moment(params: dict, customer_id: int, category: str, run: list[MomentView],
                  time_zone: str) -> Moment:  # fmt: skip
    """The moment of one run: when the `count`-th request came, with the requests so far."""
    first = run[0].occurred_at.astimezone(ZoneInfo(time_zone)).date()
    object_id = f"{customer_id}:{category}:{first.isoformat()}"
    made = run[params["count"] - 1]
    return Moment(
        key=f"{NAME}:{object_id}",
        type=NAME,
        occurred_at=made.occurred_at,
        tool="momentos",
        object_type=NAME,
        object_id=object_id,
        customer_ref=made.person if len(made.person) == 3 else None,
        link=made.link,
        data={"category_by": params["category_by"], "category": category,
              "count": params["count"], "window_days": params["window_days"],
              "first": first.isoformat(), "subject": made.data.get("subject") or "",
              "requests": [_request(m) for m in run[: params["count"]]]},
    )  # fmt: skip


def repeat_moments(params: dict, view: View, now: datetime) -> list[tuple[int, Moment]]:
    """(customer id, moment) of each run still going within `horizon_days`, as the workflow
    finds them: no flood of old runs on a first activation, and the hourly job sees each new
    run as it forms."""
    window, horizon = timedelta(days=params["window_days"]), timedelta(days=params["horizon_days"])
    history = max(HISTORY, horizon + 2 * window)
    recent = {m.customer_id for m in view.moments(WAKES_ON, now - horizon, now) if m.customer_id}
    found = []
    for customer_id in sorted(recent):
        customer = view.customer(customer_id)
        time_zone = (customer and customer.time_zone) or view.defaults.time_zone
        moments = view.customer_moments(customer_id, WAKES_ON, now - history, now)
        for (_, category), requests in sorted(grouped(params, moments).items()):
            for run in repetitions(requests, params["count"], window, now - history):
                if run[-1].occurred_at >= now - horizon:
                    moment = repeat_moment(params, customer_id, category, run, time_zone)
                    found.append((customer_id, moment))
    return found


def record_repeats(store: Store, settings, now: datetime) -> list[str]:
    """Store each new run as a `repeat_request` moment, then run the workflows it wakes."""
    from momentos.planner import run_woken, view_for

    added = []
    for customer_id, moment in repeat_moments(settings.workflows[NAME], view_for(store, settings),
                                              now):  # fmt: skip
        with store.transaction():
            if store.insert_moment(moment, None, customer_id, now):
                added.append(moment.key)
    if added:
        logger.info("recorded %d new repeat requests", len(added))
        run_woken(store, settings, {NAME}, now)
    return added
