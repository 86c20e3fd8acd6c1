"""renewal_reminder: a call task at each lead time before a renewal, with the value at stake
and the customer's risk summary (issue #8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.streams import DEAL_PROPERTIES
from momentos.view import Defaults, View
from sandbox import seed
from sandbox.state import SandboxSettings, SandboxState
from tests.factories import (
    T0,
    hubspot_contact,
    hubspot_deal,
    hubspot_invoice,
    hubspot_object,
    rule_context,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from workflows import renewal_reminder
from workflows.renewal_reminder import NAME, lead_due

CONTEXT = rule_context(renewal_pipelines=frozenset({"renewals"}), horizon_days=120,
                       renewal_date_property="renewal_date")  # fmt: skip
PARAMS = renewal_reminder.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")
RENEWAL = "2027-02-21T00:00:00Z"  # 90 days after NOW


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, params=PARAMS):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid",
                                fallback_owner_id="OWNER-FALLBACK"))  # fmt: skip
    return renewal_reminder.plan(params, view, now)


def company(owner="77", name="Panadería La Espiga", domain="laespiga.es", **properties):
    properties = {"name": name, "domain": domain, **properties}
    if owner:
        properties["hubspot_owner_id"] = owner
    return hubspot_object("company", "21", properties)


def renewal_deal(closedate=RENEWAL, modified="2026-11-23T08:00:00Z", **properties):
    properties = {"pipeline": "renewals", "amount": "1200", "deal_currency_code": "EUR",
                  "dealname": "Mantenimiento anual", **properties}  # fmt: skip
    return hubspot_deal(closedate=closedate, modified=modified, **properties)


def spanish_customer(store, **company_properties):
    load(store, company(**company_properties),
         hubspot_contact(companies=("21",), hs_language="es"), zendesk_user())  # fmt: skip


def test_ninety_days_before_the_owner_gets_the_value_and_the_risks_in_spanish(store):
    spanish_customer(store)
    late = hubspot_invoice("9", amount="180.00", hs_due_date="2026-11-10")
    load(store, zendesk_ticket(), zendesk_rating(comment="", created="2026-11-20T09:30:00Z"),
         renewal_deal(), late)  # fmt: skip
    [action] = plan(store)
    assert action.key == f"{NAME}:hubspot:deal:7:90"
    assert action.moment_key == "renewal_due:hubspot:deal:7:2027-02-21"
    payload = action.payload
    assert (payload["owner_id"], payload["priority"], payload["task_type"]) == (
        "77",
        "HIGH",
        "CALL",
    )
    assert payload["deal_ids"] == ["7"] and payload["company_ids"] == ["21"]
    assert payload["subject"] == ("Renovación de Panadería La Espiga el 21 de febrero de 2027: "
                                  "quedan 90 días (1.200,00\xa0€)")  # fmt: skip
    body = payload["body"]
    assert "En juego: 1.200,00\xa0€." in body
    assert ("- Queja del 23 de noviembre de 2026: «La factura está duplicada» "
            "https://acme.zendesk.com/agent/tickets/101") in body  # fmt: skip
    assert "- Pago con retraso: factura INV-9, vencida el 10 de noviembre de 2026" in body
    assert "- Última encuesta (20 de noviembre de 2026): valoración «mala», descontento" in body
    assert "Repasa su historia reciente" in body
    # Due five days later at 10:00 in Madrid.
    assert payload["due_at"] == "2026-11-28T10:00:00+01:00"


def test_a_calm_english_customer_without_owner_goes_to_the_fallback(store):
    load(store, company(owner=None, name="Northwind Logistics", domain="northwind.com"),
         hubspot_contact(email="emily@northwind.com", companies=("21",), hs_language="en"),
         renewal_deal(deal_currency_code="USD", amount="15000"))  # fmt: skip
    [action] = plan(store)
    payload = action.payload
    assert (payload["owner_id"], payload["priority"]) == ("OWNER-FALLBACK", "MEDIUM")
    assert payload["subject"] == ("Northwind Logistics renews on February 21, 2027: 90 days to "
                                  "go ($15,000.00)")  # fmt: skip
    assert "- No complaints, no open tickets, no billing problems." in payload["body"]
    assert "- No survey answers in the last year." in payload["body"]


def test_a_deal_without_currency_takes_the_configured_one_else_the_bare_amount(store):
    load(store, company(), renewal_deal(deal_currency_code=""))
    [bare] = plan(store)
    assert bare.payload["subject"].endswith("quedan 90 días (1.200)")
    portal = renewal_reminder.Params().load({"default_currency": "EUR"})
    assert plan(store, params=portal)[0].payload["subject"].endswith("(1.200,00\xa0€)")


def test_the_deals_own_owner_comes_first_and_no_language_means_the_default(store):
    load(store, company(), renewal_deal(hubspot_owner_id="88", amount=""))
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("88", "es")
    assert "En juego: importe sin indicar en HubSpot." in action.payload["body"]


def test_each_lead_time_once_and_a_late_renewal_only_the_latest_lead():
    renewal = datetime(2027, 2, 21).date()
    days = {lead_due(renewal, renewal - timedelta(days=left), [90, 60, 30])
            for left in (120, 91)}  # fmt: skip
    assert days == {None}
    assert lead_due(renewal, renewal - timedelta(days=90), [90, 60, 30]) == 90
    assert lead_due(renewal, renewal - timedelta(days=45), [90, 60, 30]) == 60
    assert lead_due(renewal, renewal, [90, 60, 30]) == 30
    assert lead_due(renewal, renewal + timedelta(days=1), [90, 60, 30]) is None


def test_planning_every_day_gives_one_task_per_lead_time(store):
    spanish_customer(store)
    load(store, renewal_deal())
    keys = {a.key for day in range(0, 95) for a in plan(store, now=NOW + timedelta(days=day))}
    assert keys == {f"{NAME}:hubspot:deal:7:{lead}" for lead in (90, 60, 30)}


def test_a_close_date_moved_back_and_forth_gives_no_second_task_for_the_same_lead(store):
    spanish_customer(store)
    load(store, renewal_deal())
    first = plan(store)
    later = NOW + timedelta(hours=2)
    load(store, renewal_deal(closedate="2027-02-24T00:00:00Z", modified="2026-11-23T10:00:00Z"),
         at=later)  # fmt: skip
    assert plan(store, now=later) == []  # 93 days left: the 90-day lead has not come yet
    moved = plan(store, now=later + timedelta(days=3))
    assert [a.key for a in moved] == [a.key for a in first] == [f"{NAME}:hubspot:deal:7:90"]
    assert "24 de febrero de 2027" in moved[0].payload["subject"]
    back = later + timedelta(days=4)
    load(store, renewal_deal(modified="2026-11-27T12:00:00Z"), at=back)
    assert [a.key for a in plan(store, now=back)] == [f"{NAME}:hubspot:deal:7:90"]


def test_a_renewal_date_property_recurs_yearly_so_its_key_carries_the_year(store):
    load(store, company(renewal_date="2027-02-21"), hubspot_contact(companies=("21",)))
    [action] = plan(store)
    assert action.key == f"{NAME}:hubspot:company:21:2027:90"
    assert action.payload["deal_ids"] == []
    assert "importe sin indicar" in action.payload["body"]


def test_a_closed_renewal_deal_plans_nothing_more(store):
    spanish_customer(store)
    load(store, renewal_deal())
    won = NOW + timedelta(days=20)
    load(store, renewal_deal(dealstage="closedwon", modified="2026-12-13T10:00:00Z"), at=won)
    assert plan(store, now=NOW + timedelta(days=31)) == []


def test_at_night_the_task_waits_for_the_customers_morning(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}},
                             moments={"renewal_pipelines": ["renewals"],
                                      "category_fields": {"app": 360000000001}})  # fmt: skip
    store = Store(settings.store["path"])
    spanish_customer(store)
    load(store, renewal_deal())
    night = datetime(2026, 11, 23, 22, 30, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=night).actions
    assert action.not_before == datetime(2026, 11, 24, 8, 0, tzinfo=MADRID)


def test_the_demo_portals_renewals_are_at_stake_in_their_currency(store):
    """Reviewer: "(1.788)" and "En juego: 1.788." The demo's deals carry HubSpot's
    `deal_currency_code`, and the deals stream asks for it."""
    state = SandboxState(SandboxSettings())
    state.clock.now = lambda: NOW
    seed.apply(state, "demo")
    deals = {d["properties"]["dealname"]: d["properties"] for d in state.hubspot.objects("deals")}
    assert {name: p.get("deal_currency_code") for name, p in deals.items()
            if "Renov" in name or "renewal" in name} == {
        "Renovación anual · Clínica Dental Sonrisa": "EUR",
        "Renovación anual · Hotel Mirador de Gredos": "EUR",
        "Annual renewal · Harbour & Finch": "GBP",
        "Annual renewal · Northwind Logistics": "USD",
        "Renovación anual · Farmacias del Bajío": "USD",  # billed in USD (sandbox/demo/invoices.py)
        "Renovación anual · Panadería La Espiga": "EUR",
        "Annual renewal · Bluebird Café": "GBP",
    }  # fmt: skip
    polled = {k: v for k, v in deals["Renovación anual · Clínica Dental Sonrisa"].items()
              if k in DEAL_PROPERTIES}  # what Momentos asks HubSpot for  # fmt: skip
    spanish_customer(store)
    load(store, hubspot_deal(**{**polled, "pipeline": "renewals"}))
    [action] = plan(store)
    assert action.payload["subject"].endswith("quedan 12 días (1.788,00\xa0€)")
    assert "En juego: 1.788,00\xa0€." in action.payload["body"]
