"""install-webhooks: create or repair the Zendesk webhook, keep its secret sealed, add the
missing HubSpot subscriptions; dry runs only read; a second run has nothing to do."""

import pytest
from cryptography.fernet import Fernet
from responses import matchers

from connectors.hubspot.subscriptions import WebhooksApi
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.subscriptions import desired_webhook
from momentos.clock import FrozenClock
from momentos.secrets import ZENDESK_WEBHOOK_SECRET, SecretBox
from momentos.store import Store
from momentos.webhook_install import hubspot_changes, manual_hubspot, zendesk_changes
from tests.factories import T0

BASE = "https://acme.zendesk.com"
HOOKS = f"{BASE}/api/v2/webhooks"
ENDPOINT = "https://momentos.example.com/webhooks/zendesk"
BOX = SecretBox(Fernet.generate_key().decode())


@pytest.fixture
def client():
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=FrozenClock(T0))


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def listing(rsps, *hooks):
    rsps.get(HOOKS, json={"webhooks": list(hooks), "meta": {"has_more": False}})


def secret(rsps, hook_id, value="s3cr3t"):
    rsps.get(f"{HOOKS}/{hook_id}/signing_secret",
             json={"signing_secret": {"algorithm": "SHA256", "secret": value}})  # fmt: skip


def run(client, store, dry_run=False):
    return zendesk_changes(client, store, BOX, ENDPOINT, T0, dry_run)


def test_an_empty_account_gets_the_webhook_and_its_secret_is_stored_sealed(rsps, client, store):
    listing(rsps)
    rsps.post(HOOKS, status=201, match=[matchers.json_params_matcher(
        {"webhook": desired_webhook(ENDPOINT)})], json={"webhook": {"id": "01H1"}})  # fmt: skip
    secret(rsps, "01H1")
    assert run(client, store) == [
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        "zendesk: store the webhook's signing secret, encrypted",
    ]
    token = store.secret_token(ZENDESK_WEBHOOK_SECRET)
    assert "s3cr3t" not in token and BOX.open(token) == "s3cr3t"


def test_a_matching_webhook_and_stored_secret_leave_nothing_to_do(rsps, client, store):
    store.put_secret(ZENDESK_WEBHOOK_SECRET, BOX.seal("s3cr3t"), T0)
    listing(rsps, {"id": "01H1", **desired_webhook(ENDPOINT)})
    secret(rsps, "01H1")
    assert run(client, store) == []


def test_a_changed_webhook_is_patched_and_a_new_secret_replaces_the_old(rsps, client, store):
    store.put_secret(ZENDESK_WEBHOOK_SECRET, BOX.seal("old"), T0)
    listing(rsps, {"id": "01H1", **desired_webhook("https://old.example/hook"),
                   "status": "inactive", "subscriptions": []})  # fmt: skip
    wanted = desired_webhook(ENDPOINT)
    fields = {k: wanted[k] for k in ("endpoint", "status", "subscriptions")}
    rsps.patch(f"{HOOKS}/01H1", status=204,
               match=[matchers.json_params_matcher({"webhook": fields})])  # fmt: skip
    secret(rsps, "01H1", "new")
    assert run(client, store) == [
        "zendesk: update webhook 01H1: endpoint, status, subscriptions",
        "zendesk: store the webhook's signing secret, encrypted",
    ]
    assert BOX.open(store.secret_token(ZENDESK_WEBHOOK_SECRET)) == "new"


def test_duplicates_go_and_a_method_change_means_a_new_webhook(rsps, client, store):
    listing(rsps, {"id": "01H1", **desired_webhook(ENDPOINT), "http_method": "PUT"},
            {"id": "01H2", **desired_webhook(ENDPOINT)})  # fmt: skip
    rsps.delete(f"{HOOKS}/01H2", status=204)
    rsps.delete(f"{HOOKS}/01H1", status=204)
    rsps.post(HOOKS, status=201, json={"webhook": {"id": "01H3"}})
    secret(rsps, "01H3")
    assert run(client, store)[:3] == [
        "zendesk: delete duplicate webhook 01H2",
        "zendesk: replace webhook 01H1 (http_method cannot change)",
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
    ]


def test_a_dry_run_only_reads(rsps, client, store):
    listing(rsps, {"id": "01H1", **desired_webhook(ENDPOINT), "status": "inactive"})
    secret(rsps, "01H1")
    assert run(client, store, dry_run=True) == [
        "zendesk: update webhook 01H1: status",
        "zendesk: store the webhook's signing secret, encrypted",
    ]
    assert store.secret_token(ZENDESK_WEBHOOK_SECRET) is None
    assert [call.request.method for call in rsps.calls] == ["GET", "GET"]


def test_a_dry_run_on_an_empty_account_plans_the_webhook_and_its_secret(rsps, client, store):
    listing(rsps)
    assert run(client, store, dry_run=True) == [
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        "zendesk: store its signing secret, encrypted",
    ]


HUBSPOT = "https://api.hubapi.com/webhooks/v3/54321"
TARGET = "https://momentos.example.com/webhooks/hubspot"
WANTED = [("contact.creation", None), ("contact.propertyChange", "email")]


def test_hubspot_sets_the_target_and_adds_what_is_missing(rsps):
    api = WebhooksApi("https://api.hubapi.com", 54321, "dev", clock=FrozenClock(T0))
    rsps.get(f"{HUBSPOT}/settings", status=404, json={"message": "none"})
    rsps.put(f"{HUBSPOT}/settings", json={})
    rsps.get(f"{HUBSPOT}/subscriptions", json={"results": [
        {"id": "1", "eventType": "contact.creation", "active": False}]})  # fmt: skip
    rsps.post(f"{HUBSPOT}/subscriptions", status=201, json={"id": "2"})
    rsps.patch(f"{HUBSPOT}/subscriptions/1", json={"id": "1"})
    assert hubspot_changes(api, TARGET, WANTED, dry_run=False) == [
        f"hubspot: set the app's webhook target URL to {TARGET}",
        "hubspot: subscribe to contact.propertyChange (email)",
        "hubspot: activate paused subscription 1",
    ]


def test_hubspot_in_order_has_nothing_to_do(rsps):
    api = WebhooksApi("https://api.hubapi.com", 54321, "dev", clock=FrozenClock(T0))
    rsps.get(f"{HUBSPOT}/settings", json={"targetUrl": TARGET})
    rsps.get(f"{HUBSPOT}/subscriptions", json={"results": [
        {"id": "1", "eventType": "contact.creation", "active": True},
        {"id": "2", "eventType": "contact.propertyChange", "propertyName": "email",
         "active": True}]})  # fmt: skip
    assert hubspot_changes(api, TARGET, WANTED, dry_run=False) == []


def test_legacy_private_apps_get_the_list_to_enter_by_hand():
    lines = manual_hubspot(TARGET, WANTED)
    assert lines[1:] == [
        f"  target URL: {TARGET}",
        "  contact.creation",
        "  contact.propertyChange (email)",
    ]
