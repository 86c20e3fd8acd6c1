"""company_anniversary: one greeting per customer and day, round years flagged (issue #8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.zendesk.records import to_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_contact, hubspot_object, rule_context
from workflows import company_anniversary
from workflows.company_anniversary import NAME

CONTEXT = rule_context(horizon_days=120)
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events):
    store.add_events(events, source="poll", received_at=T0)
    derive_pending(store, CONTEXT, FrozenClock(T0))


def plan(store, now=NOW, fallback="OWNER-FALLBACK", **params):
    view = View(
        store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id=fallback)
    )
    return company_anniversary.plan(company_anniversary.Params().load(params), view, now)


def company(founded="2019-11-23", owner="77", created="2020-03-02T09:00:00Z"):
    properties = {"name": "La Espiga", "domain": "laespiga.es", "founded_year": founded}
    if owner:
        properties["hubspot_owner_id"] = owner
    return hubspot_object("company", "21", properties, created=created)


def contact(language="es"):
    return hubspot_contact("11", companies=("21",), hs_language=language)


def test_an_anniversary_today_is_a_spanish_greeting_for_the_owner(store):
    load(store, company(), contact())
    [action] = plan(store)
    assert action.key == f"{NAME}:1:2026-11-23"
    assert action.moment_key == "company_anniversary:hubspot:company:21:2026"
    payload = action.payload
    assert (payload["owner_id"], payload["company_ids"], payload["contact_ids"]) == (
        "77", ["21"], ["11"])  # fmt: skip
    assert payload["subject"] == "Felicitar a La Espiga por sus 7 años (lunes 23 de noviembre)"
    assert payload["priority"] == "MEDIUM"
    body = payload["body"]
    assert "El lunes 23 de noviembre, La Espiga cumple 7 años: se fundó en 2019." in body
    assert "Contacto: Carmen Vidal." in body
    assert "https://app.hubspot.com/contacts/62515/record/0-2/21" in body
    assert "Felicita a la empresa por su aniversario" in body
    assert "aniversario redondo" not in body


def test_a_round_anniversary_is_flagged_with_a_higher_priority(store):
    # A founding year alone: round years only, on the day the company became a customer.
    load(store, company(founded="2001", created="2020-11-23T09:00:00Z"), contact(language="en"))
    [action] = plan(store)
    assert action.payload["subject"] == (
        "[Round anniversary] Congratulate La Espiga on 25 years (Monday, November 23)"
    )
    assert action.payload["priority"] == "HIGH"
    body = action.payload["body"]
    assert "La Espiga was founded in 2001 and turns 25 this year." in body
    assert "A round anniversary deserves more than an email" in body


def test_round_years_are_configurable(store):
    load(store, company(), contact())
    [action] = plan(store, round_years=[7], round_priority="MEDIUM")
    assert action.payload["subject"].startswith("[Aniversario redondo] Felicitar a La Espiga")
    assert action.payload["priority"] == "MEDIUM"


def test_a_company_in_both_tools_is_greeted_once(store):
    organization = to_event("organization", {
        "id": 31, "name": "La Espiga S.L.", "domain_names": ["laespiga.es"],
        "organization_fields": {"founding_date": "2019-11-23"},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-11-20T00:00:00Z",
    })  # fmt: skip
    load(store, company(), contact(), organization)
    assert len(store.moments(types=["company_anniversary"], since=NOW - timedelta(days=1),
                             until=NOW + timedelta(days=1))) == 2  # fmt: skip
    [action] = plan(store)
    assert action.moment_key == "company_anniversary:hubspot:company:21:2026"


def test_planning_through_the_day_and_days_before_gives_one_action(store):
    load(store, company(founded="2019-11-25"), contact())
    days = [NOW + timedelta(hours=hours) for hours in range(0, 72, 6)]
    keys = {a.key for now in days for a in plan(store, now=now, days_before=2)}
    assert keys == {f"{NAME}:1:2026-11-25"}


def test_no_owner_goes_to_the_fallback_and_no_language_to_the_default(store):
    load(store, company(owner=None))
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("OWNER-FALLBACK", "es")
    assert action.payload["contact_ids"] == []
    assert "Contacto:" not in action.payload["body"]


def test_on_a_sunday_it_waits_for_monday_morning(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True, "weekend_to_friday": False}})
    store = Store(settings.store["path"])
    load(store, company(founded="2019-11-29"), contact())  # a Sunday
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=sunday).actions
    assert action.not_before == datetime(2026, 11, 30, 8, 0, tzinfo=MADRID)
    assert action.payload["due_at"] == "2026-11-29T10:00:00+01:00"


def test_the_customers_timezone_decides_the_day_and_the_due_time(store):
    # The company's moment was dated before its customer's timezone was known (Madrid's).
    emily = to_event("user", {
        "id": 502, "name": "Emily Brooks", "email": "emily@laespiga.es", "locale": "en-US",
        "iana_time_zone": "America/New_York", "role": "end-user",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-11-20T00:00:00Z",
    })  # fmt: skip
    load(store, company(), emily)
    late_in_madrid = datetime(2026, 11, 24, 1, 0, tzinfo=MADRID)  # 19:00 on the 23rd in New York
    [action] = plan(store, now=late_in_madrid)
    assert action.payload["due_at"] == "2026-11-23T19:35:00-05:00"  # half an hour ahead
    assert action.payload["subject"] == "Congratulate La Espiga on 7 years (Monday, November 23)"
