"""A year of monthly HubSpot invoices per company: steady, then this month's surprises.

Each company is billed on the 1st of every month in its currency, a few per cent around
its fee (usage varies). This month some bills jump or drop sharply (billing_variation:
config `moments.billing_variation_percent`), and some customers have not paid past the
due date (payment_late).
"""

import random
from datetime import date, datetime, timedelta

from sandbox.demo.people import COMPANIES, People
from sandbox.state import SandboxState

INVOICE_TO_COMPANY = 179  # HubSpot's default association type
MONTHS = 12
# Payment terms by currency: British customers pay at 14 days, the rest at 30.
TERMS = {"GBP": 14, "EUR": 30, "USD": 30}
NOISE = 0.04  # usual month-to-month variation, well under the 20% that makes a moment
# This month's bill against the usual one.
THIS_MONTH = {
    "northwind": 1.78,  # a peak season of deliveries: usage-based charges
    "greenleaf": 0.55,  # seats removed after a team change
    "donalupe": 1.40,  # the e-invoicing module (deals.py) starts billing
}
# Months ago of the bills still unpaid, and how much of each is still due (1 = all).
UNPAID = {
    "gil": {3: 1.0, 2: 1.0},  # two bills unpaid, and no owner to notice
    "bluebird": {1: 1.0},
    "prairie": {3: 0.4},  # paid only part of it
}


def _month_start(today: date, months_ago: int) -> date:
    month = today.month - months_ago
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _amount(rng: random.Random, fee: int, key: str, months_ago: int) -> float:
    factor = 1 + rng.uniform(-NOISE, NOISE)
    if months_ago == 0:
        factor = THIS_MONTH.get(key, factor)
    return round(fee * factor, 2)


def _properties(key: str, currency: str, owner, billed: date, amount: float,
                months_ago: int, number: str, today: date) -> dict[str, str]:  # fmt: skip
    due = billed + timedelta(days=TERMS[currency])
    unpaid = UNPAID.get(key, {}).get(months_ago)
    if unpaid:
        balance, status = round(amount * unpaid, 2), "open"
    elif due >= today:
        balance, status = amount, "open"  # not due yet
    else:
        balance, status = 0.0, "paid"  # everyone else pays on time
    properties = {
        "hs_number": number,
        "hs_currency": currency,
        "hs_invoice_date": billed.isoformat(),
        "hs_due_date": due.isoformat(),
        "hs_amount_billed": f"{amount:.2f}",
        "hs_balance_due": f"{balance:.2f}",
        "hs_invoice_status": status,
    }
    if owner:
        properties["hubspot_owner_id"] = owner
    return properties


def seed_invoices(state: SandboxState, people: People, now: datetime) -> int:
    """Month by month, so invoice ids and dates grow together."""
    hubspot, rng, count = state.hubspot, random.Random(12), 0
    for months_ago in range(MONTHS - 1, -1, -1):
        billed = _month_start(now.date(), months_ago)
        issued = datetime(billed.year, billed.month, billed.day, tzinfo=now.tzinfo)
        for row in COMPANIES:
            company = people.companies[row.key]
            count += 1
            number = f"INV-{billed:%Y%m}-{count:04d}"
            owner = company["properties"].get("hubspot_owner_id")
            amount = _amount(rng, row.fee, row.key, months_ago)
            properties = _properties(row.key, row.currency, owner, billed, amount, months_ago,
                                     number, now.date())  # fmt: skip
            links = [("companies", company["id"], INVOICE_TO_COMPANY)]
            hubspot.create_object("invoices", properties, links, created_at=issued)
    return count
