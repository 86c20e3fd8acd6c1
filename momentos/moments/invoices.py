"""Rules for HubSpot invoices: a bill unlike the customer's usual ones, a payment late.

`Known.related` holds the same company's other invoices (what the store knows); the rule
picks the earlier ones in the same currency: amounts in different currencies are never
compared.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import build, dated, is_live, time_zone_of
from momentos.moments.dates import calendar_date, local_midnight, span
from momentos.moments.deals import amount

NOT_BILLED = frozenset({"draft", "voided"})
SETTLED = frozenset({"paid", "voided", "draft"})


def _props(data: dict[str, Any]) -> dict[str, Any]:
    return data.get("properties") or {}


def _currency(data: dict[str, Any]) -> str | None:
    return (_props(data).get("hs_currency") or "").strip().upper() or None


def _billed_on(data: dict[str, Any], time_zone: str) -> date | None:
    props = _props(data)
    return calendar_date(props.get("hs_invoice_date") or data.get("created_at"), time_zone)


def _billed(data: dict[str, Any]) -> bool:
    status = (_props(data).get("hs_invoice_status") or "").lower()
    return status not in NOT_BILLED and not data.get("archived")


def previous_amounts(
    invoice: dict[str, Any], others: tuple[dict[str, Any], ...], time_zone: str, count: int
) -> list[Decimal]:
    """The amounts of the `count` invoices billed before this one, in its currency."""
    currency, day = _currency(invoice), _billed_on(invoice, time_zone)
    earlier = []
    for other in others:
        other_day = _billed_on(other, time_zone)
        other_amount = amount(_props(other).get("hs_amount_billed"))
        if other.get("id") == invoice.get("id") or other_amount is None or not _billed(other):
            continue
        if _currency(other) == currency and other_day and day and other_day < day:
            earlier.append((other_day, str(other.get("id")), other_amount))
    return [value for _, _, value in sorted(earlier)[-count:]]


def _invoice_data(event: Event) -> dict[str, Any]:
    props = _props(event.data)
    return {
        "number": event.data.get("number") or props.get("hs_number"),
        "amount": props.get("hs_amount_billed"),
        "currency": _currency(event.data),
        "balance_due": props.get("hs_balance_due"),
        "due_date": props.get("hs_due_date"),
        "status": props.get("hs_invoice_status"),
        "owner_id": event.data.get("owner_id"),
    }


def billing_variation(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """An invoice whose amount differs from the average of the previous ones by the
    configured percentage or more."""
    billed = amount(_props(event.data).get("hs_amount_billed"))
    if not is_live(event) or not _billed(event.data) or billed is None:
        return []
    if _currency(event.data) is None:
        return []
    policy, time_zone = context.policy, time_zone_of(event, context, known)
    previous = previous_amounts(event.data, known.related, time_zone, policy.billing_history)
    baseline = sum(previous, Decimal(0)) / len(previous) if previous else None
    if not baseline:
        return []
    percent = float((billed - baseline) / baseline * 100)
    if abs(percent) < policy.billing_variation_percent:
        return []
    day = _billed_on(event.data, time_zone)
    occurred_at = local_midnight(day, time_zone) if day else event.occurred_at
    data = {**_invoice_data(event), "baseline": str(baseline.quantize(Decimal("0.01"))),
            "previous_amounts": [str(a) for a in previous], "percent": round(percent, 1),
            "direction": "up" if percent > 0 else "down"}  # fmt: skip
    return [build("billing_variation", event, context, occurred_at, data)]


def payment_late(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """An invoice still unpaid the day after its due date (a fact once that day comes).

    Keyed by the due date: a due date moved after the invoice was late is a new lateness.
    """
    props = _props(event.data)
    if not is_live(event) or (props.get("hs_invoice_status") or "").lower() in SETTLED:
        return []
    balance = amount(props.get("hs_balance_due"))
    if balance is not None and balance <= 0:
        return []
    time_zone = time_zone_of(event, context, known)
    due = calendar_date(props.get("hs_due_date"), time_zone)
    if due is None or due + timedelta(days=1) > span(known, time_zone, 0).last:
        return []
    data = {**_invoice_data(event), "due_date": due.isoformat()}
    late = due + timedelta(days=1)
    return [dated("payment_late", event, context, late, time_zone, data, suffix=due.isoformat())]
