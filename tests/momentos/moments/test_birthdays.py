"""Birthdays: one per person and year, on the local day, with the 29 February policy."""

from datetime import UTC, datetime

from connectors.zendesk.records import to_event
from momentos.moments import Known, normalize
from tests.factories import hubspot_contact, rule_context

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(horizon_days=120)


def birthdays(event, context=CONTEXT, known=None):
    known = known or Known(now=NOW, since=NOW)
    return [m for m in normalize(event, context, known) if m.type == "birthday"]


def zendesk_user(birthday, time_zone="America/New_York"):
    return to_event("user", {
        "id": 501, "name": "Emily Brooks", "email": "emily@northwind.com", "locale": "en-US",
        "iana_time_zone": time_zone, "role": "end-user", "user_fields": {"birthday": birthday},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-11-20T00:00:00Z",
    })  # fmt: skip


def test_hubspot_date_of_birth_text_gives_the_next_birthday_on_the_local_day():
    [moment] = birthdays(hubspot_contact(date_of_birth="14/01/1985"))
    assert moment.key == "birthday:hubspot:contact:101:2027"
    assert moment.customer_ref == ("hubspot", "contact", "101")
    assert moment.link == "https://app.hubspot.com/contacts/62515/record/0-1/101"
    assert moment.data["date"] == "2027-01-14"
    assert moment.data["time_zone"] == "Europe/Madrid"
    assert moment.data["age"] == 42
    assert moment.occurred_at == datetime(2027, 1, 13, 23, 0, tzinfo=UTC)  # Madrid midnight


def test_the_customers_timezone_dates_the_day_not_utc():
    [moment] = birthdays(hubspot_contact(date_of_birth="1985-01-14"),
                         known=Known(now=NOW, since=NOW, time_zone="America/New_York"))  # fmt: skip
    assert moment.data["date"] == "2027-01-14"
    assert moment.occurred_at == datetime(2027, 1, 14, 5, 0, tzinfo=UTC)


def test_zendesk_birthday_field_in_the_users_own_timezone():
    [moment] = birthdays(zendesk_user("1990-12-01T00:00:00Z"))
    assert moment.key == "birthday:zendesk:user:501:2026"
    assert moment.data["date"] == "2026-12-01"  # never the 30th of November in New York
    assert moment.link == "https://acme.zendesk.com/agent/users/501"


def test_birthday_beyond_the_horizon_waits():
    assert birthdays(hubspot_contact(date_of_birth="1985-06-14")) == []
    assert len(birthdays(hubspot_contact(date_of_birth="1985-06-14"),
                         rule_context(horizon_days=365))) == 1  # fmt: skip


def test_29_february_in_a_common_year_follows_the_policy():
    known = Known(now=datetime(2027, 1, 10, tzinfo=UTC), since=datetime(2027, 1, 10, tzinfo=UTC))
    contact = hubspot_contact(date_of_birth="29/02/1992")
    [feb28] = birthdays(contact, rule_context(feb29_policy="feb28"), known)
    [mar1] = birthdays(contact, rule_context(feb29_policy="mar1"), known)
    assert (feb28.key, feb28.data["date"]) == ("birthday:hubspot:contact:101:2027", "2027-02-28")
    assert (mar1.key, mar1.data["date"]) == ("birthday:hubspot:contact:101:2027", "2027-03-01")
    leap = Known(now=datetime(2028, 1, 10, tzinfo=UTC), since=datetime(2028, 1, 10, tzinfo=UTC))
    assert birthdays(contact, rule_context(feb29_policy="mar1"), leap)[0].data["date"] == (
        "2028-02-29"
    )


def test_a_superseded_version_predicts_nothing_past_its_successor():
    since, until = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    contact = hubspot_contact(date_of_birth="1985-11-20")
    assert birthdays(contact, known=Known(now=NOW, since=since, until=until)) == []
    assert birthdays(contact, known=Known(now=NOW, since=since))[0].data["date"] == "2026-11-20"


def test_no_birth_date_or_an_unreadable_one_gives_nothing():
    assert birthdays(hubspot_contact()) == []
    assert birthdays(hubspot_contact(date_of_birth="hace tiempo")) == []


def test_agents_birthdays_are_not_customer_moments():
    agent = to_event("user", {
        "id": 9, "name": "Lucía", "email": "lucia@momentos-demo.example", "role": "agent",
        "user_fields": {"birthday": "1990-12-01"},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-11-20T00:00:00Z",
    })  # fmt: skip
    assert birthdays(agent) == []
