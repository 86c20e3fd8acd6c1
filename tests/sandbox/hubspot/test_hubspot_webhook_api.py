"""The webhooks v3 API: settings and subscriptions over HTTP, with the developer key (§6.1)."""

import json

import pytest
import requests


class WebhooksApi:
    """`/webhooks/v3/{appId}` with `?hapikey=`; paths start after the app id."""

    def __init__(self, sandbox, key=None, app_id=None):
        settings = sandbox.state.settings
        self.base = f"{sandbox.url}/webhooks/v3/{app_id or settings.hubspot_app_id}"
        self.params = {"hapikey": key or settings.hubspot_developer_api_key}

    def call(self, method, path, body=None):
        return requests.request(method, self.base + path, params=self.params, json=body, timeout=10)


@pytest.fixture
def hooks(sandbox):
    return WebhooksApi(sandbox)


def test_settings_are_404_until_put_then_read_back(hooks, sandbox, frozen_now):
    assert hooks.call("GET", "/settings").status_code == 404
    body = {"targetUrl": "https://momentos.example/webhooks/hubspot",
            "throttling": {"maxConcurrentRequests": 10}}  # fmt: skip

    put = hooks.call("PUT", "/settings", body)
    assert put.status_code == 200
    assert put.json() == {
        **body,
        "createdAt": "2026-11-23T10:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.000Z",
    }
    assert hooks.call("GET", "/settings").json() == put.json()
    assert sandbox.state.hubspot.webhooks.subscriptions.target_url == body["targetUrl"]

    assert hooks.call("DELETE", "/settings").status_code == 204
    assert hooks.call("GET", "/settings").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"targetUrl": "https://x.example/h", "throttling": {"maxConcurrentRequests": 5}},
        {"targetUrl": "ftp://x.example/h", "throttling": {"maxConcurrentRequests": 10}},
        {"targetUrl": "https://x.example/h"},
    ],
)
def test_bad_settings_are_refused(hooks, body):
    answer = hooks.call("PUT", "/settings", body)
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_only_the_developer_key_of_this_app_is_accepted(sandbox, api):
    wrong = WebhooksApi(sandbox, key="not-the-key").call("GET", "/subscriptions")
    assert wrong.status_code == 401
    assert wrong.json()["category"] == "INVALID_AUTHENTICATION"
    # The portal's private-app token is not a developer key.
    assert (
        api.get(f"/webhooks/v3/{sandbox.state.settings.hubspot_app_id}/settings").status_code == 401
    )
    other_app = WebhooksApi(sandbox, app_id=1).call("GET", "/subscriptions")
    assert other_app.status_code == 404


def test_subscriptions_start_paused_and_are_managed_by_id(hooks, frozen_now):
    created = hooks.call("POST", "/subscriptions", {"eventType": "contact.propertyChange",
                                                   "propertyName": "lifecyclestage"})  # fmt: skip
    assert created.status_code == 201
    subscription = created.json()
    assert subscription == {
        "id": subscription["id"],
        "eventType": "contact.propertyChange",
        "propertyName": "lifecyclestage",
        "active": False,
        "createdAt": "2026-11-23T10:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.000Z",
    }
    path = f"/subscriptions/{subscription['id']}"

    patched = hooks.call("PATCH", path, {"active": True})
    assert patched.json()["active"] is True
    assert hooks.call("GET", path).json() == patched.json()
    assert hooks.call("GET", "/subscriptions").json() == {"results": [patched.json()]}

    assert hooks.call("DELETE", path).status_code == 204
    assert hooks.call("GET", path).status_code == 404
    assert hooks.call("GET", "/subscriptions").json() == {"results": []}


@pytest.mark.parametrize(
    "body",
    [
        {"eventType": "contact.propertyChange"},
        {"eventType": "contact.creation", "propertyName": "email"},
        {"eventType": "contact.propertyChange", "propertyName": "hs_lastmodifieddate"},
        {"eventType": "task.creation"},
        {"eventType": "object.creation", "objectTypeId": "9-99"},
        {"eventType": "contact.teleport"},
    ],
)
def test_invalid_subscriptions_are_refused(hooks, body):
    assert hooks.call("POST", "/subscriptions", body).status_code == 400


def test_a_duplicate_subscription_is_refused(hooks):
    body = {"eventType": "deal.creation", "active": True}
    assert hooks.call("POST", "/subscriptions", body).status_code == 201
    assert hooks.call("POST", "/subscriptions", body).status_code == 400


def test_events_follow_settings_and_active_subscriptions_set_over_http(
    hooks, api, sandbox, receiver_factory
):
    receiver = receiver_factory()
    settings = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 10}}
    assert hooks.call("PUT", "/settings", settings).ok
    paused = hooks.call("POST", "/subscriptions", {"eventType": "contact.creation"}).json()
    api.post("/crm/v3/objects/contacts", {"properties": {"email": "paused@x.com"}})
    assert sandbox.state.deliveries.flush(timeout=10)
    assert receiver.deliveries == []

    hooks.call("PATCH", f"/subscriptions/{paused['id']}", {"active": True})
    contact = api.post("/crm/v3/objects/contacts", {"properties": {"email": "on@x.com"}}).json()
    assert sandbox.state.deliveries.flush(timeout=10)
    [(_, body)] = receiver.deliveries
    [event] = json.loads(body)
    assert event["subscriptionId"] == int(paused["id"])
    assert (event["subscriptionType"], event["objectId"]) == (
        "contact.creation",
        int(contact["id"]),
    )


def test_generic_subscriptions_cover_tasks_with_their_object_type_id(
    hooks, api, sandbox, receiver_factory
):
    receiver = receiver_factory()
    hooks.call("POST", "/subscriptions", {"eventType": "object.creation", "objectTypeId": "0-27",
                                          "active": True})  # fmt: skip
    task = api.post(
        "/crm/v3/objects/tasks", {"properties": {"hs_timestamp": "2026-10-01T09:00:00Z"}}
    ).json()
    api.post("/crm/v3/objects/notes", {"properties": {"hs_timestamp": "2026-10-01T09:00:00Z"}})
    assert sandbox.state.deliveries.flush(timeout=10)
    [(_, body)] = receiver.deliveries
    [event] = json.loads(body)
    assert event["subscriptionType"] == "object.creation"
    assert (event["objectTypeId"], event["objectId"]) == ("0-27", int(task["id"]))
    assert event["changeFlag"] == "NEW"
