"""Dates: free-text birth dates, HubSpot date properties never shifted, 29 February."""

from datetime import UTC, date, datetime

import pytest

from momentos.moments import Known
from momentos.moments.dates import Day, calendar_date, in_year, parse_day, span, yearly, zone


@pytest.mark.parametrize("text, expected", [
    ("1985-03-14", Day(3, 14, 1985)),
    ("1985/03/14", Day(3, 14, 1985)),
    ("1990-05-14T00:00:00Z", Day(5, 14, 1990)),  # a Zendesk date user field, read back
    ("14/03/1985", Day(3, 14, 1985)),
    ("14-03-1985", Day(3, 14, 1985)),
    ("14.03.1985", Day(3, 14, 1985)),
    ("03/14/1985", Day(3, 14, 1985)),  # 14 cannot be a month: month first
    ("14/03", Day(3, 14)),
    ("--03-14", Day(3, 14)),
    ("14/03/85", Day(3, 14)),  # a two-digit year: the day is good, the century is not
    ("14 de marzo de 1985", Day(3, 14, 1985)),
    ("March 14, 1985", Day(3, 14, 1985)),
    ("14 Mar", Day(3, 14)),
    ("29/02/1992", Day(2, 29, 1992)),
    ("29/02", Day(2, 29)),
    ("479606400000", Day(3, 14, 1985)),  # epoch ms of a HubSpot date: midnight UTC
])  # fmt: skip
def test_birth_dates_in_the_formats_people_type(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["", None, "1985", "31/02/1990", "29/02/1991", "hace años",
                                  "13/13/1990", "14 marzo junio"])  # fmt: skip
def test_what_is_not_a_day_is_none(text):
    assert parse_day(text) is None


def test_ambiguous_numeric_dates_follow_the_configured_order():
    assert parse_day("01/02/1990", day_first=True) == Day(2, 1, 1990)
    assert parse_day("01/02/1990", day_first=False) == Day(1, 2, 1990)


@pytest.mark.parametrize("value, time_zone, expected", [
    # Date-only values: HubSpot sends midnight UTC; New York must not see the day before.
    ("2027-03-01", "America/New_York", date(2027, 3, 1)),
    ("2027-03-01T00:00:00Z", "America/New_York", date(2027, 3, 1)),
    ("2027-03-01T00:00:00.000Z", "Pacific/Auckland", date(2027, 3, 1)),
    ("1803859200000", "America/Los_Angeles", date(2027, 3, 1)),
    # Datetimes are instants: their day is the local one.
    ("2027-03-01T03:30:00Z", "America/New_York", date(2027, 2, 28)),
    ("2027-03-01T23:30:00Z", "Europe/Madrid", date(2027, 3, 2)),
    ("", "UTC", None),
    ("soon", "UTC", None),
])  # fmt: skip
def test_calendar_dates_are_never_shifted_through_utc(value, time_zone, expected):
    assert calendar_date(value, time_zone) == expected


@pytest.mark.parametrize("policy, expected", [("feb28", date(2027, 2, 28)),
                                              ("mar1", date(2027, 3, 1))])  # fmt: skip
def test_29_february_in_a_common_year_follows_the_policy(policy, expected):
    assert in_year(Day(2, 29), 2027, policy) == expected
    assert in_year(Day(2, 29), 2028, policy) == date(2028, 2, 29)
    assert in_year(Day(2, 29), 2100, policy) == expected.replace(year=2100)  # not leap


def test_yearly_occurrences_within_the_span():
    found = yearly(Day(1, 10), date(2026, 11, 23), date(2028, 3, 1), "feb28")
    assert found == [(2027, date(2027, 1, 10)), (2028, date(2028, 1, 10))]


def test_span_of_the_newest_version_reaches_the_horizon_in_local_days():
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Madrid
    days = span(Known(now=now, since=now), "Europe/Madrid", 10)
    assert (days.first, days.last, days.until) == (
        date(2026, 11, 24), date(2026, 11, 24), date(2026, 12, 4)
    )  # fmt: skip


def test_span_of_a_superseded_version_ends_the_day_before_the_next_arrived():
    since = datetime(2026, 11, 1, 9, tzinfo=UTC)
    until = datetime(2026, 11, 20, 9, tzinfo=UTC)
    days = span(Known(now=datetime(2027, 1, 1, tzinfo=UTC), since=since, until=until), "UTC", 90)
    assert (days.first, days.last, days.until) == (
        date(2026, 11, 1), date(2026, 11, 19), date(2026, 11, 19)
    )  # fmt: skip


def test_zone_skips_names_that_are_not_iana():
    assert zone("Madrid", None, "America/New_York") == "America/New_York"
    assert zone(None, "") == "UTC"
