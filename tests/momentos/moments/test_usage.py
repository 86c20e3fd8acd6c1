"""Usage drops: the configured last-activity property quiet for N days."""

from datetime import UTC, datetime

from momentos.moments import Known, normalize
from tests.factories import hubspot_object, rule_context

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(usage_property="last_login_date", usage_stale_days=30)


def drops(event, context=CONTEXT, **known):
    known = Known(**{"now": NOW, "since": NOW, **known})
    return [m for m in normalize(event, context, known) if m.type == "usage_drop"]


def company(last_login):
    return hubspot_object("company", "21", {"name": "La Espiga", "last_login_date": last_login})


def test_quiet_for_the_configured_days_is_a_usage_drop():
    [moment] = drops(company("2026-10-20"))
    assert moment.key == "usage_drop:hubspot:company:21:2026-10-20"
    assert moment.data["date"] == "2026-11-19"
    assert moment.data["last_active"] == "2026-10-20"
    assert moment.customer_ref == ("hubspot", "company", "21")


def test_recent_activity_missing_property_or_no_configuration_is_not():
    assert drops(company("2026-11-01")) == []
    assert drops(company("")) == []
    assert drops(company("2026-10-01"), rule_context()) == []


def test_only_the_configured_record_type():
    contact = hubspot_object("contact", "101", {"email": "a@b.es", "last_login_date": "2026-01-01"})
    assert drops(contact) == []
