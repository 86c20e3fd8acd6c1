"""Company anniversaries: a founding day every year; a founding year only in round years."""

from datetime import UTC, datetime

from connectors.zendesk.records import to_event
from momentos.moments import Known, normalize
from tests.factories import hubspot_object, rule_context

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(horizon_days=120)


def anniversaries(event, context=CONTEXT, now=NOW, time_zone=None):
    known = Known(now=now, since=now, time_zone=time_zone)
    return [m for m in normalize(event, context, known) if m.type == "company_anniversary"]


def company(founded, created="2019-06-10T09:30:00Z"):
    props = {"name": "Panadería La Espiga", "domain": "laespiga.es", "founded_year": founded}
    return hubspot_object("company", "21", props, created=created)


def test_year_only_gives_round_anniversaries_on_the_day_it_became_a_customer():
    [moment] = anniversaries(company("2006"))  # 20 years in 2026
    assert moment.key == "company_anniversary:hubspot:company:21:2026"
    assert moment.data["date"] == "2026-06-10"  # createdAt's day, not 1 January
    assert moment.data["years"] == 20
    assert moment.data["precision"] == "year"
    assert moment.link == "https://app.hubspot.com/contacts/62515/record/0-2/21"


def test_year_only_skips_years_that_are_not_round():
    assert anniversaries(company("2003")) == []  # 23 years
    assert len(anniversaries(company("2003"), rule_context(anniversary_round_years=1))) == 1


def test_year_only_without_a_creation_day_is_skipped():
    event = company("2006")
    event.data["created_at"] = None
    assert anniversaries(event) == []


def test_a_full_founding_date_gives_every_anniversary_on_its_day():
    [moment] = anniversaries(company("17/07/2003"))
    assert moment.data == {
        "date": "2026-07-17",
        "time_zone": "Europe/Madrid",
        "name": "Panadería La Espiga",
        "years": 23,
        "precision": "day",
    }


def test_the_company_timezone_decides_the_creation_day():
    # Created 02:30 UTC on 10 June is still 9 June in New York.
    event = company("2006", created="2019-06-10T02:30:00Z")
    [moment] = anniversaries(event, time_zone="America/New_York")
    assert moment.data["date"] == "2026-06-09"


def test_no_anniversary_before_the_company_exists_or_without_a_year():
    assert anniversaries(company("2026")) == []
    assert anniversaries(company("")) == []
    assert anniversaries(company("hace mucho")) == []


def test_zendesk_organization_founding_field():
    org = to_event("organization", {
        "id": 31, "name": "Northwind", "domain_names": ["northwind.com"],
        "organization_fields": {"founding_date": "2016-08-01"},
        "created_at": "2025-01-01T00:00:00Z", "updated_at": "2026-04-01T00:00:00Z",
    })  # fmt: skip
    [moment] = anniversaries(org)
    assert moment.key == "company_anniversary:zendesk:organization:31:2026"
    assert (moment.data["date"], moment.data["years"]) == ("2026-08-01", 10)
    assert moment.link == "https://acme.zendesk.com/agent/organizations/31"
