"""birthday: one greeting per customer and day, in the person's language (issue #8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.zendesk.records import to_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_contact, hubspot_record, rule_context
from workflows import birthday
from workflows.birthday import NAME

CONTEXT = rule_context(horizon_days=120)
PARAMS = birthday.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, context=CONTEXT):
    store.add_events(events, source="poll", received_at=T0)
    derive_pending(store, context, FrozenClock(T0))


def plan(store, now=NOW, fallback="OWNER-FALLBACK", **params):
    view = View(
        store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id=fallback)
    )
    return birthday.plan(birthday.Params().load(params), view, now)


def company(owner="77"):
    return hubspot_record("company", "21", domain="laespiga.es", name="La Espiga",
                          owner_id=owner)  # fmt: skip


def contact(born="1985-11-23", language="es"):
    return hubspot_contact("11", date_of_birth=born, hs_language=language)


def zendesk_user(born="23/11/1985", locale="es", email="carmen@laespiga.es", time_zone=None):
    return to_event("user", {
        "id": 501, "name": "Carmen Vidal", "email": email, "locale": locale,
        "iana_time_zone": time_zone, "role": "end-user", "user_fields": {"birthday": born},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-11-20T00:00:00Z",
    })  # fmt: skip


def at(day: str, hour=9):
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=MADRID)


def test_a_birthday_today_is_a_spanish_greeting_task_for_the_owner(store):
    load(store, company(), contact())
    [action] = plan(store)
    assert action.key == f"{NAME}:1:2026-11-23"
    assert action.moment_key == "birthday:hubspot:contact:11:2026"
    payload = action.payload
    assert (action.kind, payload["owner_id"]) == ("task", "77")
    assert (payload["contact_ids"], payload["company_ids"]) == (["11"], ["21"])
    assert (
        payload["subject"] == "Felicitar a Carmen Vidal por su cumpleaños (lunes 23 de noviembre)"
    )
    body = payload["body"]
    assert "El lunes 23 de noviembre es el cumpleaños de Carmen Vidal, de La Espiga." in body
    assert "https://app.hubspot.com/contacts/62515/record/0-1/11" in body
    assert "sin ofertas ni ventas" in body
    assert payload["due_at"] == "2026-11-23T10:35:00+01:00"  # 10:00 was already too close


def test_an_english_contact_is_greeted_in_english(store):
    load(store, company(), contact(language="en"))
    [action] = plan(store)
    assert action.payload["subject"] == "Wish Carmen Vidal a happy birthday (Monday, November 23)"
    assert "Monday, November 23 is Carmen Vidal's birthday" in action.payload["body"]


def test_the_same_person_in_both_tools_is_greeted_once(store):
    load(store, company(), contact(), zendesk_user())
    assert len(store.moments(types=["birthday"], since=NOW - timedelta(days=1),
                             until=NOW + timedelta(days=1))) == 2  # fmt: skip
    [action] = plan(store)
    assert action.moment_key == "birthday:hubspot:contact:11:2026"  # HubSpot's, for the task
    assert "También" not in action.payload["body"] and "también" not in action.payload["body"]


def test_days_before_creates_it_early_and_planning_daily_gives_one_action(store):
    load(store, company(), contact(born="1985-11-25"))
    assert plan(store, now=at("2026-11-22"), days_before=2) == []
    days = [at("2026-11-23"), at("2026-11-24"), at("2026-11-25")]
    actions = [a for day in days for a in plan(store, now=day, days_before=2)]
    assert {a.key for a in actions} == {f"{NAME}:1:2026-11-25"}
    assert actions[0].payload["due_at"] == "2026-11-25T10:00:00+01:00"
    assert actions[0].payload["subject"] == (
        "Felicitar a Carmen Vidal por su cumpleaños (miércoles 25 de noviembre)"
    )
    assert plan(store, now=at("2026-11-26"), days_before=2) == []


def test_a_weekend_birthday_is_greeted_the_friday_before(store):
    load(store, company(), contact(born="1985-11-28"))  # a Saturday
    [action] = plan(store, now=at("2026-11-27"))
    assert action.payload["due_at"] == "2026-11-27T10:00:00+01:00"
    assert plan(store, now=at("2026-11-27"), weekend_to_friday=False) == []
    [action] = plan(store, now=at("2026-11-28"), weekend_to_friday=False)
    assert action.payload["due_at"] == "2026-11-28T10:00:00+01:00"


def test_29_february_in_a_common_year_follows_the_policy(store):
    load(store, company(), contact(born="1992-02-29"), context=rule_context(feb29_policy="mar1"))
    assert plan(store, now=at("2027-02-28"), weekend_to_friday=False) == []
    [action] = plan(store, now=at("2027-03-01"))
    assert action.key == f"{NAME}:1:2027-03-01"
    assert "lunes 1 de marzo" in action.payload["subject"] + action.payload["body"]


def test_29_february_on_the_28th_by_default(store):
    load(store, company(), contact(born="1992-02-29"))
    # 28 February 2027 is a Sunday: greeted on Friday the 26th.
    [action] = plan(store, now=at("2027-02-26"))
    assert action.key == f"{NAME}:1:2027-02-28"
    assert action.payload["due_at"] == "2027-02-26T10:00:00+01:00"


def test_no_owner_goes_to_the_fallback_and_no_language_to_the_default(store):
    load(store, zendesk_user(locale=None))
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("OWNER-FALLBACK", "es")
    assert (
        action.payload["subject"]
        == "Felicitar a Carmen Vidal por su cumpleaños (lunes 23 de noviembre)"
    )


def test_the_persons_timezone_decides_the_day(store):
    load(store, zendesk_user(locale="en-US", time_zone="America/New_York",
                             email="carmen@northwind.com"))  # fmt: skip
    # 23:30 on the 22nd in Madrid is 17:30 on the 22nd in New York: not yet.
    assert plan(store, now=at("2026-11-22", hour=23) + timedelta(minutes=30)) == []
    [action] = plan(store, now=at("2026-11-23", hour=7))  # 01:00 in New York
    assert action.payload["due_at"] == "2026-11-23T10:00:00-05:00"


def test_as_a_note_on_the_record(store):
    load(store, company(), contact())
    [action] = plan(store, deliver_as="note")
    assert (action.tool, action.kind) == ("hubspot", "note")
    assert action.payload["body"].startswith(
        "Felicitar a Carmen Vidal por su cumpleaños (lunes 23 de noviembre)\n\n"
    )
    assert action.payload["timestamp"] == "2026-11-23T10:35:00+01:00"
    assert (action.payload["owner_id"], action.payload["contact_ids"]) == ("77", ["11"])


def test_just_after_midnight_the_greeting_waits_for_working_hours(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    load(store, company(), contact())
    [action] = run_workflow(store, settings, NAME, now=at("2026-11-23", hour=0)).actions
    assert action.not_before == at("2026-11-23", hour=8)


def test_two_people_of_one_customer_on_the_same_day_share_one_greeting(store):
    colleague = hubspot_contact("12", email="luis@laespiga.es", firstname="Luis",
                                lastname="Gómez", date_of_birth="1979-11-23")  # fmt: skip
    load(store, company(), contact(), colleague)
    [action] = plan(store)
    assert action.key == f"{NAME}:1:2026-11-23"
    assert "Ese día también cumple años Luis Gómez." in action.payload["body"]
