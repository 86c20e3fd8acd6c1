"""Ticket fields and triggers; trigger webhooks carry the rendered, signed template."""

import json

import pytest

from connectors.zendesk.webhooks import verify

TEMPLATE = json.dumps(
    {
        "ticket_id": "{{ticket.id}}",
        "status": "{{ticket.status}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        "requester": "{{ticket.requester.email}}",
        "tags": "{{ticket.tags}}",
        "title": "{{ticket.title}}",
        "unknown": "{{ticket.no_such_thing}}",
    }
)


def test_ticket_fields_lists_system_fields_then_custom_dropdowns(zd):
    body = {
        "ticket_field": {
            "type": "tagger",
            "title": "App",
            "custom_field_options": [
                {"name": "Web", "value": "web"},
                {"name": "Android app", "value": "android"},
            ],
        }
    }
    answer = zd.post("/ticket_fields.json", json=body)
    assert answer.status_code == 201, answer.text
    field = answer.json()["ticket_field"]
    assert answer.headers["Location"] == field["url"]
    assert [(o["name"], o["value"]) for o in field["custom_field_options"]] == [
        ("Web", "web"),
        ("Android app", "android"),
    ]
    assert all(isinstance(o["id"], int) for o in field["custom_field_options"])
    listed = zd.get("/ticket_fields").json()["ticket_fields"]
    assert [f["type"] for f in listed[:3]] == ["subject", "description", "status"]
    assert listed[-1]["id"] == field["id"] and listed[-1]["removable"] is True
    status = next(f for f in listed if f["type"] == "status")
    assert {"name": "Open", "value": "open"} in status["system_field_options"]
    assert zd.get(f"/ticket_fields/{field['id']}").json()["ticket_field"] == field
    assert zd.get("/ticket_fields/1").status_code == 404


@pytest.mark.parametrize(
    "field",
    [
        {"type": "tagger", "title": "No options"},
        {"type": "tagger", "title": "Bad option", "custom_field_options": [{"name": "x"}]},
        {"type": "spreadsheet", "title": "Unknown type"},
        {"type": "text"},
    ],
)
def test_invalid_ticket_fields_are_422(zd, field):
    answer = zd.post("/ticket_fields", json={"ticket_field": field})
    assert answer.status_code == 422 and answer.json()["error"] == "RecordInvalid"


def _trigger_hook(zd, endpoint, **extra):
    body = {
        "webhook": {
            "name": "Momentos triggers",
            "endpoint": endpoint,
            "http_method": "POST",
            "request_format": "json",
            "status": "active",
            "subscriptions": ["conditional_ticket_events"],
            **extra,
        }
    }
    return zd.post("/webhooks", json=body).json()["webhook"]


def _trigger(zd, hook_id, update_types=("Create",), **extra):
    conditions = [{"field": "update_type", "operator": "is", "value": t} for t in update_types]
    body = {
        "trigger": {
            "title": "Momentos: tickets",
            "conditions": {"all": [], "any": conditions},
            "actions": [{"field": "notification_webhook", "value": [hook_id, TEMPLATE]}],
            **extra,
        }
    }
    answer = zd.post("/triggers", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["trigger"]


def _payload(sandbox, zd, hook_id, delivery):
    headers, body = delivery
    secret = zd.get(f"/webhooks/{hook_id}/signing_secret").json()["signing_secret"]["secret"]
    verify(secret, headers, body, sandbox.state.clock.now())
    return headers, json.loads(body)


def test_triggers_api_create_show_update_list_delete(zd):
    hook = _trigger_hook(zd, "https://example.com/t")
    trigger = _trigger(zd, hook["id"])
    assert trigger["title"] == "Momentos: tickets" and trigger["active"] is True
    assert zd.get(f"/triggers/{trigger['id']}.json").json()["trigger"] == trigger
    changed = zd.put(f"/triggers/{trigger['id']}", json={"trigger": {"active": False}})
    assert changed.status_code == 200 and changed.json()["trigger"]["active"] is False
    listed = zd.get("/triggers").json()
    assert [t["id"] for t in listed["triggers"]] == [trigger["id"]] and listed["count"] == 1
    assert zd.delete(f"/triggers/{trigger['id']}").status_code == 204
    assert zd.get(f"/triggers/{trigger['id']}").status_code == 404


@pytest.mark.parametrize(
    "trigger",
    [
        {"conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]}},
        {"title": "t", "conditions": {"all": []}},
        {"title": "t", "conditions": {"all": [{"field": "via_id", "operator": "is", "value": 4}]}},
    ],
)
def test_invalid_or_unsupported_triggers_are_422(zd, trigger):
    hook = _trigger_hook(zd, "https://example.com/t")
    action = {"field": "notification_webhook", "value": [hook["id"], "{}"]}
    body = {"trigger": {"actions": [action], **trigger}}
    answer = zd.post("/triggers", json=body)
    assert answer.status_code == 422 and answer.json()["details"]["base"]


def test_a_trigger_needs_a_webhook_connected_to_triggers(zd):
    hook = zd.post(
        "/webhooks",
        json={
            "webhook": {
                "name": "events",
                "endpoint": "https://example.com/e",
                "http_method": "POST",
                "request_format": "json",
                "status": "active",
                "subscriptions": ["zen:event-type:ticket.created"],
            }
        },
    ).json()["webhook"]
    body = {
        "trigger": {
            "title": "t",
            "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]},
            "actions": [{"field": "notification_webhook", "value": [hook["id"], "{}"]}],
        }
    }
    assert zd.post("/triggers", json=body).status_code == 422
    body["trigger"]["actions"][0]["value"][0] = "01NOSUCHWEBHOOK0000000000"
    assert zd.post("/triggers", json=body).status_code == 422


def test_ticket_creation_sends_the_rendered_template_signed(sandbox, zd, receiver):
    hook = _trigger_hook(zd, receiver.url)
    _trigger(zd, hook["id"])
    ticket = zd.create(
        subject='Say "hi"', tags=["vip", "app_android"], requester={"email": "ana@example.com"}
    )
    assert receiver.wait(1)
    headers, payload = _payload(sandbox, zd, hook["id"], receiver.deliveries[0])
    assert payload == {
        "ticket_id": str(ticket["id"]),
        "status": "New",
        "updated_at": ticket["updated_at"][:16] + "Z",  # to the minute, as Zendesk renders it
        "requester": "ana@example.com",
        "tags": "vip app_android",
        "title": 'Say "hi"',
        "unknown": "",
    }
    assert headers["X-Zendesk-Webhook-Id"] == hook["id"]
    assert headers["Content-Type"] == "application/json"


def test_change_triggers_fire_on_updates_and_inactive_ones_never(sandbox, zd, receiver):
    hook = _trigger_hook(zd, receiver.url)
    _trigger(zd, hook["id"], update_types=("Change",))
    _trigger(zd, hook["id"], update_types=("Create", "Change"), active=False, title="off")
    ticket = zd.create()
    zd.put(f"/tickets/{ticket['id']}", json={"ticket": {"status": "solved"}})
    assert receiver.wait(1)
    assert sandbox.state.deliveries.flush(timeout=5)
    assert len(receiver.deliveries) == 1
    _, payload = _payload(sandbox, zd, hook["id"], receiver.deliveries[0])
    assert payload["status"] == "Solved"


def test_conditions_on_status_and_tags(sandbox, zd, receiver):
    hook = _trigger_hook(zd, receiver.url)
    _trigger(
        zd,
        hook["id"],
        update_types=("Create", "Change"),
        conditions={
            "all": [
                {"field": "status", "operator": "less_than", "value": "solved"},
                {"field": "current_tags", "operator": "includes", "value": "vip gold"},
            ],
            "any": [],
        },
    )
    zd.create(tags=["basic"])
    wanted = zd.create(tags=["gold"])
    zd.put(f"/tickets/{wanted['id']}", json={"ticket": {"status": "solved"}})
    assert receiver.wait(1)
    assert sandbox.state.deliveries.flush(timeout=5)
    bodies = [json.loads(body) for _, body in receiver.deliveries]
    assert [(b["ticket_id"], b["status"]) for b in bodies] == [(str(wanted["id"]), "New")]


def test_satisfaction_ratings_are_changes_for_triggers(sandbox, zd, receiver):
    hook = _trigger_hook(zd, receiver.url)
    ticket = zd.create(status="solved")
    _trigger(zd, hook["id"], update_types=("Change",))
    sandbox.state.zendesk.add_satisfaction_rating(ticket["id"], "good")
    assert receiver.wait(1)
    _, payload = _payload(sandbox, zd, hook["id"], receiver.deliveries[0])
    assert payload["ticket_id"] == str(ticket["id"])
