"""Webhooks API and signed event deliveries to a receiver on a real socket."""

import json

import pytest

from connectors.timefmt import parse_iso
from connectors.zendesk.webhooks import verify
from sandbox.zendesk.hooks import retry_delay

EVENTS = [
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.comment_added",
]


def _hook(zd, endpoint, **extra):
    body = {
        "webhook": {
            "name": "Momentos",
            "endpoint": endpoint,
            "http_method": "POST",
            "request_format": "json",
            "status": "active",
            "subscriptions": EVENTS,
            **extra,
        }
    }
    answer = zd.post("/webhooks", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["webhook"]


def _secret(zd, hook_id):
    return zd.get(f"/webhooks/{hook_id}/signing_secret").json()["signing_secret"]["secret"]


def _verified(sandbox, secret, call):
    headers, body = call
    verify(secret, headers, body, sandbox.state.clock.now())
    return json.loads(body)


def test_webhooks_api_create_show_update_list_delete(zd):
    hook = _hook(zd, "https://example.com/a")
    assert len(hook["id"]) == 26 and hook["id"].isalnum()
    assert hook["subscriptions"] == EVENTS and hook["created_by"]
    assert zd.get(f"/webhooks/{hook['id']}.json").json()["webhook"]["name"] == "Momentos"
    patched = zd.patch(f"/webhooks/{hook['id']}", json={"webhook": {"status": "inactive"}})
    assert patched.status_code == 204
    shown = zd.get(f"/webhooks/{hook['id']}").json()["webhook"]
    assert shown["status"] == "inactive" and shown["endpoint"] == "https://example.com/a"
    partial = zd.put(f"/webhooks/{hook['id']}", json={"webhook": {"name": "only name"}})
    assert partial.status_code == 400  # PUT replaces, so mandatory fields must be sent
    second = _hook(zd, "https://example.com/b", name="Other")
    page = zd.get("/webhooks", params={"page[size]": 1}).json()
    assert [h["id"] for h in page["webhooks"]] == [hook["id"]] and page["meta"]["has_more"]
    rest = zd.get(page["links"]["next"]).json()
    assert [h["id"] for h in rest["webhooks"]] == [second["id"]]
    assert zd.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert zd.get(f"/webhooks/{hook['id']}").status_code == 404


def test_webhook_needs_mandatory_fields_and_post_json_for_events(zd):
    missing = zd.post("/webhooks", json={"webhook": {"name": "x", "endpoint": "https://e.x"}})
    assert missing.status_code == 400 and missing.json()["errors"]
    body = {
        "webhook": {
            "name": "x",
            "endpoint": "https://e.x",
            "http_method": "GET",
            "request_format": "json",
            "status": "active",
            "subscriptions": EVENTS,
        }
    }
    assert zd.post("/webhooks", json=body).status_code == 400


def test_signing_secret_show_and_reset(zd):
    hook = _hook(zd, "https://example.com/a")
    shown = zd.get(f"/webhooks/{hook['id']}/signing_secret.json").json()
    assert shown["signing_secret"]["algorithm"] == "SHA256"
    reset = zd.post(f"/webhooks/{hook['id']}/signing_secret").json()["signing_secret"]
    assert reset["secret"] != shown["signing_secret"]["secret"]
    assert _secret(zd, hook["id"]) == reset["secret"]


def test_ticket_created_is_delivered_signed_with_the_event_envelope(sandbox, zd, receiver):
    hook = _hook(zd, receiver.url)
    ticket = zd.create(subject="Hi", priority="low", type="task", tags=["x"], external_id="e1")
    assert receiver.wait(1)
    headers, _ = receiver.deliveries[0]
    payload = _verified(sandbox, _secret(zd, hook["id"]), receiver.deliveries[0])
    assert list(payload) == [
        "type",
        "account_id",
        "id",
        "time",
        "zendesk_event_version",
        "subject",
        "detail",
        "event",
    ]
    assert payload["type"] == "zen:event-type:ticket.created"
    assert payload["account_id"] == sandbox.state.settings.zendesk_account_id
    assert payload["zendesk_event_version"] == "2022-11-06"
    assert payload["subject"] == f"zen:ticket:{ticket['id']}" and payload["event"] == {}
    detail = payload["detail"]
    assert detail["id"] == str(ticket["id"]) and detail["requester_id"] == str(
        ticket["requester_id"]
    )
    assert (detail["status"], detail["priority"], detail["type"]) == ("NEW", "LOW", "TASK")
    assert detail["form_id"] == str(ticket["ticket_form_id"]) and "custom_fields" not in detail
    assert (detail["created_at"], detail["updated_at"]) == (
        ticket["created_at"],
        ticket["updated_at"],
    )
    assert detail["via"] == {"channel": "web_service"}
    assert headers["User-Agent"] == "Zendesk Webhook"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Zendesk-Webhook-Id"] == hook["id"]
    assert headers["X-Zendesk-Account-Id"] == str(sandbox.state.settings.zendesk_account_id)
    assert headers["X-Zendesk-Webhook-Invocation-Id"]
    parse_iso(headers["X-Zendesk-Webhook-Signature-Timestamp"])


def test_updates_deliver_status_changed_and_comment_added(sandbox, zd, receiver):
    hook = _hook(zd, receiver.url)
    ticket = zd.create()
    body = {"ticket": {"status": "solved", "comment": {"body": "done", "public": True}}}
    zd.put(f"/tickets/{ticket['id']}", json=body)
    assert receiver.wait(3)
    secret = _secret(zd, hook["id"])
    payloads = {p["type"]: p for p in (_verified(sandbox, secret, c) for c in receiver.deliveries)}
    status = payloads["zen:event-type:ticket.status_changed"]
    assert status["event"] == {"previous": "NEW", "current": "SOLVED"}
    comment = payloads["zen:event-type:ticket.comment_added"]["event"]["comment"]
    assert comment["body"] == "done" and comment["is_public"] is True
    assert len({p["id"] for p in payloads.values()}) == 3


def test_inactive_or_unsubscribed_webhooks_get_nothing(sandbox, zd, receiver):
    _hook(zd, receiver.url, status="inactive")
    _hook(zd, receiver.url, name="other", subscriptions=["zen:event-type:user.created"])
    zd.create()
    assert sandbox.state.deliveries.flush(timeout=5)
    assert receiver.deliveries == []


def test_imported_tickets_fire_no_webhooks(sandbox, zd, receiver):
    _hook(zd, receiver.url)
    body = {"ticket": {"comments": [{"value": "old"}], "created_at": "2024-01-01T00:00:00Z"}}
    assert zd.post("/imports/tickets", json=body).status_code == 201
    assert sandbox.state.deliveries.flush(timeout=5)
    assert receiver.deliveries == []


def test_a_409_is_retried_with_the_same_event(sandbox, zd, receiver):
    hook = _hook(zd, receiver.url)
    receiver.statuses = [409]
    zd.create()
    assert receiver.wait(2)
    secret = _secret(zd, hook["id"])
    first, second = (_verified(sandbox, secret, call) for call in receiver.deliveries[:2])
    assert first["id"] == second["id"]


@pytest.mark.parametrize(
    ("status", "headers", "attempt", "expected"),
    [
        (None, {}, 0, 1.0),
        (None, {}, 4, 16.0),
        (None, {}, 5, None),
        (409, {}, 2, 4.0),
        (409, {}, 3, None),
        (429, {"Retry-After": "30"}, 0, 30.0),
        (503, {"retry-after": "59"}, 0, 59.0),
        (429, {"Retry-After": "60"}, 0, None),
        (503, {}, 0, None),
        (500, {}, 0, None),
        (404, {}, 0, None),
    ],
)
def test_retry_policy_follows_zendesk_rules(status, headers, attempt, expected):
    assert retry_delay(status, headers, attempt) == expected


def test_seed_helper_creates_a_webhook_with_a_known_secret(sandbox, zd, receiver):
    state = sandbox.state.zendesk
    hook = state.create_webhook("seeded", receiver.url, EVENTS, signing_secret="s3cret")
    assert _secret(zd, hook["id"]) == "s3cret"
    state.create_ticket({"comment": {"body": "from the seed"}})
    assert receiver.wait(1)
    assert _verified(sandbox, "s3cret", receiver.deliveries[0])["type"].endswith("ticket.created")
