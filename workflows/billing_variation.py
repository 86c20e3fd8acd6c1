"""billing_variation: a task to explain an unusual invoice before the customer asks.

The rule (`moments.billing_variation_percent`) already found the invoice unlike the
customer's usual ones and kept the numbers; this workflow reads the invoice as it stands
now, so a corrected or voided invoice brings no task, and `min_percent` may be stricter.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from marshmallow import fields, validate

from momentos.model import Action
from momentos.moments.dates import calendar_date
from momentos.texts import babel_locale, playbook
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
    record_of,
    task_priority_field,
)

NAME = "billing_variation"
PROACTIVE = True
WAKES_ON = ("billing_variation",)
# Also hourly, for invoices whose customer was not known yet when the moment came.
TRIGGER = {"trigger": "interval", "hours": 1}
NOT_BILLED = frozenset({"draft", "voided"})


class Params(WorkflowParams):
    enabled = enabled_field("the owner contacts customers who did not ask")
    min_percent = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0),
        metadata={"description": "Only invoices at least this many percent above or below the "
                  "usual amount; the rule's `moments.billing_variation_percent` applies "
                  "first, so this can only be stricter."},
    )  # fmt: skip
    horizon_days = horizon_days_field(
        30,
        "Invoices billed more than this many days ago create nothing "
        "(a billing cycle: by then the customer has seen it).",
    )
    due_days = due_days_field(
        1,
        "The explanation is due this many days after the task is created.",
    )
    due_time = due_time_field(time(12, 0))
    min_lead_minutes = min_lead_field()
    priority = task_priority_field("HIGH")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None


def billed_on(moment: MomentView, invoice: dict[str, Any] | None, time_zone: str) -> date:
    """The invoice's date as written (a date-only property is never shifted through UTC)."""
    props = (invoice or {}).get("properties") or {}
    day = calendar_date(props.get("hs_invoice_date"), time_zone)
    return day or moment.occurred_at.astimezone(ZoneInfo(time_zone)).date()


def variation(moment: MomentView, invoice: dict[str, Any] | None) -> dict[str, Any] | None:
    """The numbers as the invoice stands now: None once it is voided, deleted or unreadable."""
    props = (invoice or {}).get("properties") or {}
    status = (props.get("hs_invoice_status") or "").lower()
    if invoice is None or invoice.get("archived") or status in NOT_BILLED:
        return None
    billed = _decimal(props.get("hs_amount_billed") or moment.data.get("amount"))
    baseline = _decimal(moment.data.get("baseline"))
    if billed is None or not baseline:
        return None
    percent = float((billed - baseline) / baseline * 100)
    return {"amount": billed, "baseline": baseline, "difference": abs(billed - baseline),
            "percent": round(abs(percent), 1), "up": percent > 0}  # fmt: skip


def _numbers(found: dict[str, Any], moment: MomentView, language: str) -> dict[str, Any]:
    currency = moment.data.get("currency")
    shown = {name: money(found[name], currency, language)
             for name in ("amount", "baseline", "difference")}  # fmt: skip
    previous = [money(value, currency, language) for value in moment.data.get("previous_amounts")
                or ()]  # fmt: skip
    percent = format_decimal(found["percent"], locale=babel_locale(language))
    return {**found, **shown, "percent": percent, "previous": previous, "currency": currency}


def _action(params: dict, view: View, moment: MomentView, now: datetime) -> Action | None:
    invoice = view.current(*record_of(moment))
    found = variation(moment, invoice)
    if found is None or found["percent"] < params["min_percent"]:
        return None
    who = audience(view, moment.customer_id, moment.person)
    if who is None:
        return None
    # The invoice's own owner, else the customer's: never nobody.
    who = replace(who, owner_id=str(moment.data.get("owner_id") or who.owner_id))
    today = local_today(now, who.time_zone)
    due = due_on(today + timedelta(days=params["due_days"]), who.time_zone, params["due_time"],
                 now, timedelta(minutes=params["min_lead_minutes"]))  # fmt: skip
    return hubspot_task(
        NAME,
        f"{NAME}:{moment.key}",
        who,
        NAME,
        due,
        priority=params["priority"],
        task_type="CALL",
        moment=moment,
        customer=who.customer.name or who.name,
        number=moment.data.get("number") or record_of(moment)[2],
        billed_on=long_date(billed_on(moment, invoice, who.time_zone), who.language),
        playbook=playbook("billing_variation", who.language),
        **_numbers(found, moment, who.language),
    )


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One task per unusual invoice billed in the last `horizon_days`, for known customers."""
    since = now - timedelta(days=params["horizon_days"])
    moments = view.moments(WAKES_ON, since, now)
    actions = (_action(params, view, m, now) for m in moments if m.customer_id)
    return [action for action in actions if action is not None]
