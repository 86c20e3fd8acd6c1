"""install-webhooks with `webhook_connection: triggers`: one webhook connected to triggers
and the trigger that calls it, made or repaired; a rerun does nothing; dry runs only read;
switching connection methods replaces the webhook (Zendesk cannot switch one, §11.1)."""

import json

import pytest
from cryptography.fernet import Fernet
from responses import matchers

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.subscriptions import desired_webhook
from connectors.zendesk.triggers import desired_trigger
from connectors.zendesk.webhooks import TRIGGER_BODY
from momentos.clock import FrozenClock
from momentos.secrets import ZENDESK_WEBHOOK_SECRET, SecretBox
from momentos.store import Store
from momentos.webhook_install import zendesk_changes
from tests.factories import T0

BASE = "https://acme.zendesk.com"
HOOKS = f"{BASE}/api/v2/webhooks"
TRIGGERS = f"{BASE}/api/v2/triggers"
ENDPOINT = "https://momentos.example.com/webhooks/zendesk"
BOX = SecretBox(Fernet.generate_key().decode())
TRIGGER_HOOK = {"id": "01H1", **desired_webhook(ENDPOINT, "triggers")}
EVENT_HOOK = {"id": "01H1", **desired_webhook(ENDPOINT, "events")}


@pytest.fixture
def client():
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=FrozenClock(T0))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    store.put_secret(ZENDESK_WEBHOOK_SECRET, BOX.seal("s3cr3t"), T0)
    return store


def hooks(mock, *found):
    mock.get(HOOKS, json={"webhooks": list(found), "meta": {"has_more": False}})


def rules(mock, *found):
    mock.get(TRIGGERS, json={"triggers": list(found), "meta": {"has_more": False}})


def secret(mock, hook_id="01H1", value="s3cr3t"):
    mock.get(
        f"{HOOKS}/{hook_id}/signing_secret",
        json={"signing_secret": {"algorithm": "SHA256", "secret": value}},
    )


def trigger(trigger_id=41, hook_id="01H1", **fields):
    return {"id": trigger_id, **desired_trigger(hook_id), "position": 1, **fields}


def run(client, store, connection="triggers", dry_run=False):
    return zendesk_changes(client, store, BOX, ENDPOINT, T0, dry_run, connection)


def test_the_desired_webhook_is_connected_to_triggers_only():
    assert desired_webhook(ENDPOINT, "triggers") == {
        "name": "Momentos",
        "endpoint": ENDPOINT,
        "http_method": "POST",
        "request_format": "json",
        "status": "active",
        "subscriptions": ["conditional_ticket_events"],
    }


def test_an_empty_account_gets_the_webhook_then_the_trigger_calling_it(ordered, client, tmp_path):
    store = Store(tmp_path / "empty.db")
    hooks(ordered)
    ordered.post(
        HOOKS,
        status=201,
        json={"webhook": {"id": "01H7"}},
        match=[matchers.json_params_matcher({"webhook": desired_webhook(ENDPOINT, "triggers")})],
    )
    rules(ordered)
    ordered.post(
        TRIGGERS,
        status=201,
        json={"trigger": trigger(41, "01H7")},
        match=[matchers.json_params_matcher({"trigger": desired_trigger("01H7")})],
    )
    secret(ordered, "01H7")
    assert run(client, store) == [
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        'zendesk: create trigger "Momentos: ticket changes" -> webhook 01H7',
        "zendesk: store the webhook's signing secret, encrypted",
    ]
    sent = json.loads(ordered.calls[3].request.body)["trigger"]["actions"][0]["value"]
    assert sent == ["01H7", TRIGGER_BODY]
    assert BOX.open(store.secret_token(ZENDESK_WEBHOOK_SECRET)) == "s3cr3t"


def test_a_rerun_only_reads(rsps, client, store):
    hooks(rsps, TRIGGER_HOOK)
    rules(rsps, trigger(41), {"id": 3, "title": "Notify requester", "actions": []})
    secret(rsps)
    assert run(client, store) == []
    assert [call.request.method for call in rsps.calls] == ["GET", "GET", "GET"]


def test_a_deleted_trigger_is_made_again(rsps, client, store):
    hooks(rsps, TRIGGER_HOOK)
    rules(rsps)
    rsps.post(
        TRIGGERS,
        status=201,
        json={"trigger": trigger(42)},
        match=[matchers.json_params_matcher({"trigger": desired_trigger("01H1")})],
    )
    secret(rsps)
    assert run(client, store) == [
        'zendesk: create trigger "Momentos: ticket changes" -> webhook 01H1'
    ]


def test_an_edited_trigger_is_put_back_with_both_rule_lists(rsps, client, store):
    hooks(rsps, TRIGGER_HOOK)
    edited = trigger(
        41,
        active=False,
        conditions={"all": [{"field": "status", "operator": "is", "value": "open"}]},
    )
    rules(rsps, edited)
    wanted = desired_trigger("01H1")
    fields = {k: wanted[k] for k in ("active", "conditions", "actions")}
    rsps.put(
        f"{TRIGGERS}/41",
        json={"trigger": trigger(41)},
        match=[matchers.json_params_matcher({"trigger": fields})],
    )
    secret(rsps)
    assert run(client, store) == ["zendesk: update trigger 41: active, conditions"]


def test_duplicate_triggers_go(rsps, client, store):
    hooks(rsps, TRIGGER_HOOK)
    rules(rsps, trigger(50), trigger(41))
    rsps.delete(f"{TRIGGERS}/50", status=204)
    secret(rsps)
    assert run(client, store) == ["zendesk: delete duplicate trigger 50"]


def test_switching_from_events_replaces_the_webhook_and_repoints_the_trigger(
    ordered, client, store
):
    hooks(ordered, EVENT_HOOK)
    ordered.delete(f"{HOOKS}/01H1", status=204)
    ordered.post(HOOKS, status=201, json={"webhook": {"id": "01H9"}})
    rules(ordered, trigger(41, "01H1"))  # left from an earlier trigger mode
    ordered.put(
        f"{TRIGGERS}/41",
        json={"trigger": trigger(41, "01H9")},
        match=[
            matchers.json_params_matcher(
                {"trigger": {k: desired_trigger("01H9")[k] for k in ("conditions", "actions")}}
            )
        ],
    )
    secret(ordered, "01H9", "n3w")
    assert run(client, store) == [
        "zendesk: replace webhook 01H1 (connection method cannot change)",
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        "zendesk: update trigger 41: actions",
        "zendesk: store the webhook's signing secret, encrypted",
    ]
    assert BOX.open(store.secret_token(ZENDESK_WEBHOOK_SECRET)) == "n3w"


def test_switching_to_events_deletes_the_trigger_before_its_webhook(ordered, client, store):
    hooks(ordered, TRIGGER_HOOK)
    rules(ordered, trigger(41))
    ordered.delete(f"{TRIGGERS}/41", status=204)
    ordered.delete(f"{HOOKS}/01H1", status=204)
    ordered.post(
        HOOKS,
        status=201,
        json={"webhook": {"id": "01H9"}},
        match=[matchers.json_params_matcher({"webhook": desired_webhook(ENDPOINT, "events")})],
    )
    secret(ordered, "01H9")
    assert run(client, store, connection="events") == [
        "zendesk: delete trigger 41",
        "zendesk: replace webhook 01H1 (connection method cannot change)",
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
    ]


def test_a_dry_run_on_an_empty_account_plans_webhook_trigger_and_secret(rsps, client, store):
    hooks(rsps)
    rules(rsps)
    assert run(client, store, dry_run=True) == [
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        'zendesk: create trigger "Momentos: ticket changes" -> webhook <new webhook>',
        "zendesk: store its signing secret, encrypted",
    ]
    assert [call.request.method for call in rsps.calls] == ["GET", "GET"]


def test_a_dry_run_of_a_switch_only_reads(rsps, client, store):
    hooks(rsps, EVENT_HOOK)
    rules(rsps, trigger(41, "01H1"), trigger(50, "01H1"))
    assert run(client, store, dry_run=True) == [
        "zendesk: replace webhook 01H1 (connection method cannot change)",
        f'zendesk: create webhook "Momentos" -> {ENDPOINT}',
        "zendesk: delete duplicate trigger 50",
        "zendesk: update trigger 41: actions",
        "zendesk: store its signing secret, encrypted",
    ]
    assert {call.request.method for call in rsps.calls} == {"GET"}
