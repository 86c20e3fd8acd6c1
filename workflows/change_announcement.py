"""change_announcement: tell the customer of a moved close date or a new price before it hits.

Psychic pizza: the rep gets a task with a draft message in the customer's language, ready
to copy. A close date pushed back may be the customer's own decision (a renewal postponed
for next year's budget), so the draft confirms the new date and leaves the apology to the
rep, for a delay of ours. One task per change of a deal: a close date pushed back and forth
to the same day, or an amount set again to the same value, is the same news and is
announced once. Admins announce to many customers at once with `momentos announce`
(momentos/announcements.py).
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from babel.numbers import format_decimal

from momentos.model import Action
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
    money,
    task_priority_field,
)

NAME = "change_announcement"
PROACTIVE = True
WAKES_ON = ("deal_delayed", "price_change")
# Also hourly, for changes whose customer was not known yet when the moment came.
TRIGGER = {"trigger": "interval", "hours": 1}


class Params(WorkflowParams):
    enabled = enabled_field("it contacts customers who did not ask")
    horizon_days = horizon_days_field(
        7,
        "Changes older than this many days create nothing.",
    )
    due_days = due_days_field(
        1,
        "The warning is due this many days after the task is created "
        "(sooner if the date the customer expects comes first).",
    )
    due_time = due_time_field(time(12, 0))
    min_lead_minutes = min_lead_field()
    priority = task_priority_field("HIGH")


def changes(moments: list[MomentView]) -> dict[tuple[str, str], dict[str, MomentView]]:
    """The moments of each deal version, by type: one edit can delay a deal and reprice it."""
    found: dict[tuple[str, str], dict[str, MomentView]] = {}
    for moment in moments:
        record, version = moment.key.split(":", 1)[1].rsplit(":", 1)
        found.setdefault((record, version), {})[moment.type] = moment
    return found


def change_key(record: str, change: dict[str, MomentView]) -> str:
    """The news itself, not the version that brought it: the same news twice is one task."""
    parts = []
    if delayed := change.get("deal_delayed"):
        parts.append(f"date={delayed.data['date']}")
    if priced := change.get("price_change"):
        parts.append(f"amount={priced.data['amount']}")
    return f"{NAME}:{record}:{':'.join(parts)}"


def _due_day(change: dict[str, MomentView], today: date, due_days: int) -> date:
    day = today + timedelta(days=due_days)
    if delayed := change.get("deal_delayed"):
        expected = date.fromisoformat(delayed.data["previous_date"])
        day = min(day, expected) if expected >= today else day
    return day


def _context(change: dict[str, MomentView], language: str) -> dict:
    delayed, priced = change.get("deal_delayed"), change.get("price_change")
    context: dict = {"delayed": bool(delayed), "priced": bool(priced)}
    if delayed:
        context.update(
            previous_date=long_date(date.fromisoformat(delayed.data["previous_date"]), language),
            new_date=long_date(date.fromisoformat(delayed.data["date"]), language),
            days_later=delayed.data["days_later"],
        )
    if priced:
        data, percent = priced.data, priced.data.get("percent")
        context.update(
            previous_amount=money(data["previous_amount"], data.get("currency"), language),
            amount=money(data["amount"], data.get("currency"), language),
            increase=Decimal(data["amount"]) > Decimal(data["previous_amount"]),
            percent=None if percent is None else format_decimal(abs(percent), locale=language),
        )
    kinds = [kind for kind in ("deal_delayed", "price_change") if kind in change]
    context["playbook"] = "\n\n".join(playbook(kind, language) for kind in kinds)
    return context


def _action(params: dict, view: View, record: str, change: dict[str, MomentView],
            now: datetime) -> Action | None:  # fmt: skip
    moment = change.get("deal_delayed") or change["price_change"]
    who = audience(view, moment.customer_id)
    if who is None:
        return None
    # The deal's owner knows the deal; the customer's owner only if the deal has none.
    who = replace(who, owner_id=str(moment.data.get("owner_id") or who.owner_id))
    today, lead = local_today(now, who.time_zone), timedelta(minutes=params["min_lead_minutes"])
    day = _due_day(change, today, params["due_days"])
    return hubspot_task(
        NAME,
        change_key(record, change),
        who,
        NAME,
        due_on(day, who.time_zone, params["due_time"], now, lead),
        priority=params["priority"],
        task_type="EMAIL",
        moment=moment,
        deal_ids=(record.rsplit(":", 1)[1],),
        customer=who.customer.name or who.name,
        deal=moment.data.get("name") or "",
        **_context(change, who.language),
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One warning task per deal change of the last `horizon_days` whose customer is known."""
    since = now - timedelta(days=params["horizon_days"])
    found = changes(view.moments(WAKES_ON, since, now))
    actions = (_action(params, view, record, change, now) for (record, _), change in found.items())
    # A deal moved back and forth within the horizon gives the same news twice: the first stays.
    unique: dict[str, Action] = {}
    for action in actions:
        if action is not None:
            unique.setdefault(action.key, action)
    return list(unique.values())
