"""Issue 6: a customer's time zone that arrives after its HubSpot records (the Zendesk user
linked later) re-dates their moments in place, as if it had come first; renormalize then
finds nothing to change."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.zendesk.records import to_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.model import Action
from momentos.renormalize import renormalize
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
CHICAGO = "America/Chicago"


def company():
    # A customer since a day that is the 24th in Chicago and the 25th in Madrid.
    return hubspot_object("company", "21", {"name": "La Espiga", "domain": "laespiga.es",
                                            "founded_year": "2016"},
                          created="2021-11-25T03:00:00Z")  # fmt: skip


def invoices():
    history = [hubspot_invoice(str(i), amount="100", invoice_date=f"2026-0{i}-01",
                               modified=f"2026-0{i}-01T08:00:00Z") for i in (6, 7, 8)]  # fmt: skip
    varied = hubspot_invoice("9", amount="160", invoice_date="2026-11-01")
    # Due on the 10th in Madrid, on the 9th in Chicago: the key itself moves.
    late = hubspot_invoice("10", invoice_date="2026-11-02", hs_due_date="2026-11-10T03:00:00Z",
                           hs_balance_due="100")  # fmt: skip
    return [*history, varied, late]


def hubspot_records():
    renewal = hubspot_deal("7", pipeline="renewals", closedate="2027-01-10T03:00:00Z")
    contact = hubspot_contact(companies=("21",), date_of_birth="1990-12-01")
    return [company(), contact, renewal, *invoices()]


def user(time_zone=CHICAGO, updated="2026-01-01T00:00:00Z"):
    """Carmen in Zendesk, with her time zone (a later `updated` is a newer version)."""
    fields = {"id": 501, "name": "Carmen Vidal", "email": "carmen@laespiga.es", "locale": "es",
              "iana_time_zone": time_zone, "role": "end-user",
              "created_at": "2026-01-01T00:00:00Z", "updated_at": updated}  # fmt: skip
    return to_event("user", fields)


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def make_store(tmp_path):
    def make(name):
        return Store(tmp_path / f"{name}.db")

    return make


def load(store, clock, *events):
    store.add_events(events, source="poll", received_at=clock.now())
    return derive_pending(store, CONTEXT, clock)


def moments(store):
    """Every moment as renormalize compares it, but the event ids (stored order differs)."""
    return {m["key"]: (m["type"], m["customer_id"], m["occurred_at"], m["data"])
            for m in store.moments()}  # fmt: skip


def test_hubspot_first_ends_as_if_the_time_zone_had_come_first(make_store, clock):
    zone_first, zone_last = make_store("zone_first"), make_store("zone_last")
    load(zone_first, clock, zendesk_user(time_zone=CHICAGO))
    load(zone_first, clock, *hubspot_records())
    load(zone_last, clock, *hubspot_records())
    report = load(zone_last, clock, zendesk_user(time_zone=CHICAGO))

    assert moments(zone_last) == moments(zone_first)
    dated = {k: v[3]["date"] for k, v in moments(zone_last).items() if "date" in v[3]}
    assert dated == {
        "birthday:hubspot:contact:101:2026": "2026-12-01",
        "company_anniversary:hubspot:company:21:2026": "2026-11-24",
        "renewal_due:hubspot:deal:7:2027-01-09": "2027-01-09",
        "payment_late:hubspot:invoice:10:2026-11-09": "2026-11-10",
    }
    assert moments(zone_last)["billing_variation:hubspot:invoice:9"][2] == (
        "2026-11-01T05:00:00.000000+00:00"  # midnight in Chicago
    )
    assert {m["time_zone"] for _, _, _, m in moments(zone_last).values() if "time_zone" in m} == {
        CHICAGO
    }
    # The keys that moved a day are new moments: workflows wake for them.
    assert sorted(report.new_moments) == ["payment_late:hubspot:invoice:10:2026-11-09",
                                          "renewal_due:hubspot:deal:7:2027-01-09"]  # fmt: skip
    assert renormalize(zone_last, CONTEXT, NOW, dry_run=True).unchanged


def test_a_date_that_moves_a_day_withdraws_its_moment_and_the_work_waiting_for_it(
    make_store, clock
):
    store = make_store("m")
    load(store, clock, *hubspot_records())
    moved = "renewal_due:hubspot:deal:7:2027-01-10"
    kept = "birthday:hubspot:contact:101:2026"
    store.enqueue([Action(key=f"task:{key}", workflow="w", tool="hubspot", kind="task",
                          payload={}, moment_key=key) for key in (moved, kept)], NOW)  # fmt: skip
    birthday_id = store.moments(types=["birthday"])[0]["id"]

    load(store, clock, zendesk_user(time_zone=CHICAGO))

    states = {a["key"]: (a["state"], a["error"]) for a in store.actions()}
    assert states == {f"task:{moved}": ("dismissed", f"its moment was withdrawn: {moved}"),
                      f"task:{kept}": ("pending", None)}  # fmt: skip
    [birthday] = store.moments(types=["birthday"])
    assert (birthday["id"], birthday["occurred_at"]) == (
        birthday_id, "2026-12-01T06:00:00.000000+00:00"
    )  # fmt: skip


def test_a_deal_derived_before_its_company_was_linked_takes_the_customers_zone(make_store, clock):
    company_first, deal_first = make_store("company_first"), make_store("deal_first")
    renewal = hubspot_deal("7", pipeline="renewals", closedate="2027-01-10T03:00:00Z")
    for store, order in ((company_first, (company(), renewal)), (deal_first, (renewal, company()))):
        load(store, clock, zendesk_user(time_zone=CHICAGO))
        for event in order:
            load(store, clock, event)
    assert moments(deal_first) == moments(company_first)
    assert sorted(moments(deal_first)) == ["company_anniversary:hubspot:company:21:2026",
                                           "renewal_due:hubspot:deal:7:2027-01-09"]  # fmt: skip


def test_a_time_zone_that_changes_re_dates_the_customers_moments(make_store, clock):
    moved, always = make_store("moved"), make_store("always")
    load(moved, clock, user(CHICAGO), *hubspot_records())
    clock.advance(3600)
    load(moved, clock, user("Europe/London", updated="2026-11-23T09:30:00Z"))
    clock.set(NOW)
    load(always, clock, user("Europe/London"), *hubspot_records())
    clock.advance(3600)
    load(always, clock, user("Europe/London", updated="2026-11-23T09:30:00Z"))
    assert moments(moved) == moments(always)
    assert moments(moved)["birthday:hubspot:contact:101:2026"][3]["time_zone"] == "Europe/London"
    assert renormalize(moved, CONTEXT, clock.now(), dry_run=True).unchanged


def test_the_longest_known_records_zone_wins_whatever_the_order(make_store, clock):
    older = to_event("user", {"id": 502, "name": "Ana", "email": "ana@laespiga.es",
                              "iana_time_zone": "Europe/London", "role": "end-user",
                              "created_at": "2025-03-01T00:00:00Z",
                              "updated_at": "2025-03-01T00:00:00Z"})  # fmt: skip
    invalid = zendesk_user(user_id=503, email="luis@laespiga.es", time_zone="Madrid")
    zones = []
    for name, order in (("a", (company(), zendesk_user(), older, invalid)),
                        ("b", (invalid, zendesk_user(), older, company()))):  # fmt: skip
        store = make_store(name)
        load(store, clock, *order)
        [customer] = {store.customer_of("zendesk", "user", i) for i in ("501", "502", "503")}
        zones.append(store.customer(customer)["time_zone"])
    assert zones == ["Europe/London", "Europe/London"]


def test_a_repriced_renewal_shows_the_newest_versions_data(make_store, clock):
    # The demo's deals repriced in the afternoon: the renewal it predicts is the new one's.
    store = make_store("m")
    first = hubspot_deal("7", pipeline="renewals", closedate="2027-01-10T00:00:00Z",
                         modified="2026-11-01T08:00:00Z")  # fmt: skip
    load(store, clock, first)
    clock.advance(3600)
    load(store, clock, hubspot_deal("7", pipeline="renewals", amount="1500",
                                    closedate="2027-01-10T00:00:00Z",
                                    modified="2026-11-23T09:30:00Z"))  # fmt: skip
    [renewal] = store.moments(types=["renewal_due"])
    assert renewal["data"]["amount"] == "1500"
    assert renormalize(store, CONTEXT, clock.now() + timedelta(minutes=1), dry_run=True).unchanged
