"""HubSpot webhook subscriptions: the list Momentos needs and the app webhooks API calls."""

import pytest
from responses import matchers

from connectors.hubspot import subscriptions as subs
from connectors.hubspot.subscriptions import WebhooksApi

BASE = "https://api.hubapi.com"
PREFIX = f"{BASE}/webhooks/v3/54321"
KEY = [matchers.query_param_matcher({"hapikey": "dev-key"})]


@pytest.fixture
def api(clock):
    return WebhooksApi(BASE, 54321, "dev-key", clock=clock)


def test_desired_subscriptions_cover_creation_deletion_merge_and_properties_read():
    wanted = subs.desired_subscriptions({
        "contact": ("email", "lastmodifieddate", "createdate", "hs_language"),
        "company": ("name", "hs_lastmodifieddate"),
        "invoice": ("hs_number",),
    })  # fmt: skip
    assert wanted == [
        ("contact.creation", None), ("contact.deletion", None), ("contact.merge", None),
        ("contact.propertyChange", "email"), ("contact.propertyChange", "hs_language"),
        ("company.creation", None), ("company.deletion", None), ("company.merge", None),
        ("company.propertyChange", "name"),
        ("deal.creation", None), ("deal.deletion", None), ("deal.merge", None),
    ]  # fmt: skip
    assert subs.describe(wanted[3]) == "contact.propertyChange (email)"


def test_missing_creates_absent_ones_and_activates_paused_ones_only():
    current = [
        {"id": "1", "eventType": "contact.creation", "active": True},
        {
            "id": "2",
            "eventType": "contact.propertyChange",
            "propertyName": "email",
            "active": False,
        },
        {"id": "3", "eventType": "deal.creation", "active": False},  # not ours: left alone
    ]
    wanted = [("contact.creation", None), ("contact.propertyChange", "email"),
              ("contact.deletion", None)]  # fmt: skip
    assert subs.missing(current, wanted) == ([("contact.deletion", None)], ["2"])


def test_the_developer_key_travels_as_hapikey_without_the_app_token(rsps, api):
    rsps.get(f"{PREFIX}/settings", match=[*KEY, matchers.header_matcher({})],
             json={"targetUrl": "https://m.example/webhooks/hubspot",
                   "throttling": {"maxConcurrentRequests": 10}})  # fmt: skip
    assert api.target_url() == "https://m.example/webhooks/hubspot"
    assert "Authorization" not in rsps.calls[0].request.headers


def test_no_settings_yet_is_no_target(rsps, api):
    rsps.get(f"{PREFIX}/settings", match=KEY, status=404,
             json={"status": "error", "message": "No webhook settings found"})  # fmt: skip
    assert api.target_url() is None


def test_set_target_url_puts_settings_with_throttling(rsps, api):
    body = {"targetUrl": "https://m.example/webhooks/hubspot",
            "throttling": {"maxConcurrentRequests": 10}}  # fmt: skip
    rsps.put(f"{PREFIX}/settings", match=[*KEY, matchers.json_params_matcher(body)], json=body)
    api.set_target_url("https://m.example/webhooks/hubspot")


def test_create_activate_and_list_subscriptions(rsps, api):
    rsps.get(f"{PREFIX}/subscriptions", match=KEY, json={"results": [{"id": "7"}]})
    rsps.post(f"{PREFIX}/subscriptions", status=201, match=[*KEY, matchers.json_params_matcher(
        {"eventType": "contact.propertyChange", "propertyName": "email", "active": True})],
        json={"id": "8"})  # fmt: skip
    rsps.post(f"{PREFIX}/subscriptions", status=201, match=[*KEY, matchers.json_params_matcher(
        {"eventType": "deal.merge", "active": True})], json={"id": "9"})  # fmt: skip
    rsps.patch(f"{PREFIX}/subscriptions/7", match=[*KEY, matchers.json_params_matcher(
        {"active": True})], json={"id": "7", "active": True})  # fmt: skip
    assert api.subscriptions() == [{"id": "7"}]
    api.create(("contact.propertyChange", "email"))
    api.create(("deal.merge", None))
    api.activate("7")
