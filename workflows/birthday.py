"""birthday: a greeting for the owner to send on a customer contact's birthday.

On the day (or `days_before`), in the person's language and timezone; one greeting per
customer and day, so a person known to both tools is greeted once. A birthday on 29
February lands on the day `moments.feb29_policy` gives in other years.
"""

from datetime import date, datetime

from momentos.model import Action
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.common import audience, local_today
from workflows.greetings import GreetingParams, day_name, due_time, greeting, is_due, moment_groups

NAME = "birthday"
PROACTIVE = True
# A courtesy contact: the weekly cap may drop it (momentos/guards.py).
COURTESY = True
WAKES_ON = ("birthday",)
# Hourly, so that each customer's day is seen soon after it starts where they live.
TRIGGER = {"trigger": "interval", "hours": 1}


class Params(GreetingParams):
    pass


def _people(group: list[MomentView]) -> list[str]:
    """Each person once: the same email (or name) in both tools is one person."""
    seen: dict[str, str] = {}
    for moment in group:
        name = moment.data.get("name") or ""
        seen.setdefault((moment.data.get("email") or name).strip().lower(), name)
    return [name for name in seen.values() if name]


def _action(params: dict, view: View, group: list[MomentView], now: datetime) -> Action | None:
    moment = group[0]
    who = audience(view, moment.customer_id, moment.person)
    if who is None:
        return None
    day, today = date.fromisoformat(moment.data["date"]), local_today(now, who.time_zone)
    if not is_due(day, params, today):
        return None
    return greeting(
        NAME,
        params,
        who,
        moment,
        due_time(params, day, who.time_zone, now),
        params["priority"],
        others=[name for name in _people(group) if name != who.name],
        company=who.customer.name if who.customer.name != who.name else "",
        day=day_name(day, who.language),
        playbook=playbook("birthday", who.language),
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One greeting per customer whose contact's birthday is today (or in `days_before`)."""
    actions = (_action(params, view, g, now) for g in moment_groups(view, NAME, params, now))
    return [action for action in actions if action is not None]
