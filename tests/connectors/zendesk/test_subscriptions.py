"""The Momentos webhook in Zendesk: the desired shape, what differs, the Webhooks API calls."""

import pytest
from responses import matchers

from connectors.zendesk import subscriptions as subs
from connectors.zendesk.client import ZendeskClient

BASE = "https://acme.zendesk.com"
ENDPOINT = "https://momentos.example.com/webhooks/zendesk"


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def hook(hook_id="01H1", name="Momentos", **fields):
    return {"id": hook_id, **subs.desired_webhook(ENDPOINT), "name": name,
            "created_at": "2026-01-01T00:00:00Z", **fields}  # fmt: skip


def test_the_desired_webhook_is_post_json_with_ticket_and_user_events():
    desired = subs.desired_webhook(ENDPOINT)
    assert {k: desired[k] for k in ("name", "endpoint", "http_method", "request_format")} == {
        "name": "Momentos",
        "endpoint": ENDPOINT,
        "http_method": "POST",
        "request_format": "json",
    }
    assert desired["status"] == "active"
    assert "zen:event-type:ticket.created" in desired["subscriptions"]
    assert "zen:event-type:ticket.soft_deleted" in desired["subscriptions"]
    assert "zen:event-type:user.deleted" in desired["subscriptions"]
    assert all(s.startswith("zen:event-type:") for s in desired["subscriptions"])


def test_differences_ignore_subscription_order_and_read_only_fields():
    desired = subs.desired_webhook(ENDPOINT)
    same = hook(subscriptions=list(reversed(desired["subscriptions"])), updated_by="-1")
    assert subs.differences(same, desired) == []
    changed = hook(endpoint="https://old.example/hook", status="inactive",
                   subscriptions=["zen:event-type:ticket.created"])  # fmt: skip
    assert subs.differences(changed, desired) == ["endpoint", "status", "subscriptions"]


def test_find_webhooks_pages_and_keeps_exact_names_oldest_first(ordered, client):
    url = f"{BASE}/api/v2/webhooks"
    first = {"filter[name_contains]": "Momentos", "page[size]": "100"}
    ordered.get(url, match=[matchers.query_param_matcher(first)], json={
        "webhooks": [hook("01H9"), hook("01H2", name="Momentos old")],
        "meta": {"has_more": True, "after_cursor": "a1"}})  # fmt: skip
    ordered.get(url, match=[matchers.query_param_matcher({**first, "page[after]": "a1"})],
                json={"webhooks": [hook("01H3")], "meta": {"has_more": False}})  # fmt: skip
    assert [h["id"] for h in subs.find_webhooks(client)] == ["01H3", "01H9"]


def test_create_posts_the_webhook(rsps, client):
    desired = subs.desired_webhook(ENDPOINT)
    rsps.post(f"{BASE}/api/v2/webhooks", status=201,
              match=[matchers.json_params_matcher({"webhook": desired})],
              json={"webhook": {"id": "01H5", **desired}})  # fmt: skip
    assert subs.create_webhook(client, desired)["id"] == "01H5"


def test_update_patches_only_the_fields_that_differ(rsps, client):
    rsps.patch(f"{BASE}/api/v2/webhooks/01H5", status=204,
               match=[matchers.json_params_matcher({"webhook": {"status": "active"}})])  # fmt: skip
    subs.update_webhook(client, "01H5", {"status": "active"})


def test_signing_secret_is_read_not_reset(rsps, client):
    rsps.get(f"{BASE}/api/v2/webhooks/01H5/signing_secret",
             json={"signing_secret": {"algorithm": "SHA256", "secret": "s3cr3t"}})  # fmt: skip
    assert subs.signing_secret(client, "01H5") == "s3cr3t"


def test_delete(rsps, client):
    rsps.delete(f"{BASE}/api/v2/webhooks/01H5", status=204)
    subs.delete_webhook(client, "01H5")
