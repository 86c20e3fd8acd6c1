"""renewal_reminder: tasks for the owner 90, 60 and 30 days before a renewal, with the value
at stake and what could put it at risk (complaints, open tickets, the last survey, billing).

One task per renewal and lead time. A renewal deal is one renewal, so its close date moved
back and forth never brings a second task for the same lead; a renewal date property comes
back every year, so its renewals are told apart by the year of the date.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import fields, validate

from momentos.model import Action
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.billing_variation import billed_on
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
    money,
    record_of,
    task_priority_field,
)

NAME = "renewal_reminder"
PROACTIVE = True
WAKES_ON = ("renewal_due",)
# Daily, when each lead time's day comes; new renewals wake it at once.
TRIGGER = {"trigger": "cron", "hour": 7, "minute": 50}
RISK_TYPES = ("complaint", "support_request", "survey_answered", "billing_variation",
              "payment_late")  # fmt: skip
SOLVED = frozenset({"solved", "closed"})
# The last survey answer says how the customer feels even when it is older than the window.
SURVEY_LOOKBACK = timedelta(days=365)


class Params(WorkflowParams):
    enabled = enabled_field("the owner calls customers who did not ask")
    lead_days = fields.List(
        fields.Integer(validate=validate.Range(min=0, max=365)),
        load_default=lambda: [90, 60, 30],
        validate=validate.Length(min=1),
        metadata={"description": "Days before the renewal date a task is created, one per "
                  "lead time; a renewal first seen late gets only the latest lead's task."},
    )  # fmt: skip
    default_currency = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{3}$"),
        metadata={"description": "ISO code of deals that name no `deal_currency_code` (the "
                  "portal's company currency, e.g. `EUR`); empty: the amount alone."},
    )  # fmt: skip
    risk_days = fields.Integer(
        load_default=90,
        validate=validate.Range(min=1),
        metadata={"description": "How many days back complaints, tickets and billing problems "
                  "count in the risk summary."},
    )  # fmt: skip
    due_days = due_days_field(
        5,
        "The call is due this many days after the task is created (never after the renewal date).",
    )
    due_time = due_time_field(time(10, 0), "the call is")
    min_lead_minutes = min_lead_field()
    priority = task_priority_field("MEDIUM")
    at_risk_priority = fields.String(
        load_default="HIGH",
        validate=validate.OneOf(["LOW", "MEDIUM", "HIGH"]),
        metadata={"description": "The priority instead when the customer shows risk: a "
                  "complaint, an unhappy survey answer or a billing problem."},
    )  # fmt: skip


def lead_due(renewal: date, today: date, leads: list[int]) -> int | None:
    """The lead time whose day came last: 60 when 45 days are left, None after the date."""
    passed = [lead for lead in leads if renewal - timedelta(days=lead) <= today <= renewal]
    return min(passed) if passed else None


def reminder_key(moment: MomentView, renewal: date, lead: int) -> str:
    tool, object_type, object_id = record_of(moment)
    cycle = "" if moment.data.get("source") == "pipeline" else f"{renewal.year}:"
    return f"{NAME}:{tool}:{object_type}:{object_id}:{cycle}{lead}"


def _item(moment: MomentView, time_zone: str, language: str,
          invoice: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """A moment as a line of the risk summary: its data, its local day, its link."""
    day = moment.occurred_at.astimezone(ZoneInfo(time_zone)).date()
    if moment.type == "payment_late":  # dated: its own local day, never shifted
        day = date.fromisoformat(moment.data["due_date"])
    elif moment.type == "billing_variation":
        day = billed_on(moment, invoice, time_zone)
    return {**moment.data, "kind": moment.type, "on": long_date(day, language),
            "link": moment.link}  # fmt: skip


def _still_open(view: View, moment: MomentView) -> bool:
    ticket = view.current(*record_of(moment))
    return ticket is not None and ticket.get("status") not in SOLVED


def risk(view: View, customer_id: int, now: datetime, days: int, time_zone: str,
         language: str) -> dict[str, Any]:  # fmt: skip
    """What could put the renewal at risk, from the customer's moments."""
    found = view.customer_moments(customer_id, RISK_TYPES, now - SURVEY_LOOKBACK, now)
    recent = [m for m in found if m.occurred_at >= now - timedelta(days=days)]
    complaints = [m for m in recent if m.type == "complaint"]
    told = {m.link for m in complaints}
    tickets = [m for m in recent if m.type == "support_request" and m.link not in told
               and _still_open(view, m)]  # fmt: skip
    billing = [m for m in recent if m.type in ("billing_variation", "payment_late")]
    surveys = [m for m in found if m.type == "survey_answered"]
    survey = surveys[-1] if surveys else None
    unhappy = survey is not None and survey.data.get("sentiment") == "negative"
    return {
        "complaints": [_item(m, time_zone, language) for m in complaints],
        "open_tickets": [_item(m, time_zone, language) for m in tickets],
        "billing": [_item(m, time_zone, language, view.current(*record_of(m))) for m in billing],
        "survey": _item(survey, time_zone, language) if survey else None,
        "at_risk": bool(complaints or billing or unhappy),
    }


def value_at_stake(view: View, moment: MomentView, language: str,
                   default_currency: str | None) -> str | None:  # fmt: skip
    """The deal's amount in its currency, as it stands now; None when nobody set one."""
    tool, object_type, object_id = record_of(moment)
    if object_type != "deal":
        return None
    props = (view.current(tool, object_type, object_id) or {}).get("properties") or {}
    amount = props.get("amount") or moment.data.get("amount")
    currency = props.get("deal_currency_code") or default_currency
    try:
        return money(amount, currency, language) if amount else None
    except ArithmeticError:  # a free-text amount HubSpot let through
        return None


def _action(params: dict, view: View, moment: MomentView, now: datetime) -> Action | None:
    renewal = date.fromisoformat(moment.data["date"])
    today = local_today(now, moment.data["time_zone"])
    lead = lead_due(renewal, today, params["lead_days"])
    who = audience(view, moment.customer_id) if lead is not None else None
    if who is None or lead is None:
        return None
    # The deal's (or company's) own owner knows the renewal; the customer's owner otherwise.
    who = replace(who, owner_id=str(moment.data.get("owner_id") or who.owner_id))
    found = risk(view, who.customer.id, now, params["risk_days"], who.time_zone, who.language)
    due_day = min(today + timedelta(days=params["due_days"]), renewal)
    due = due_on(due_day, who.time_zone, params["due_time"], now,
                 timedelta(minutes=params["min_lead_minutes"]))  # fmt: skip
    tool, object_type, object_id = record_of(moment)
    return hubspot_task(
        NAME,
        reminder_key(moment, renewal, lead),
        who,
        NAME,
        due,
        priority=params["at_risk_priority" if found["at_risk"] else "priority"],
        task_type="CALL",
        moment=moment,
        deal_ids=(object_id,) if object_type == "deal" else (),
        customer=who.customer.name or who.name,
        deal=moment.data.get("name") or "",
        renewal_date=long_date(renewal, who.language),
        days_left=(renewal - today).days,
        value=value_at_stake(view, moment, who.language, params["default_currency"]),
        risk_days=params["risk_days"],
        playbook=playbook("renewal_due", who.language),
        **found,
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One call task per renewal whose next lead time has come, for known customers."""
    # Renewals are read by their local midnight: a day either side covers every timezone.
    horizon = timedelta(days=max(params["lead_days"]) + 1)
    moments = view.moments(WAKES_ON, now - timedelta(days=1), now + horizon)
    unique: dict[str, Action] = {}
    for moment in moments:
        action = _action(params, view, moment, now) if moment.customer_id else None
        if action is not None:
            unique.setdefault(action.key, action)
    return list(unique.values())
