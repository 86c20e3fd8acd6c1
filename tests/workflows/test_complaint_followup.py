"""complaint_followup: one call task per complaint, to the right owner, in the right language."""

from datetime import UTC, datetime, time, timedelta

import pytest

from momentos.derive import derive_pending
from momentos.guards import GuardSettings
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_record, zendesk_rating, zendesk_ticket, zendesk_user
from workflows import complaint_followup
from workflows.common import due_at

CONTEXT = RuleContext(
    zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset({"queja", "complaint"})
)
PARAMS = complaint_followup.Params().load({})
HOURS = GuardSettings()  # 08:00 to 20:00, Monday to Friday
NOW = T0 + timedelta(minutes=5)  # 10:05 in Madrid


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events):
    store.add_events(events, source="poll", received_at=T0)
    derive_pending(store, CONTEXT)


def plan(store, now=NOW, fallback="OWNER-FALLBACK", hours=HOURS):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid",
                                fallback_owner_id=fallback, working_hours=hours))  # fmt: skip
    return complaint_followup.plan(PARAMS, view, now)


def test_spanish_customer_gets_a_spanish_task_for_the_company_owner(store):
    load(store,
         hubspot_record("company", "21", domain="laespiga.es", name="La Espiga", owner_id="77"),
         hubspot_record("contact", "11", email="carmen@laespiga.es", language="es", owner_id="78"),
         zendesk_user(), zendesk_ticket())  # fmt: skip
    [action] = plan(store)
    assert action.key == "complaint_followup:complaint:zendesk:ticket:101"
    assert (action.tool, action.kind) == ("hubspot", "task")
    payload = action.payload
    assert payload["owner_id"] == "77"
    assert (payload["contact_ids"], payload["company_ids"]) == (["11"], ["21"])
    assert payload["subject"] == "Llamar hoy a Carmen Vidal: queja «La factura está duplicada»"
    assert payload["body"].startswith(
        "Carmen Vidal abrió una queja en soporte el lunes, 23 de noviembre de 2026, 9:55 (CET):"
    )
    assert "https://acme.zendesk.com/agent/tickets/101" in payload["body"]
    assert "Llama cuanto antes: escucha sin interrumpir" in payload["body"]
    assert payload["due_at"] == "2026-11-23T17:00:00+01:00"


def test_english_customer_without_owner_goes_to_the_fallback_in_english(store):
    load(store,
         hubspot_record("contact", "12", email="emily@northwind.com", language="en"),
         zendesk_user(user_id=502, email="emily@northwind.com", locale="en-US",
                      time_zone="America/New_York", name="Emily Brooks"),
         zendesk_ticket(ticket_id=102, requester_id=502, tags=("complaint",)))  # fmt: skip
    [action] = plan(store)
    assert action.payload["owner_id"] == "OWNER-FALLBACK"
    assert action.payload["subject"].startswith("Call Emily Brooks today: complaint")
    assert "Call as soon as you can: listen without interrupting" in action.payload["body"]
    opened = "Monday, November 23, 2026, 3:55\u202fAM (EST)"  # her own time, as Babel writes it
    assert action.payload["body"].startswith(
        f"Emily Brooks opened a complaint with support on {opened}:"
    )
    # 04:05 in New York: due at 17:00 local that day.
    assert action.payload["due_at"] == "2026-11-23T17:00:00-05:00"


def test_customer_with_no_language_gets_the_default(store):
    load(store, zendesk_user(locale=None), zendesk_ticket())
    [action] = plan(store)
    assert action.payload["language"] == "es"
    assert action.payload["contact_ids"] == []


def test_late_in_the_day_the_task_is_due_an_hour_from_now():
    now = datetime(2026, 11, 23, 16, 31, 27, tzinfo=UTC)  # 17:31:27 in Madrid
    due = due_at(now, "Europe/Madrid", time(17), timedelta(minutes=60))
    assert due.isoformat() == "2026-11-23T18:35:00+01:00"


def test_old_complaints_and_unknown_customers_plan_nothing(store):
    load(store, zendesk_ticket())  # the requester is not known yet
    assert plan(store) == []
    load(store, zendesk_user())
    assert len(plan(store)) == 1  # the moment was adopted by the customer once known
    assert plan(store, now=NOW + timedelta(days=8)) == []


def test_planning_twice_gives_the_same_keys(store):
    load(store, zendesk_user(), zendesk_ticket(), zendesk_ticket(updated="2026-11-23T08:58:00Z"))
    assert [a.key for a in plan(store)] == [a.key for a in plan(store)]
    assert len(plan(store)) == 1


def test_a_bad_rating_with_a_comment_is_left_to_the_survey_followup(store):
    load(store, zendesk_user(), zendesk_ticket(tags=("facturacion",)), zendesk_rating())
    view = View(store, Defaults("es", "Europe/Madrid", "F"))
    later = NOW + timedelta(hours=1)  # the rating came at 10:30
    [moment] = view.moments(("complaint",), later - timedelta(days=1), later)
    assert moment.data["comment"] == "Nadie me llamó"  # the rating is a complaint in the log...
    assert plan(store, now=later) == []  # ...but survey_followup calls, not a second task from here


def carmen(store):
    load(store,
         hubspot_record("company", "21", domain="laespiga.es", name="La Espiga", owner_id="77"),
         hubspot_record("contact", "11", email="carmen@laespiga.es", language="es", owner_id="78"),
         zendesk_user(), zendesk_ticket())  # fmt: skip


def test_after_hours_the_call_is_due_first_thing_the_next_working_morning(store):
    """The reviewer's case: a complaint seen at 23:35 was "Call today", due at 00:35."""
    carmen(store)
    [action] = plan(store, now=datetime(2026, 11, 23, 22, 35, tzinfo=UTC))  # 23:35 in Madrid
    assert action.payload["subject"] == (
        "Llamar mañana a primera hora a Carmen Vidal: queja «La factura está duplicada»"
    )
    # The working day starts at 08:00 (guards.quiet_end); the call is due min_lead after.
    assert action.payload["due_at"] == "2026-11-24T09:00:00+01:00"
    assert "hoy" not in action.payload["subject"]


def test_on_a_friday_night_the_call_waits_for_monday_in_the_customers_timezone(store):
    load(store,
         hubspot_record("contact", "12", email="emily@northwind.com", language="en"),
         zendesk_user(user_id=502, email="emily@northwind.com", locale="en-US",
                      time_zone="America/New_York", name="Emily Brooks"),
         zendesk_ticket(ticket_id=102, requester_id=502, tags=("complaint",)))  # fmt: skip
    friday_night = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # Friday 21:30 in New York
    [action] = plan(store, now=friday_night)
    assert action.payload["subject"] == (
        'Call Emily Brooks first thing on Monday: complaint "La factura está duplicada"'
    )
    assert action.payload["due_at"] == "2026-11-30T09:00:00-05:00"


def test_the_working_hours_are_the_configured_guards(store):
    carmen(store)
    hours = GuardSettings(quiet_start=time(19, 0), quiet_end=time(9, 30))
    [action] = plan(store, now=datetime(2026, 11, 23, 17, 10, tzinfo=UTC), hours=hours)
    # 18:10 in Madrid: due 19:15 would be after hours (19:00), so tomorrow at 09:30 + 60'.
    assert action.payload["due_at"] == "2026-11-24T10:30:00+01:00"
    assert action.payload["subject"].startswith("Llamar mañana a primera hora a Carmen Vidal")
    # With the default hours the same call is still due today.
    [today] = plan(store, now=datetime(2026, 11, 23, 17, 10, tzinfo=UTC))
    assert today.payload["subject"].startswith("Llamar hoy a Carmen Vidal")
    assert today.payload["due_at"] == "2026-11-23T19:15:00+01:00"
