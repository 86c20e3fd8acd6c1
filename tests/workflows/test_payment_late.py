"""payment_late: a polite follow-up on day N, an escalation on day M, nothing once paid (#8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from connectors.hubspot.records import owner_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_contact, hubspot_invoice, hubspot_object, rule_context
from workflows import payment_late
from workflows.payment_late import NAME

CONTEXT = rule_context()
PARAMS = payment_late.Params().load({"managers": {"77": "70"}})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid: three days after the due date
MADRID = ZoneInfo("Europe/Madrid")
MOMENT = "payment_late:hubspot:invoice:9:2026-11-20"
FOLLOW_UP, ESCALATION = f"{NAME}:{MOMENT}:follow_up", f"{NAME}:{MOMENT}:escalation"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, params=PARAMS):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid",
                                fallback_owner_id="OWNER-FALLBACK"))  # fmt: skip
    return payment_late.plan(params, view, now)


def customer(store, owner="77", language="es", name="Panadería La Espiga",
             domain="laespiga.es", email="carmen@laespiga.es"):  # fmt: skip
    properties = {"name": name, "domain": domain}
    if owner:
        properties["hubspot_owner_id"] = owner
    contact = {"hs_language": language} if language else {}
    load(store, hubspot_object("company", "21", properties),
         owner_event({"id": "77", "firstName": "Lucía", "lastName": "Martín",
                      "updatedAt": "2026-01-01T00:00:00Z"}),
         hubspot_contact(email=email, companies=("21",), **contact))  # fmt: skip


def invoice(modified="2026-11-21T08:00:00Z", currency="EUR", **properties):
    properties = {"hs_due_date": "2026-11-20", "hs_balance_due": "145.00", **properties}
    return hubspot_invoice("9", amount="145.00", currency=currency, invoice_date="2026-10-21",
                           modified=modified, **properties)  # fmt: skip


def test_three_days_late_the_owner_gets_a_polite_spanish_follow_up(store):
    customer(store)
    load(store, invoice())
    [action] = plan(store)
    assert (action.key, action.moment_key) == (FOLLOW_UP, MOMENT)
    payload = action.payload
    assert (payload["owner_id"], payload["priority"], payload["task_type"]) == (
        "77",
        "MEDIUM",
        "EMAIL",
    )
    assert payload["subject"] == ("Recordar con amabilidad a Panadería La Espiga la factura "
                                  "INV-9, vencida hace 3 días")  # fmt: skip
    body = payload["body"]
    assert ("La factura INV-9 de Panadería La Espiga (145,00\xa0€) venció el 20 de noviembre de "
            "2026 y sigue sin pagar: quedan 145,00\xa0€ pendientes.") in body  # fmt: skip
    assert "https://app.hubspot.com/contacts/62515/record/0-53/9" in body
    assert "Escribe con amabilidad" in body
    assert payload["due_at"] == "2026-11-23T12:00:00+01:00"


def test_before_day_three_nothing_and_day_fifteen_escalates_to_the_manager(store):
    customer(store)
    load(store, invoice())
    assert plan(store, now=NOW - timedelta(days=1)) == []
    day_15 = NOW + timedelta(days=12)
    follow_up, escalation = plan(store, now=day_15)
    assert (follow_up.key, escalation.key) == (FOLLOW_UP, ESCALATION)
    assert (escalation.payload["owner_id"], escalation.payload["priority"]) == ("70", "HIGH")
    assert escalation.payload["subject"] == ("Escalado: Panadería La Espiga lleva 15 días sin "
                                             "pagar la factura INV-9")  # fmt: skip
    assert "Habla con Lucía Martín:" in escalation.payload["body"]


def test_a_paid_invoice_stops_the_tasks(store):
    customer(store)
    load(store, invoice())
    assert [a.key for a in plan(store)] == [FOLLOW_UP]
    paid_at = NOW + timedelta(days=5)
    load(store, invoice(hs_invoice_status="paid", hs_balance_due="0",
                        modified="2026-11-28T09:00:00Z"), at=paid_at)  # fmt: skip
    assert plan(store, now=paid_at) == []
    assert plan(store, now=NOW + timedelta(days=12)) == []  # no escalation either


def test_a_moved_due_date_or_a_deleted_invoice_stops_them_too(store):
    customer(store)
    load(store, invoice())
    later = NOW + timedelta(hours=2)
    load(store, invoice(hs_due_date="2026-12-20", modified="2026-11-23T10:00:00Z"), at=later)
    assert plan(store, now=later) == []
    archived = hubspot_object(
        "invoice",
        "9",
        invoice().data["properties"],
        archived=True,
        modified="2026-11-23T10:30:00Z",
        companies=("21",),
    )
    load(store, archived, at=later)
    assert plan(store, now=later) == []


def test_without_manager_the_escalation_goes_to_the_queue_then_the_fallback(store):
    customer(store, owner=None, language="en", name="Northwind Logistics",
             domain="northwind.com", email="emily@northwind.com")  # fmt: skip
    load(store, invoice(currency="USD"))
    day_15 = NOW + timedelta(days=12)
    follow_up, escalation = plan(store, now=day_15)
    assert (follow_up.payload["owner_id"], escalation.payload["owner_id"]) == (
        "OWNER-FALLBACK",
        "OWNER-FALLBACK",
    )
    queue = payment_late.Params().load({"escalate_to": "QUEUE-9"})
    assert plan(store, now=day_15, params=queue)[1].payload["owner_id"] == "QUEUE-9"
    assert escalation.payload["subject"] == ("Escalated: Northwind Logistics has not paid "
                                             "invoice INV-9 for 15 days")  # fmt: skip
    assert "$145.00 outstanding" in escalation.payload["body"]


def test_no_language_means_the_default_and_the_same_day_twice_is_one_task(store):
    customer(store, language=None)
    load(store, invoice(), invoice(modified="2026-11-22T08:00:00Z"))
    first, again = plan(store), plan(store, now=NOW + timedelta(hours=3))
    assert [a.key for a in first] == [a.key for a in again] == [FOLLOW_UP]
    assert first[0].payload["language"] == "es"


def test_old_debts_are_left_alone_and_the_escalation_must_come_after_the_follow_up(store):
    customer(store)
    load(store, invoice())
    assert plan(store, now=NOW + timedelta(days=90)) == []
    with pytest.raises(ValidationError, match="must be more than follow_up_days"):
        payment_late.Params().load({"follow_up_days": 10, "escalation_days": 10})


def test_at_night_the_follow_up_waits_for_the_morning(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    customer(store)
    load(store, invoice())
    night = datetime(2026, 11, 23, 21, 30, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=night).actions
    assert action.not_before == datetime(2026, 11, 24, 8, 0, tzinfo=MADRID)
