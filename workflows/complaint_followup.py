"""complaint_followup: a HubSpot task for the account owner to call a complaining customer today."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, fields, validate

from momentos.model import Action
from momentos.texts import language_or_default, playbook, render
from momentos.view import MomentView, View

NAME = "complaint_followup"
WAKES_ON = ("complaint",)
# Also runs on a schedule, to catch complaints whose customer was not known yet.
TRIGGER = {"trigger": "interval", "minutes": 15}


class Params(Schema):
    class Meta:
        unknown = RAISE

    enabled = fields.Boolean(load_default=True, metadata={"description": "Run it at all."})
    due_time = fields.Time(
        load_default=time(17, 0),
        metadata={"description": "Local time, in the customer's timezone, the call is due."},
    )
    min_lead_minutes = fields.Integer(
        load_default=60,
        validate=validate.Range(min=0),
        metadata={"description": "Never due sooner than this many minutes from now."},
    )
    horizon_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1),
        metadata={"description": "Complaints older than this many days create nothing."},
    )
    priority = fields.String(
        load_default="HIGH",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "The task's priority: LOW, MEDIUM or HIGH."},
    )


def due_at(now: datetime, time_zone: str, due_time: time, min_lead: timedelta) -> datetime:
    """Today at `due_time` in the customer's timezone, or `min_lead` from now if that is sooner."""
    local_now = now.astimezone(ZoneInfo(time_zone))
    today = datetime.combine(local_now.date(), due_time, tzinfo=local_now.tzinfo)
    soonest = local_now + min_lead
    # A rep reads "due 18:35", not "due 18:34:27.123".
    soonest = soonest.replace(second=0, microsecond=0) + timedelta(minutes=5 - soonest.minute % 5)
    return max(today, soonest)


def _action(params: dict, view: View, moment: MomentView, now: datetime) -> Action | None:
    customer = view.customer(moment.customer_id) if moment.customer_id else None
    if customer is None:
        return None
    person = view.person(moment.person)
    email = person.email if person else None
    contact = customer.contact_for(email)
    company = customer.companies[0] if customer.companies else None
    owner = (
        (company or {}).get("owner_id")
        or (contact or {}).get("owner_id")
        or view.defaults.fallback_owner_id
    )
    language = language_or_default(
        (contact or {}).get("language")
        or (person.language if person else None)
        or customer.language,
        view.defaults.language,
    )
    time_zone = (
        (person.time_zone if person else None) or customer.time_zone or view.defaults.time_zone
    )
    due = due_at(now, time_zone, params["due_time"], timedelta(minutes=params["min_lead_minutes"]))
    name = (person.name if person else "") or customer.name
    text = render(
        NAME,
        language,
        name=name,
        ticket_subject=moment.data.get("subject", ""),
        link=moment.link,
        opened_on=moment.occurred_at.astimezone(due.tzinfo).strftime("%Y-%m-%d %H:%M"),
        due_on=due.strftime("%Y-%m-%d %H:%M %Z"),
        playbook=playbook("complaint", language),
    )
    return Action(
        key=f"{NAME}:{moment.key}",
        workflow=NAME,
        tool="hubspot",
        kind="task",
        customer_id=customer.id,
        moment_key=moment.key,
        payload={
            "subject": text["subject"],
            "body": text["body"],
            "due_at": due.isoformat(),
            "owner_id": owner,
            "priority": params["priority"],
            "task_type": "CALL",
            "contact_ids": [contact["id"]] if contact else [],
            "company_ids": [company["id"]] if company else [],
            "language": language,
        },
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One call task per complaint of the last `horizon_days` whose customer is known."""
    since = now - timedelta(days=params["horizon_days"])
    actions = (_action(params, view, m, now) for m in view.moments(WAKES_ON, since, now))
    return [action for action in actions if action is not None]
