"""HubSpot deals: renewals coming due, and the changes made "later that day".

Renewals live in the portal's Renewals pipeline (sandbox/hubspot/schema.py), which
config/demo.yaml names in `moments.renewal_pipelines`; a renewal deal's close date is
the renewal date. A delayed deal or a new price is a change between two versions of a
deal, so Momentos must have stored the first one: `later_that_day` changes the deals
after the demo's first sync (momentos/demo.py).
"""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sandbox.demo.people import People
from sandbox.demo.people import company as company_row
from sandbox.state import SandboxState

RENEWALS = "2946640"  # the Renewals pipeline and its stages
RENEWAL_DUE, NEGOTIATION, RENEWED = "2946641", "2946642", "2946643"
SALES = "default"
# HubSpot's default association types: deal to company (primary), deal to contact.
DEAL_TO_COMPANY, DEAL_TO_CONTACT = 5, 3


class Deal(NamedTuple):
    company: str  # a key of people.COMPANIES
    contact: str | None  # a key of people.CONTACTS
    name: str
    pipeline: str
    stage: str
    amount: int
    closes_in: int  # days from today; negative: closed that long ago


# fmt: off
DEALS = (
    Deal("sonrisa", "javier", "Renovación anual · Clínica Dental Sonrisa", RENEWALS,
         RENEWAL_DUE, 1788, 12),
    Deal("mirador", "ines", "Renovación anual · Hotel Mirador de Gredos", RENEWALS,
         NEGOTIATION, 4680, 20),
    Deal("harbour", "margaret", "Annual renewal · Harbour & Finch", RENEWALS, NEGOTIATION,
         5040, 30),
    Deal("northwind", "emily", "Annual renewal · Northwind Logistics", RENEWALS, RENEWAL_DUE,
         14400, 45),
    Deal("bajio", "rodrigo", "Renovación anual · Farmacias del Bajío", RENEWALS, RENEWAL_DUE,
         7680, 75),
    # Beyond the horizon: no renewal moment yet.
    Deal("laespiga", "carmen", "Renovación anual · Panadería La Espiga", RENEWALS, RENEWAL_DUE,
         1068, 150),
    # Renewed last month: closed, nothing to remind.
    Deal("bluebird", "oliver", "Annual renewal · Bluebird Café", RENEWALS, RENEWED, 780, -25),
    Deal("prairie", "dan", "Expansion: three more warehouses", SALES, "contractsent", 9600, 14),
    Deal("greenleaf", "hannah", "Upgrade to the Business plan", SALES, "decisionmakerboughtin",
         2880, 21),
    Deal("donalupe", "lupe", "Módulo de facturación electrónica", SALES, "closedwon", 900, -60),
)
# What the owners change in the afternoon, by deal name: close dates (days from today)
# pushed back, amounts repriced.
LATER_THAT_DAY = (
    # The hotel waits for next year's budget: its renewal moves a month.
    ("Renovación anual · Hotel Mirador de Gredos", {"closes_in": 52}),
    # The warehouses open later than planned.
    ("Expansion: three more warehouses", {"closes_in": 44}),
    # The new price list: +10% on the renewal.
    ("Renovación anual · Farmacias del Bajío", {"amount": 8448}),
    # Four more seats on the upgrade.
    ("Upgrade to the Business plan", {"amount": 3360}),
)
# fmt: on


def _close_date(now: datetime, days: int) -> str:
    return (now + timedelta(days=days)).date().isoformat()


def seed_deals(state: SandboxState, people: People, now: datetime) -> int:
    hubspot = state.hubspot
    for deal in DEALS:
        company = people.companies[deal.company]
        properties = {
            "dealname": deal.name,
            "pipeline": deal.pipeline,
            "dealstage": deal.stage,
            "amount": str(deal.amount),
            "closedate": _close_date(now, deal.closes_in),
            "dealtype": "existingbusiness",
            # As real portals do: each deal in its company's currency (invoices.py bills in it).
            "deal_currency_code": company_row(deal.company).currency,
        }
        owner = company["properties"].get("hubspot_owner_id")
        if owner:
            properties["hubspot_owner_id"] = owner
        links = [("companies", company["id"], DEAL_TO_COMPANY)]
        if deal.contact:
            links.append(("contacts", people.contacts[deal.contact]["id"], DEAL_TO_CONTACT))
        # Open deals were opened a couple of months ago; closed ones a month before closing.
        opened = now - timedelta(days=60 if deal.closes_in > 0 else 30 - deal.closes_in)
        hubspot.create_object("deals", properties, links, created_at=opened)
    return len(DEALS)


def later_that_day(state: SandboxState) -> list[dict[str, Any]]:
    """Push back and reprice the deals of LATER_THAT_DAY; returns the changed deals."""
    hubspot, now = state.hubspot, state.clock.now()
    by_name = {d["properties"].get("dealname"): d for d in hubspot.objects("deals")}
    changed = []
    for name, change in LATER_THAT_DAY:
        deal = by_name.get(name)
        if deal is None:  # not the demo seed
            continue
        properties = {}
        if "closes_in" in change:
            properties["closedate"] = _close_date(now, change["closes_in"])
        if "amount" in change:
            properties["amount"] = str(change["amount"])
        changed.append(hubspot.update_object("deals", deal["id"], properties))
    # In the story hours pass before the next poll; here seconds do, and CRM search shows a
    # change only once indexed (a few seconds). Mark the changes indexed, as loading a saved
    # sandbox does, so the demo's second poll sees them.
    hubspot.index.rebuild("deals", changed, at_ms=0)
    return changed
