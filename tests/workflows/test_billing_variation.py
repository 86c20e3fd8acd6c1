"""billing_variation: a task to explain an unusual invoice before the customer asks (#8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import (
    T0,
    hubspot_contact,
    hubspot_invoice,
    hubspot_object,
    rule_context,
    zendesk_user,
)
from workflows import billing_variation
from workflows.billing_variation import NAME

CONTEXT = rule_context()  # a variation is 20 % or more against the last three invoices
PARAMS = billing_variation.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")
KEY = f"{NAME}:billing_variation:hubspot:invoice:9"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, **params):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid",
                                fallback_owner_id="OWNER-FALLBACK"))  # fmt: skip
    return billing_variation.plan({**PARAMS, **params}, view, now)


def customer(store, owner="77", language="es", currency="EUR", name="Panadería La Espiga",
             domain="laespiga.es", email="carmen@laespiga.es"):  # fmt: skip
    properties = {"name": name, "domain": domain}
    if owner:
        properties["hubspot_owner_id"] = owner
    contact = {"hs_language": language} if language else {}
    history = [hubspot_invoice(f"{month}0", amount=amount, currency=currency,
                               invoice_date=f"2026-{month:02}-01",
                               modified=f"2026-{month:02}-01T08:00:00Z")
               for month, amount in ((8, "100.00"), (9, "110.00"), (10, "90.00"))]  # fmt: skip
    load(store, hubspot_object("company", "21", properties),
         hubspot_contact(email=email, companies=("21",), **contact), *history)  # fmt: skip


def unusual(amount="145.00", currency="EUR", modified="2026-11-20T08:00:00Z", **properties):
    return hubspot_invoice("9", amount=amount, currency=currency, invoice_date="2026-11-20",
                           modified=modified, **properties)  # fmt: skip


def test_an_invoice_45_percent_up_gets_a_spanish_task_with_the_numbers(store):
    customer(store)
    load(store, unusual())
    [action] = plan(store)
    assert (action.key, action.moment_key) == (KEY, "billing_variation:hubspot:invoice:9")
    payload = action.payload
    assert (payload["owner_id"], payload["priority"], payload["company_ids"]) == (
        "77",
        "HIGH",
        ["21"],
    )
    assert payload["subject"] == ("Explicar a Panadería La Espiga la factura INV-9: 145,00\xa0€, "
                                  "un 45 % por encima de lo habitual")  # fmt: skip
    body = payload["body"]
    assert ("La factura INV-9 de Panadería La Espiga (20 de noviembre de 2026) es de 145,00\xa0€: "
            "45,00\xa0€ más que la media de las anteriores (100,00\xa0€)") in body  # fmt: skip
    assert "Facturas anteriores: 100,00\xa0€, 110,00\xa0€, 90,00\xa0€." in body
    assert "https://app.hubspot.com/contacts/62515/record/0-53/9" in body
    assert "Avisa tú antes de que le llegue la sorpresa" in body
    assert payload["due_at"] == "2026-11-24T12:00:00+01:00"  # tomorrow at noon, Madrid


def test_an_english_customer_without_owner_gets_the_fallback_in_dollars(store):
    customer(store, owner=None, language="en", currency="USD", name="Northwind Logistics",
             domain="northwind.com", email="emily@northwind.com")  # fmt: skip
    load(store, unusual(amount="60.00", currency="USD"))
    [action] = plan(store)
    assert action.payload["owner_id"] == "OWNER-FALLBACK"
    assert action.payload["subject"] == ("Explain invoice INV-9 to Northwind Logistics: $60.00, "
                                         "40% below the usual")  # fmt: skip
    assert "$40.00 less than the average of the previous ones ($100.00)" in action.payload["body"]


def test_the_invoice_date_is_read_as_written_in_the_customers_timezone(store):
    customer(store, language="en", currency="USD", name="Northwind Logistics",
             domain="northwind.com", email="emily@northwind.com")  # fmt: skip
    load(store, unusual(amount="60.00", currency="USD"))
    # Known in New York only after the invoice: its moment was dated in Madrid.
    load(store, zendesk_user(email="emily@northwind.com", time_zone="America/New_York",
                             locale="en-US", name="Emily Brooks"))  # fmt: skip
    [action] = plan(store)
    assert "Northwind Logistics (November 20, 2026)" in action.payload["body"]
    assert action.payload["due_at"] == "2026-11-24T12:00:00-05:00"


def test_the_invoices_own_owner_first_and_no_language_means_the_default(store):
    customer(store, language=None)
    load(store, unusual(hubspot_owner_id="88"))
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("88", "es")


def test_a_stricter_threshold_and_a_corrected_or_voided_invoice_plan_nothing(store):
    customer(store)
    load(store, unusual())
    assert plan(store, min_percent=50.0) == []
    later = NOW + timedelta(hours=1)
    load(store, unusual(amount="102.00", modified="2026-11-23T09:30:00Z"), at=later)
    assert plan(store, now=later, min_percent=20.0) == []  # corrected: 2 % now
    load(store, unusual(hs_invoice_status="voided", modified="2026-11-23T09:40:00Z"), at=later)
    assert plan(store, now=later) == []


def test_the_same_invoice_twice_is_one_task_and_old_ones_none(store):
    customer(store)
    load(store, unusual(), unusual(modified="2026-11-21T08:00:00Z", hs_balance_due="145.00"))
    assert [a.key for a in plan(store)] == [KEY]
    assert [a.key for a in plan(store, now=NOW + timedelta(days=3))] == [KEY]
    assert plan(store, now=NOW + timedelta(days=31)) == []


def test_on_a_sunday_the_task_waits_for_monday_morning(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    customer(store)
    load(store, unusual())
    sunday = datetime(2026, 11, 22, 18, 0, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=sunday).actions
    assert action.not_before == datetime(2026, 11, 23, 8, 0, tzinfo=MADRID)
