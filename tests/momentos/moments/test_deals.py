"""Deals: services won, renewals due, close dates pushed back, amounts changed."""

from datetime import UTC, datetime

from momentos.moments import Known, normalize
from tests.factories import hubspot_deal, hubspot_object, rule_context

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(service_pipelines=frozenset({"services"}),
                       renewal_pipelines=frozenset({"renewals"}))  # fmt: skip


def moments(event, previous=None, context=CONTEXT, **known):
    known = Known(now=NOW, since=NOW, previous=previous.data if previous else None, **known)
    return {m.type: m for m in normalize(event, context, known)}


def test_won_deal_in_a_service_pipeline_is_a_service_completed():
    deal = hubspot_deal(pipeline="services", dealstage="closedwon",
                        closedate="2026-11-20T15:00:00Z")  # fmt: skip
    moment = moments(deal)["service_completed"]
    assert moment.key == "service_completed:hubspot:deal:7"
    assert moment.occurred_at == datetime(2026, 11, 20, 15, tzinfo=UTC)
    assert moment.customer_ref == ("hubspot", "company", "21")
    assert moment.link == "https://app.hubspot.com/contacts/62515/record/0-3/7"


def test_won_deal_elsewhere_or_open_service_deal_is_not():
    assert "service_completed" not in moments(hubspot_deal(dealstage="closedwon"))
    assert "service_completed" not in moments(hubspot_deal(pipeline="services"))


def test_renewal_pipeline_deal_is_due_on_its_close_date_within_the_horizon():
    deal = hubspot_deal(pipeline="renewals", closedate="2027-02-01T00:00:00Z")
    moment = moments(deal, time_zone="America/New_York")["renewal_due"]
    assert moment.key == "renewal_due:hubspot:deal:7:2027-02-01"
    assert moment.data["date"] == "2027-02-01"  # a date at midnight UTC is that very day
    assert moment.data["source"] == "pipeline"
    far = hubspot_deal(pipeline="renewals", closedate="2027-09-01T00:00:00Z")
    assert "renewal_due" not in moments(far)


def test_closed_renewal_deal_is_no_longer_due():
    deal = hubspot_deal(pipeline="renewals", dealstage="closedwon",
                        closedate="2027-02-01T00:00:00Z")  # fmt: skip
    assert "renewal_due" not in moments(deal)


def test_configured_renewal_date_property_on_a_company():
    context = rule_context(renewal_date_property="contract_renewal_date")
    company = hubspot_object("company", "21", {"name": "La Espiga",
                                               "contract_renewal_date": "2027-01-31"})  # fmt: skip
    moment = moments(company, context=context)["renewal_due"]
    assert moment.key == "renewal_due:hubspot:company:21:2027-01-31"
    assert moment.customer_ref == ("hubspot", "company", "21")


def test_close_date_pushed_later_is_a_deal_delayed():
    before = hubspot_deal(closedate="2026-12-15T00:00:00Z", modified="2026-11-01T08:00:00Z")
    after = hubspot_deal(closedate="2027-01-20T00:00:00Z")
    moment = moments(after, before)["deal_delayed"]
    assert moment.key == f"deal_delayed:hubspot:deal:7:{after.version}"
    assert moment.data["previous_date"] == "2026-12-15"
    assert moment.data["date"] == "2027-01-20"
    assert moment.data["days_later"] == 36


def test_close_date_brought_forward_unchanged_or_deal_closed_is_not_delayed():
    before = hubspot_deal(closedate="2026-12-15T00:00:00Z")
    assert "deal_delayed" not in moments(hubspot_deal(closedate="2026-12-01T00:00:00Z"), before)
    assert "deal_delayed" not in moments(hubspot_deal(closedate="2026-12-15T00:00:00Z"), before)
    lost = hubspot_deal(closedate="2027-03-01T00:00:00Z", dealstage="closedlost")
    assert "deal_delayed" not in moments(lost, before)
    assert "deal_delayed" not in moments(hubspot_deal(closedate="2027-03-01T00:00:00Z"))


def test_amount_changed_is_a_price_change():
    before = hubspot_deal(amount="1200")
    moment = moments(hubspot_deal(amount="1500.00"), before)["price_change"]
    assert moment.data["previous_amount"] == "1200"
    assert moment.data["amount"] == "1500.00"
    assert moment.data["percent"] == 25.0
    assert "price_change" not in moments(hubspot_deal(amount="1200.0"), before)  # same number
    assert "price_change" not in moments(hubspot_deal(amount=""), before)
    assert "price_change" not in moments(hubspot_deal(amount="1500"))  # nothing to compare


def test_archived_deal_gives_nothing():
    deal = hubspot_object("deal", "7", {"pipeline": "services", "dealstage": "closedwon"},
                          archived=True, companies=("21",))  # fmt: skip
    assert moments(deal) == {}
