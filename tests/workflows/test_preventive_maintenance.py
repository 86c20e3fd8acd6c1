"""preventive_maintenance: an offer about six months after the last service, once (issue #8)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.model import Action
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import (
    T0,
    hubspot_deal,
    hubspot_record,
    rule_context,
    zendesk_ticket,
    zendesk_user,
)
from workflows import preventive_maintenance
from workflows.preventive_maintenance import NAME, add_months

CONTEXT = rule_context(service_pipelines=frozenset({"services"}))
PARAMS = preventive_maintenance.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, params=PARAMS, fallback="OWNER-FALLBACK"):
    view = View(
        store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id=fallback)
    )
    return preventive_maintenance.plan(params, view, now)


def la_espiga():
    return (
        hubspot_record("company", "21", domain="laespiga.es", name="La Espiga", owner_id="77"),
        hubspot_record("contact", "11", email="carmen@laespiga.es", language="es",
                       name="Carmen Vidal", owner_id="78"),
        zendesk_user(),
    )  # fmt: skip


def solved(ticket_id=101, on="2026-05-20T10:00:00Z", requester_id=501):
    return zendesk_ticket(ticket_id=ticket_id, tags=(), status="solved", updated=on,
                          requester_id=requester_id, subject="Revisión de la caldera")  # fmt: skip


def test_a_customer_served_six_months_ago_gets_an_offer_for_the_company_owner(store):
    load(store, *la_espiga(), solved())
    [action] = plan(store)
    assert action.key == f"{NAME}:1:service_completed:zendesk:ticket:101"
    assert (action.tool, action.kind, action.workflow) == ("hubspot", "task", NAME)
    assert action.moment_key == "service_completed:zendesk:ticket:101"
    payload = action.payload
    assert (payload["owner_id"], payload["contact_ids"], payload["company_ids"]) == (
        "77", ["11"], ["21"])  # fmt: skip
    assert payload["subject"] == (
        "Ofrecer una revisión a Carmen Vidal: hace 6 meses del último servicio"
    )
    body = payload["body"]
    assert "fue el 20 de mayo de 2026: «Revisión de la caldera»" in body
    assert "https://acme.zendesk.com/agent/tickets/101" in body
    assert "Por qué ahora:" in body
    assert "Antes de: jueves, 26 de noviembre de 2026, 12:00 (CET)" in body  # as a rep reads it
    assert "Propón una revisión preventiva" in body
    assert payload["due_at"] == "2026-11-26T12:00:00+01:00"
    assert (payload["priority"], payload["task_type"]) == ("MEDIUM", "CALL")


def test_a_newer_service_resets_the_clock(store):
    load(store, *la_espiga(), solved(), solved(ticket_id=102, on="2026-10-01T09:00:00Z"))
    assert plan(store) == []


def test_a_won_service_deal_counts_as_a_service(store):
    won = hubspot_deal(pipeline="services", dealstage="closedwon",
                       closedate="2026-09-01T10:00:00Z")  # fmt: skip
    load(store, *la_espiga(), solved(), won)
    assert plan(store) == []
    assert len(plan(store, now=datetime(2027, 3, 1, 9, tzinfo=MADRID))) == 1


@pytest.mark.parametrize(
    ("served_on", "offers"),
    [
        ("2026-06-06T10:00:00Z", 1),  # due 6 December: 13 days early, within the tolerance
        ("2026-06-08T10:00:00Z", 0),  # due 8 December: too early yet
        ("2026-05-09T10:00:00Z", 1),  # due 9 November: 14 days late, still within
        ("2026-03-01T10:00:00Z", 0),  # long past: no flood on first activation
    ],
)
def test_only_customers_near_the_date_get_an_offer(store, served_on, offers):
    load(store, *la_espiga(), solved(on=served_on))
    assert len(plan(store)) == offers


def test_an_offer_already_standing_for_the_customer_blocks_another(store):
    load(store, *la_espiga(), solved())
    earlier = Action(key=f"{NAME}:1:an-earlier-offer", workflow=NAME, tool="hubspot",
                     kind="task", payload={}, customer_id=1)  # fmt: skip
    store.enqueue([earlier], NOW - timedelta(days=30))
    assert plan(store) == []
    store.db.execute("UPDATE actions SET created_at = ?", [(NOW - timedelta(days=91)).isoformat()])
    assert len(plan(store)) == 1


def test_no_owner_goes_to_the_fallback_and_no_language_to_the_default(store):
    load(store, zendesk_user(locale=None), solved())
    [action] = plan(store)
    assert action.payload["owner_id"] == "OWNER-FALLBACK"
    assert action.payload["language"] == "es"
    assert action.payload["contact_ids"] == []


def test_an_english_customer_gets_english_in_their_timezone(store):
    load(store, zendesk_user(user_id=502, email="emily@northwind.com", locale="en-US",
                             time_zone="America/New_York", name="Emily Brooks"),
         solved(requester_id=502))  # fmt: skip
    [action] = plan(store)
    assert action.payload["subject"] == (
        "Offer Emily Brooks a check-up: 6 months since their last service"
    )
    assert "was on May 20, 2026" in action.payload["body"]
    assert action.payload["due_at"] == "2026-11-26T12:00:00-05:00"


def test_the_same_service_planned_day_after_day_is_one_action(store):
    load(store, *la_espiga(), solved())
    keys = {a.key for day in range(5) for a in plan(store, now=NOW + timedelta(days=day))}
    assert keys == {f"{NAME}:1:service_completed:zendesk:ticket:101"}


def test_before_working_hours_the_offer_waits_for_them(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    load(store, *la_espiga(), solved())
    early = datetime(2026, 11, 23, 6, 30, tzinfo=MADRID)
    result = run_workflow(store, settings, NAME, now=early)
    [action] = result.actions
    assert action.not_before == datetime(2026, 11, 23, 8, 0, tzinfo=MADRID)
    assert result.enqueued == [action.key]
    assert run_workflow(store, settings, NAME, now=early).enqueued == []


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(date(2026, 5, 20), 6) == date(2026, 11, 20)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 15), -6) == date(2025, 7, 15)


def test_the_due_time_reads_as_people_write_it_in_each_language():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from workflows.common import local_time_text

    due = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    assert local_time_text(due, "en") == "Thursday, November 26, 2026, 12:00\u202fPM (EST)"
    assert local_time_text(due, "es") == "jueves, 26 de noviembre de 2026, 12:00 (EST)"
