"""company_anniversary: a greeting for the owner to send on a customer company's anniversary.

On the day (or `days_before`), in the customer's language and timezone; round years (5,
10, 25 by default) are flagged in the subject and get a higher priority. One greeting per
customer and day, so a company known to both tools is greeted once.
"""

from datetime import date, datetime

from marshmallow import fields, validate

from momentos.model import Action
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.common import audience, local_today
from workflows.greetings import GreetingParams, day_name, due_time, greeting, is_due, moment_groups

NAME = "company_anniversary"
PROACTIVE = True
# A courtesy contact: the weekly cap may drop it (momentos/guards.py).
COURTESY = True
WAKES_ON = ("company_anniversary",)
# Hourly, so that each customer's day is seen soon after it starts where they are.
TRIGGER = {"trigger": "interval", "hours": 1}


class Params(GreetingParams):
    round_years = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        load_default=lambda: [5, 10, 25],
        metadata={"description": "Anniversaries worth more than a message: flagged in the "
                  "subject, with `round_priority`."},
    )  # fmt: skip
    round_priority = fields.String(
        load_default="HIGH",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "The task's priority on a round anniversary."},
    )


def _action(params: dict, view: View, group: list[MomentView], now: datetime) -> Action | None:
    moment = group[0]
    # No person: the company is the customer; its first contact is whom to write to.
    who = audience(view, moment.customer_id)
    if who is None:
        return None
    day, today = date.fromisoformat(moment.data["date"]), local_today(now, who.time_zone)
    if not is_due(day, params, today):
        return None
    years = int(moment.data["years"])
    is_round = years in params["round_years"]
    company = moment.data.get("name") or who.customer.name
    return greeting(
        NAME,
        params,
        who,
        moment,
        due_time(params, day, who.time_zone, now),
        params["round_priority"] if is_round else params["priority"],
        company=company,
        contact=who.name if who.name != company else "",
        years=years,
        round=is_round,
        founded=day.year - years,
        by_year=moment.data.get("precision") == "year",
        day=day_name(day, who.language),
        playbook=playbook("company_anniversary", who.language),
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One greeting per customer whose company's anniversary is today (or in `days_before`)."""
    actions = (_action(params, view, g, now) for g in moment_groups(view, NAME, params, now))
    return [action for action in actions if action is not None]
