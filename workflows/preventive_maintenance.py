"""preventive_maintenance: offer a check-up about N months after a customer's last service.

Psychic pizza: the rep offers maintenance before the customer thinks of it, which is how a
one-time customer comes back. Only the last service counts (a newer one resets the clock),
and a customer who already got an offer in the last `offer_every_days` gets no other.
"""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import fields, validate

from momentos.model import Action
from momentos.view import MomentView, View
from workflows.common import (
    WorkflowParams,
    audience,
    due_days_field,
    due_on,
    due_time_field,
    enabled_field,
    hubspot_task,
    local_today,
    long_date,
    min_lead_field,
    task_priority_field,
)

NAME = "preventive_maintenance"
PROACTIVE = True
# A courtesy contact: the weekly cap may drop it (momentos/guards.py).
COURTESY = True
# A new service only resets a customer's clock, but it is also the moment the whole
# customer base is worth a look (and the demo has no daily tick).
WAKES_ON = ("service_completed",)
TRIGGER = {"trigger": "cron", "hour": 7, "minute": 30}


class Params(WorkflowParams):
    enabled = enabled_field("it contacts customers who did not ask")
    months = fields.Integer(
        load_default=6,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "Offer maintenance this many months after the last service."},
    )
    tolerance_days = fields.Integer(
        load_default=14,
        validate=validate.Range(min=0, max=90),
        metadata={"description": "Days either side of that date the offer may be made; "
                  "customers further past it (on first activation) get none."},
    )  # fmt: skip
    offer_every_days = fields.Integer(
        load_default=90,
        validate=validate.Range(min=1),
        metadata={"description": "No new offer while one was made for the customer within "
                  "this many days (it is still open)."},
    )  # fmt: skip
    due_days = due_days_field(
        3,
        "The task is due this many days after it is created.",
    )
    due_time = due_time_field(time(12, 0))
    min_lead_minutes = min_lead_field()
    priority = task_priority_field("MEDIUM")


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_services(services: list[MomentView]) -> dict[int, MomentView]:
    """Each known customer's most recent service."""
    last: dict[int, MomentView] = {}
    for service in services:
        if service.customer_id is None:
            continue
        kept = last.get(service.customer_id)
        if kept is None or service.occurred_at >= kept.occurred_at:
            last[service.customer_id] = service
    return last


def _offer(params: dict, view: View, service: MomentView, now: datetime) -> Action | None:
    who = audience(view, service.customer_id, service.person)
    if who is None:
        return None
    served_on = service.occurred_at.astimezone(ZoneInfo(who.time_zone)).date()
    offer_on = add_months(served_on, params["months"])
    today, tolerance = local_today(now, who.time_zone), timedelta(days=params["tolerance_days"])
    if not offer_on - tolerance <= today <= offer_on + tolerance:
        return None
    lead = timedelta(minutes=params["min_lead_minutes"])
    due = due_on(today + timedelta(days=params["due_days"]), who.time_zone, params["due_time"],
                 now, lead)  # fmt: skip
    return hubspot_task(
        NAME,
        f"{NAME}:{who.customer.id}:{service.key}",
        who,
        NAME,
        due,
        priority=params["priority"],
        task_type="CALL",
        moment=service,
        service=service.data.get("subject") or service.data.get("name") or "",
        served_on=long_date(served_on, who.language),
        months=params["months"],
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One offer per customer whose last service was about `months` ago and who has no
    offer standing."""
    # A day either side covers the customers' timezones; `_offer` checks the exact day.
    reach = timedelta(days=params["tolerance_days"] + 1)
    oldest = add_months((now - reach).date(), -params["months"])
    newest = add_months((now + reach).date(), -params["months"])
    since = datetime.combine(oldest, time(0), tzinfo=now.tzinfo)
    services = last_services(view.moments(("service_completed",), since, now))
    offered = view.acted_for(NAME, now - timedelta(days=params["offer_every_days"]))
    actions = (
        _offer(params, view, service, now)
        for customer_id, service in services.items()
        if customer_id not in offered and service.occurred_at.date() <= newest
    )
    return [action for action in actions if action is not None]
