"""payment_late: a polite follow-up task for the owner on day N of an overdue invoice, and an
escalation on day M to the owner's manager (or a configured owner or queue).

Both stop as soon as the invoice is paid: each run reads the invoice as it stands now, and
a paid, voided or deleted invoice, or one whose due date moved, plans nothing more.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from momentos.model import Action
from momentos.moments.dates import calendar_date
from momentos.texts import playbook
from momentos.view import MomentView, View
from workflows.common import (
    Audience,
    WorkflowParams,
    audience,
    due_at,
    due_time_field,
    enabled_field,
    horizon_days_field,
    hubspot_task,
    local_today,
    long_date,
    min_lead_field,
    money,
    record_of,
    task_priority_field,
)

NAME = "payment_late"
PROACTIVE = True
WAKES_ON = ("payment_late",)
# Daily: the follow-up and the escalation are days counted from the due date.
TRIGGER = {"trigger": "cron", "hour": 8, "minute": 20}
SETTLED = frozenset({"paid", "voided", "draft"})
STEPS = ("follow_up", "escalation")


class Params(WorkflowParams):
    enabled = enabled_field("the owner contacts customers who did not ask")
    follow_up_days = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1),
        metadata={"description": "Days after the due date the owner gets the polite follow-up."},
    )
    escalation_days = fields.Integer(
        load_default=15,
        validate=validate.Range(min=2),
        metadata={"description": "Days after the due date the escalation is created, if the "
                  "invoice is still unpaid."},
    )  # fmt: skip
    managers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_default=dict,
        metadata={"description": "Each owner's manager, by HubSpot owner id: "
                  "`{\"64492918\": \"64492917\"}`; escalations go to the manager."},
    )  # fmt: skip
    escalate_to = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "HubSpot owner id (a person or a collections queue) for "
                  "escalations when the owner has no manager listed; empty: "
                  "`hubspot.fallback_owner_id`."},
    )  # fmt: skip
    horizon_days = horizon_days_field(
        90,
        "Invoices overdue for longer than this create nothing (no "
        "flood of old debts on first activation).",
    )
    due_time = due_time_field(time(12, 0), "the tasks are")
    min_lead_minutes = min_lead_field()
    follow_up_priority = task_priority_field("MEDIUM", "The follow-up task's")
    escalation_priority = task_priority_field("HIGH", "The escalation task's")

    @validates_schema
    def _escalation_after_follow_up(self, data: dict, **kwargs) -> None:
        if data["escalation_days"] <= data["follow_up_days"]:
            raise ValidationError("must be more than follow_up_days", "escalation_days")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None


def still_unpaid(moment: MomentView, invoice: dict[str, Any] | None) -> bool:
    """Whether the invoice, as it stands now, is still the one that fell due unpaid."""
    props = (invoice or {}).get("properties") or {}
    if invoice is None or invoice.get("archived"):
        return False
    if (props.get("hs_invoice_status") or "").lower() in SETTLED:
        return False
    balance = _decimal(props.get("hs_balance_due"))
    if balance is not None and balance <= 0:
        return False
    # A due date moved is a new lateness, with its own moment, if it comes.
    due = calendar_date(props.get("hs_due_date"), moment.data["time_zone"])
    return due is not None and due.isoformat() == moment.data["due_date"]


def steps_due(params: dict, days_late: int) -> list[str]:
    """The steps whose day has come: the follow-up from day N, the escalation from day M."""
    if days_late > params["horizon_days"]:
        return []
    days = {"follow_up": params["follow_up_days"], "escalation": params["escalation_days"]}
    return [step for step in STEPS if days_late >= days[step]]


def escalation_owner(params: dict, view: View, owner_id: str) -> str:
    """The owner's manager, else the configured owner or queue, else the fallback owner."""
    return (params["managers"].get(owner_id) or params["escalate_to"]
            or view.defaults.fallback_owner_id)  # fmt: skip


def _context(moment: MomentView, invoice: dict[str, Any], who: Audience, due: date,
             today: date) -> dict[str, Any]:  # fmt: skip
    props, currency = invoice.get("properties") or {}, moment.data.get("currency")
    balance = props.get("hs_balance_due") or props.get("hs_amount_billed")
    total = props.get("hs_amount_billed")
    return {
        "customer": who.customer.name or who.name,
        "number": moment.data.get("number") or record_of(moment)[2],
        "balance": money(balance, currency, who.language) if _decimal(balance) else None,
        "total": money(total, currency, who.language) if _decimal(total) else None,
        "due_date": long_date(due, who.language),
        "days_late": (today - due).days,
        "playbook": playbook("payment_late", who.language),
    }


def _actions(params: dict, view: View, moment: MomentView, now: datetime) -> list[Action]:
    invoice = view.current(*record_of(moment))
    due = date.fromisoformat(moment.data["due_date"])
    today = local_today(now, moment.data["time_zone"])
    steps = steps_due(params, (today - due).days)
    who = audience(view, moment.customer_id, moment.person) if steps else None
    if who is None or not still_unpaid(moment, invoice):
        return []
    owner = str(moment.data.get("owner_id") or who.owner_id)
    context = _context(moment, invoice or {}, who, due, today)
    when = due_at(now, who.time_zone, params["due_time"],
                  timedelta(minutes=params["min_lead_minutes"]))  # fmt: skip
    actions = []
    for step in steps:
        escalating = step == "escalation"
        to = escalation_owner(params, view, owner) if escalating else owner
        actions.append(hubspot_task(
            NAME, f"{NAME}:{moment.key}:{step}", replace(who, owner_id=to), NAME, when,
            priority=params[f"{step}_priority"], task_type="CALL" if escalating else "EMAIL",
            moment=moment, escalation=escalating, owner=view.owner_name(owner) or owner, **context,
        ))  # fmt: skip
    return actions


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """The follow-up and the escalation due for each invoice still unpaid, known customers."""
    # Lateness is read by its local midnight: a day either side covers every timezone.
    since = now - timedelta(days=params["horizon_days"] + 2)
    moments = view.moments(WAKES_ON, since, now + timedelta(days=1))
    return [action for m in moments if m.customer_id for action in _actions(params, view, m, now)]
