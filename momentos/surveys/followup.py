"""What the survey follow-up reads through the view (pure): an answer as it ended, and what
the customer is worth. Used by workflows/survey_followup.py."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.timefmt import parse_iso
from momentos.moments.deals import amount, instant
from momentos.moments.surveys import sentiment
from momentos.view import MomentView, View

NOT_BILLED = ("draft", "voided")


@dataclass(frozen=True)
class Answer:
    """The last version of an answer, in one shape for both sources."""

    scale: str
    score: Any
    sentiment: str | None
    comment: str
    ticket_id: str | None
    group_id: str | None


def settled_answer(
    view: View, moment: MomentView, settle: timedelta, now: datetime
) -> Answer | None:
    """The answer as it ended, or None while the customer may still change it: our answers
    say until when (`editable_until`); a Zendesk rating settles `settle` after it is given."""
    _type, tool, object_type, object_id = moment.key.split(":", 3)
    record = view.current(tool, object_type, object_id) or moment.data
    if record.get("editable_until"):
        settles = parse_iso(record["editable_until"])
    else:
        settles = moment.occurred_at + settle
    if now < settles:
        return None
    scale = ("zendesk_csat" if tool == "zendesk" else record.get("scale")) or ""
    ticket = record.get("ticket_id") or moment.data.get("ticket_id")
    return Answer(
        scale=scale,
        score=record.get("score"),
        sentiment=sentiment(scale, record.get("score")),
        comment=(record.get("comment") or "").strip(),
        ticket_id=str(ticket) if ticket else None,
        group_id=record.get("group_id"),
    )


def _total(records, value: str, when: str, counts, since: datetime) -> Decimal:
    sums = Decimal(0)
    for record in records:
        props = record.get("properties") or {}
        at = instant(props.get(when) or record.get("created_at"))
        if counts(props) and at is not None and at >= since:
            sums += amount(props.get(value)) or 0
    return sums


def customer_value(
    view: View, company_id: str | None, since: datetime, won_stages: set[str]
) -> Decimal:
    """Invoices billed, or deals won, since `since`, whichever is larger (a won deal is
    usually invoiced too, so they are not added up); amounts as they are, in the account's
    currency. Zero for a customer without a HubSpot company."""
    if not company_id:
        return Decimal(0)
    invoices = _total(
        view.company_records("invoice", company_id),
        "hs_amount_billed",
        "hs_invoice_date",
        lambda p: (p.get("hs_invoice_status") or "").lower() not in NOT_BILLED,
        since,
    )
    deals = _total(
        view.company_records("deal", company_id),
        "amount",
        "closedate",
        lambda p: p.get("dealstage") in won_stages,
        since,
    )
    return max(invoices, deals)
