"""Deriving with what the store knows: previous versions, the customer's timezone, the
company's other invoices; predictions withdrawn; dated moments refreshed as days pass."""

from datetime import UTC, datetime, timedelta

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending, refresh_dated
from momentos.model import Event
from momentos.store import Store
from tests.factories import (
    hubspot_contact,
    hubspot_deal,
    hubspot_invoice,
    hubspot_object,
    rule_context,
    zendesk_user,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(renewal_pipelines=frozenset({"renewals"}), horizon_days=120)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


@pytest.fixture
def clock():
    return FrozenClock(NOW)


def load(store, clock, *events, context=CONTEXT):
    store.add_events(events, source="poll", received_at=clock.now())
    return derive_pending(store, context, clock)


def keys(store, moment_type):
    return [m["key"] for m in store.moments(types=[moment_type])]


def test_a_pushed_close_date_is_found_against_the_stored_previous_version(store, clock):
    load(store, clock, hubspot_deal(closedate="2026-12-15T00:00:00Z",
                                    modified="2026-11-01T08:00:00Z"))  # fmt: skip
    clock.advance(3600)
    later = hubspot_deal(closedate="2027-01-20T00:00:00Z", modified="2026-11-23T09:30:00Z")
    load(store, clock, later)
    [moment] = store.moments(types=["deal_delayed"])
    assert moment["key"] == f"deal_delayed:hubspot:deal:7:{later.version}"
    assert moment["data"]["previous_date"] == "2026-12-15"


def test_an_older_version_arriving_late_is_compared_with_its_own_predecessor(store, clock):
    newer = hubspot_deal(closedate="2027-01-20T00:00:00Z", modified="2026-11-20T08:00:00Z")
    load(store, clock, newer)
    older = hubspot_deal(closedate="2026-12-15T00:00:00Z", modified="2026-11-01T08:00:00Z")
    load(store, clock, older)
    assert keys(store, "deal_delayed") == []  # the older one has no predecessor


def test_a_moved_renewal_date_withdraws_the_old_prediction(store, clock):
    load(store, clock, hubspot_deal(pipeline="renewals", closedate="2027-01-10T00:00:00Z",
                                    modified="2026-11-01T08:00:00Z"))  # fmt: skip
    assert keys(store, "renewal_due") == ["renewal_due:hubspot:deal:7:2027-01-10"]
    clock.advance(86400)
    load(store, clock, hubspot_deal(pipeline="renewals", closedate="2027-02-10T00:00:00Z",
                                    modified="2026-11-24T08:00:00Z"))  # fmt: skip
    assert keys(store, "renewal_due") == ["renewal_due:hubspot:deal:7:2027-02-10"]
    clock.advance(86400)
    load(store, clock, hubspot_deal(pipeline="renewals", dealstage="closedwon",
                                    closedate="2026-11-25T10:00:00Z",
                                    modified="2026-11-25T10:00:00Z"))  # fmt: skip
    assert keys(store, "renewal_due") == []  # renewed early: nothing is due any more


def test_billing_variation_compares_with_the_companys_stored_invoices(store, clock):
    company = hubspot_object("company", "21", {"name": "La Espiga", "domain": "laespiga.es"})
    history = [hubspot_invoice(str(i), amount="100", invoice_date=f"2026-0{i}-01",
                               modified=f"2026-0{i}-01T08:00:00Z") for i in (6, 7, 8)]  # fmt: skip
    other_company = hubspot_invoice("3", amount="5", invoice_date="2026-09-01", companies=("99",))
    load(store, clock, company, *history, other_company)
    load(store, clock, hubspot_invoice("9", amount="160", invoice_date="2026-11-01"))
    [moment] = store.moments(types=["billing_variation"])
    assert moment["data"]["previous_amounts"] == ["100", "100", "100"]
    assert moment["customer_id"] == store.customer_of("hubspot", "company", "21")


def test_dates_follow_the_customers_timezone_from_the_other_tool(store, clock):
    load(store, clock, zendesk_user(email="emily@northwind.com", time_zone="America/New_York"))
    load(store, clock, hubspot_contact(email="emily@northwind.com", date_of_birth="1990-12-01"))
    [moment] = store.moments(types=["birthday"])
    assert moment["data"]["time_zone"] == "America/New_York"
    assert moment["occurred_at"] == "2026-12-01T05:00:00.000000+00:00"


def test_refresh_adds_the_occurrences_that_came_within_the_horizon(store, clock):
    load(store, clock, hubspot_contact(date_of_birth="1990-06-01"))
    assert keys(store, "birthday") == []
    clock.set(NOW + timedelta(days=100))
    report = refresh_dated(store, CONTEXT, clock)
    assert keys(store, "birthday") == ["birthday:hubspot:contact:101:2027"]
    assert report.new_types == {"birthday"}
    assert refresh_dated(store, CONTEXT, clock).new_moments == []


def test_an_archived_contact_withdraws_its_future_birthdays(store, clock):
    load(store, clock, hubspot_contact(date_of_birth="1990-12-01"))
    clock.advance(3600)
    archived = hubspot_object("contact", "101", {"email": "carmen@laespiga.es",
                                                 "date_of_birth": "1990-12-01"},
                              modified="2026-11-23T10:00:00Z", archived=True)  # fmt: skip
    load(store, clock, archived)
    assert keys(store, "birthday") == []


def test_a_webhook_naming_a_change_withdraws_nothing_but_a_removal_does(store, clock):
    load(store, clock, hubspot_contact(date_of_birth="1990-12-01"))
    named = {"id": "101", "change": "propertyChange", "property": "firstname"}
    change = Event(tool="hubspot", object_type="contact", object_id="101",
                   version="1795430000000", occurred_at=NOW + timedelta(minutes=5),
                   data=named)  # fmt: skip
    load(store, clock, change)
    assert keys(store, "birthday") == ["birthday:hubspot:contact:101:2026"]
    removal = Event(tool="hubspot", object_type="contact", object_id="101",
                    version="1795440000000", occurred_at=NOW + timedelta(minutes=10),
                    data={"id": "101", "change": "deletion"}, deleted=True)  # fmt: skip
    load(store, clock, removal)
    assert keys(store, "birthday") == []


def test_work_still_waiting_for_a_withdrawn_moment_is_dismissed_not_sent(store, clock):
    from momentos.model import Action

    load(store, clock, hubspot_deal(pipeline="renewals", closedate="2027-01-10T00:00:00Z",
                                    modified="2026-11-01T08:00:00Z"))  # fmt: skip
    [moment] = keys(store, "renewal_due")

    def reminder(days):
        return Action(key=f"renewal_reminder:{days}", workflow="renewal_reminder",
                      tool="hubspot", kind="task", payload={}, moment_key=moment)  # fmt: skip

    store.enqueue([reminder(60), reminder(30)], clock.now())
    store.settle("renewal_reminder:60", "done", clock.now())  # already sent: stays as it is
    clock.advance(86400)
    load(store, clock, hubspot_deal(pipeline="renewals", closedate="2027-02-10T00:00:00Z",
                                    modified="2026-11-24T08:00:00Z"))  # fmt: skip
    states = {a["key"]: (a["state"], a["error"]) for a in store.actions()}
    assert states == {
        "renewal_reminder:60": ("done", None),
        "renewal_reminder:30": ("dismissed", f"its moment was withdrawn: {moment}"),
    }
