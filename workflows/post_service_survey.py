"""post_service_survey: a short survey by email some days after a service is completed.

One question (CSAT 1-5 or NPS 0-10) and an optional comment, in the customer's language,
sent through the `mail` tool; the link is signed when the mail is sent. Not too often: one
survey per customer every `every_days`, and never to a customer with an open complaint
(one in the last `complaint_days` whose ticket has not been solved since). A ticket the
customer already rated (Zendesk's own CSAT) is not asked about again.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, validate, validates_schema

from momentos.model import Action
from momentos.view import MomentView, View
from workflows.common import (
    Audience,
    WorkflowParams,
    audience,
    enabled_field,
    horizon_days_field,
)

NAME = "post_service_survey"
WAKES_ON = ("service_completed",)
# Surveys come due days after their service: the schedule is what sends most of them.
TRIGGER = {"trigger": "interval", "minutes": 15}
# A survey due before the next scheduled run is planned now; `not_before` holds it back.
LEAD = timedelta(minutes=15)


class Params(WorkflowParams):
    enabled = enabled_field("it emails customers, so set up `mail` and `surveys` first")
    delay_days = fields.Integer(
        load_default=3,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Days after the service the survey is sent."},
    )
    scale = fields.String(
        load_default="csat",
        validate=validate.OneOf(["csat", "nps"]),
        metadata={
            "description": "`csat` (1-5: how was the service) or `nps` (0-10: would "
            "you recommend us)."
        },
    )
    send_from = fields.Time(
        load_default=time(9, 0),
        metadata={"description": "Earliest local time, in the customer's timezone, to send."},
    )
    send_until = fields.Time(
        load_default=time(20, 0),
        metadata={
            "description": "Latest local time to send; later ones wait for the next "
            "day's `send_from`."
        },
    )
    horizon_days = horizon_days_field(
        14,
        "Services older than this many days get no survey (no flood "
        "on first activation); must be more than `delay_days`.",
        most=365,
    )
    every_days = fields.Integer(
        load_default=90,
        validate=validate.Range(min=1),
        metadata={"description": "At most one survey per customer in this many days."},
    )
    complaint_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0),
        metadata={
            "description": "A complaint this recent blocks surveys until its ticket is "
            "solved; 0 ignores complaints."
        },
    )

    @validates_schema
    def _consistent(self, data: dict, **kwargs) -> None:
        if data["send_from"] >= data["send_until"]:
            raise ValidationError("must be before send_until", field_name="send_from")
        if data["horizon_days"] <= data["delay_days"]:
            raise ValidationError("must be more than delay_days", field_name="horizon_days")


def send_at(served_at: datetime, time_zone: str, params: dict) -> datetime:
    """The first moment `delay_days` after the service inside the customer's sending hours.

    Depends only on the service, so planning again gives the same time."""
    local = (served_at + timedelta(days=params["delay_days"])).astimezone(ZoneInfo(time_zone))
    start = datetime.combine(local.date(), params["send_from"], tzinfo=local.tzinfo)
    if local < start:
        return start
    if local.time() >= params["send_until"]:
        return start + timedelta(days=1)
    return local


def ticket_of(moment: MomentView) -> str | None:
    """The Zendesk ticket a moment is about: its own record, or the one it names."""
    parts = moment.key.split(":")
    if parts[1:3] == ["zendesk", "ticket"]:
        return parts[3]
    ticket = moment.data.get("ticket_id")
    return str(ticket) if ticket else None


def open_complaints(view: View, since: datetime, now: datetime) -> set[int]:
    """Customers with a complaint since `since` whose ticket was not solved after it."""
    complaints = [m for m in view.moments(("complaint",), since, now) if m.customer_id]
    # Only the complaining customers' services: a few reads, not every service of the window.
    solved: dict[str, datetime] = {}
    for customer_id in {m.customer_id for m in complaints}:
        for service in view.customer_moments(customer_id, ("service_completed",), since, now):
            ticket = ticket_of(service)
            if ticket:
                solved[ticket] = max(solved.get(ticket, service.occurred_at), service.occurred_at)
    return {
        m.customer_id
        for m in complaints
        if solved.get(ticket_of(m) or "", m.occurred_at) <= m.occurred_at
    }


def recipient(view: View, who: Audience, person: tuple[str, ...]) -> str | None:
    """The person the service was for, else the customer's first contact or user; None for
    a ticket one of our own agents opened for themselves."""
    if len(person) == 3 and (view.current(*person) or {}).get("role") not in (None, "end-user"):
        return None
    someone = view.person(person) if person else None
    if someone and someone.email:
        return someone.email
    contacts = [c for c in who.customer.contacts if c.get("id") in who.contact_ids]
    for record in (*contacts, *who.customer.zendesk_users):
        if record.get("email"):
            return record["email"]
    return None


def _survey(params: dict, view: View, service: MomentView, who: Audience) -> Action | None:
    to = recipient(view, who, service.person)
    if to is None:
        return None
    payload = {
        "to": to,
        "name": who.name,
        # Empty when only the company is known: the mail then greets no one by name.
        "first_name": who.first_name,
        "language": who.language,
        "scale": params["scale"],
        "ticket_id": ticket_of(service),
        "service": service.data.get("subject") or service.data.get("name") or "",
        "respondent": list(service.person) if len(service.person) == 3 else None,
    }
    return Action(
        key=f"{NAME}:{service.key}",
        workflow=NAME,
        tool="mail",
        kind="survey",
        payload=payload,
        customer_id=who.customer.id,
        moment_key=service.key,
        not_before=send_at(service.occurred_at, who.time_zone, params),
    )


def rated_tickets(view: View, since: datetime, now: datetime) -> set[str]:
    """Tickets already rated (Zendesk's own CSAT, or one of our surveys): not asked again."""
    answers = view.moments(("survey_answered",), since, now)
    return {str(m.data["ticket_id"]) for m in answers if m.data.get("ticket_id")}


def _due(params: dict, view: View, now: datetime) -> dict[int, tuple[MomentView, Audience]]:
    """Each customer's most recent service whose survey is due, with who it is for."""
    since = now - timedelta(days=params["horizon_days"])
    rated = rated_tickets(view, since, now)
    due: dict[int, tuple[MomentView, Audience]] = {}
    for service in view.moments(("service_completed",), since, now):
        if ticket_of(service) in rated:
            continue
        who = audience(view, service.customer_id, service.person)
        if who is None or send_at(service.occurred_at, who.time_zone, params) > now + LEAD:
            continue
        kept = due.get(who.customer.id)
        if kept is None or service.occurred_at >= kept[0].occurred_at:
            due[who.customer.id] = (service, who)
    return due


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One survey per customer whose last service is `delay_days` old, unless surveyed in
    the last `every_days` or with an open complaint."""
    surveyed = view.acted_for(NAME, now - timedelta(days=params["every_days"]))
    complaining = set()
    if params["complaint_days"]:
        complaining = open_complaints(view, now - timedelta(days=params["complaint_days"]), now)
    skipped = surveyed | complaining
    actions = (
        _survey(params, view, service, who)
        for customer_id, (service, who) in _due(params, view, now).items()
        if customer_id not in skipped
    )
    return [action for action in actions if action is not None]
