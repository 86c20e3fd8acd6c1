"""usage_drop: a call task when a customer's activity stops (issue #8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_object, rule_context, zendesk_user
from workflows import usage_drop
from workflows.usage_drop import NAME

CONTEXT = rule_context(usage_property="last_activity_date", usage_stale_days=30)
PARAMS = usage_drop.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")
KEY = f"{NAME}:usage_drop:hubspot:company:21:2026-10-20"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, fallback="OWNER-FALLBACK"):
    view = View(
        store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id=fallback)
    )
    return usage_drop.plan(PARAMS, view, now)


def company(last_active="2026-10-20", owner="77", name="La Espiga", domain="laespiga.es",
            modified="2026-11-23T08:00:00Z"):  # fmt: skip
    properties = {"name": name, "domain": domain, "last_activity_date": last_active}
    if owner:
        properties["hubspot_owner_id"] = owner
    return hubspot_object("company", "21", properties, modified=modified)


def test_a_quiet_company_gets_a_call_task_for_its_owner(store):
    load(store, company())
    [action] = plan(store)
    assert action.key == KEY
    assert action.moment_key == "usage_drop:hubspot:company:21:2026-10-20"
    payload = action.payload
    assert (payload["owner_id"], payload["company_ids"]) == ("77", ["21"])
    assert payload["subject"] == "Llamar a La Espiga: lleva 34 días sin actividad"
    body = payload["body"]
    assert "no tiene actividad desde el 20 de octubre de 2026" in body
    assert "34 días sin movimiento (propiedad «last_activity_date»)" in body
    assert "https://app.hubspot.com/contacts/62515/record/0-2/21" in body
    assert "Llama para interesarte, no para vender" in body
    assert payload["due_at"] == "2026-11-25T12:00:00+01:00"
    assert (payload["priority"], payload["task_type"]) == ("MEDIUM", "CALL")


def test_an_english_customer_gets_english_in_their_timezone(store):
    load(store, company(name="Northwind", domain="northwind.com"),
         zendesk_user(user_id=502, email="emily@northwind.com", locale="en-US",
                      time_zone="America/New_York", name="Emily Brooks"))  # fmt: skip
    [action] = plan(store)
    assert action.payload["subject"] == "Call Northwind: no activity for 34 days"
    assert "has had no activity since October 20, 2026" in action.payload["body"]
    assert action.payload["due_at"] == "2026-11-25T12:00:00-05:00"


def test_no_owner_goes_to_the_fallback_and_no_language_to_the_default(store):
    load(store, company(owner=None))
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("OWNER-FALLBACK", "es")


def test_old_drops_plan_nothing_and_the_same_drop_is_one_key(store):
    load(store, company(last_active="2026-09-01"))  # quiet since 1 October: past the horizon
    assert plan(store) == []
    # A correction of the activity date: a drop within the horizon.
    load(store, company(last_active="2026-10-20", modified="2026-11-23T09:30:00Z"),
         at=T0 + timedelta(hours=1))  # fmt: skip
    keys = {a.key for day in range(3) for a in plan(store, now=NOW + timedelta(days=day))}
    assert keys == {KEY}


def test_on_a_saturday_the_task_waits_for_monday_morning(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    load(store, company())
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=saturday).actions
    assert action.not_before == datetime(2026, 11, 30, 8, 0, tzinfo=MADRID)


def test_a_customer_who_came_back_gets_no_call(store):
    load(store, company())
    assert len(plan(store)) == 1
    back = company(last_active="2026-11-21", modified="2026-11-23T09:30:00Z")
    load(store, back, at=T0 + timedelta(hours=1))
    assert plan(store) == []
