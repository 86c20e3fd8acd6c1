"""complaint_followup: a HubSpot task for the account owner to call a complaining customer
today, or first thing on the next working morning when the complaint comes after hours."""

from datetime import datetime, time, timedelta

from momentos.model import Action
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.common import (
    WorkflowParams,
    audience,
    call_due,
    due_time_field,
    enabled_field,
    horizon_days_field,
    hubspot_task,
    local_time_text,
    min_lead_field,
    task_priority_field,
    when_due,
)

NAME = "complaint_followup"
WAKES_ON = ("complaint",)
# Also runs on a schedule, to catch complaints whose customer was not known yet.
TRIGGER = {"trigger": "interval", "minutes": 15}


class Params(WorkflowParams):
    enabled = enabled_field()
    due_time = due_time_field(time(17, 0), "the call is")
    min_lead_minutes = min_lead_field()
    horizon_days = horizon_days_field(
        7,
        "Complaints older than this many days create nothing.",
    )
    priority = task_priority_field("HIGH")


def _action(params: dict, view: View, moment: MomentView, now: datetime) -> Action | None:
    who = audience(view, moment.customer_id, moment.person)
    if who is None:
        return None
    lead = timedelta(minutes=params["min_lead_minutes"])
    due = call_due(now, who.time_zone, params["due_time"], lead, view.defaults.working_hours)
    return hubspot_task(
        NAME,
        f"{NAME}:{moment.key}",
        who,
        NAME,
        due.at,
        priority=params["priority"],
        task_type="CALL",
        moment=moment,
        when=when_due(due, now, who.time_zone, who.language),
        ticket_subject=moment.data.get("subject", ""),
        opened_on=local_time_text(moment.occurred_at.astimezone(due.at.tzinfo), who.language),
        playbook=playbook("complaint", who.language),
    )


def _about_a_ticket(moment: MomentView) -> bool:
    """A bad survey answer with a comment is a complaint too, but survey_followup answers it
    (a recovery ticket, and a call when the customer is worth it): one call, not two."""
    return "sentiment" not in moment.data


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One call task per ticket complaint of the last `horizon_days` whose customer is known."""
    since = now - timedelta(days=params["horizon_days"])
    complaints = filter(_about_a_ticket, view.moments(WAKES_ON, since, now))
    actions = (_action(params, view, m, now) for m in complaints)
    return [action for action in actions if action is not None]
