"""usage_drop: a call task for the owner when a customer's activity stops (psychic pizza).

A customer who stops using the service rarely says so; the rep calls while there is still
time to learn why and help.
"""

from datetime import date, datetime, time, timedelta

from momentos.model import Action
from momentos.moments.dates import calendar_date
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.common import (
    WorkflowParams,
    audience,
    due_days_field,
    due_on,
    due_time_field,
    enabled_field,
    horizon_days_field,
    hubspot_task,
    local_today,
    long_date,
    min_lead_field,
    task_priority_field,
)

NAME = "usage_drop"
PROACTIVE = True
# A courtesy contact: the weekly cap may drop it (momentos/guards.py).
COURTESY = True
WAKES_ON = ("usage_drop",)
# Also daily, for drops whose customer was not known yet when the moment came.
TRIGGER = {"trigger": "cron", "hour": 7, "minute": 40}


class Params(WorkflowParams):
    enabled = enabled_field("it contacts customers who did not ask")
    horizon_days = horizon_days_field(
        30,
        "Drops older than this many days create nothing (a customer "
        "who came back since creates nothing either).",
    )
    due_days = due_days_field(
        2,
        "The call is due this many days after the task is created.",
    )
    due_time = due_time_field(time(12, 0), "the call is")
    min_lead_minutes = min_lead_field()
    priority = task_priority_field("MEDIUM")


def resumed(view: View, moment: MomentView) -> bool:
    """Whether the record's activity moved on after the drop: the customer came back."""
    record = view.current(*moment.person) if len(moment.person) == 3 else None
    if record is None:
        return False
    name = moment.data.get("property")
    custom = record.get("user_fields") or record.get("organization_fields") or {}
    value = (record.get("properties") or {}).get(name) or record.get(name) or custom.get(name)
    latest = calendar_date(value, moment.data.get("time_zone") or "UTC")
    return latest is not None and latest > date.fromisoformat(moment.data["last_active"])


def _action(params: dict, view: View, moment: MomentView, now: datetime) -> Action | None:
    who = audience(view, moment.customer_id, moment.person)
    if who is None or resumed(view, moment):
        return None
    today = local_today(now, who.time_zone)
    last_active = date.fromisoformat(moment.data["last_active"])
    lead = timedelta(minutes=params["min_lead_minutes"])
    due = due_on(today + timedelta(days=params["due_days"]), who.time_zone, params["due_time"],
                 now, lead)  # fmt: skip
    return hubspot_task(
        NAME,
        f"{NAME}:{moment.key}",
        who,
        NAME,
        due,
        priority=params["priority"],
        task_type="CALL",
        moment=moment,
        last_active=long_date(last_active, who.language),
        quiet_days=(today - last_active).days,
        activity=moment.data.get("property") or "",
        playbook=playbook("usage_drop", who.language),
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One call task per usage drop of the last `horizon_days` whose customer is known."""
    since = now - timedelta(days=params["horizon_days"])
    actions = (_action(params, view, m, now) for m in view.moments(WAKES_ON, since, now))
    return [action for action in actions if action is not None]
