"""Webhooks in: 200 only after the events are committed, 401 for a bad signature, 400 for a
bad body, and nothing stored for a rejected delivery."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.hubspot import webhooks as hubspot_webhooks
from connectors.timefmt import format_iso, to_epoch_ms
from connectors.zendesk import webhooks as zendesk_webhooks
from momentos.clock import FrozenClock
from momentos.store import Store
from server import create_app
from tests.conftest import TEST_SECRETS

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TICKET_CREATED = {
    "type": "zen:event-type:ticket.created", "account_id": 88888888,
    "id": "cbe4028c-7239-495d-b020-f22348516046", "time": "2026-11-23T08:59:58.672717030Z",
    "zendesk_event_version": "2022-11-06", "subject": "zen:ticket:5158",
    "detail": {"id": "5158", "subject": "La app se cierra", "status": "OPEN", "priority": "LOW",
               "type": "TASK", "tags": ["queja"], "requester_id": "8447388090494",
               "submitter_id": "8447388090494", "organization_id": None, "form_id": "1",
               "via": {"channel": "web_service"}, "created_at": "2026-11-23T08:59:58Z",
               "updated_at": "2026-11-23T08:59:58Z", "external_id": None, "brand_id": "2"},
    "event": {},
}  # fmt: skip
HUBSPOT_EVENTS = [
    {
        "eventId": 1,
        "subscriptionId": 12345,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": 1795424400000,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": 123,
        "changeSource": "CRM",
        "changeFlag": "NEW",
    }
]


@pytest.fixture
def app(make_settings, tmp_path):
    settings = make_settings()
    store = Store(settings.store["path"])
    woken = []
    app = create_app(settings, store, FrozenClock(NOW), on_events=lambda: woken.append(True))
    app.config["WOKEN"] = woken
    return app


def zendesk_post(
    client, body: bytes, *, secret=TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"], sent_at=NOW, headers=None
):
    timestamp = format_iso(sent_at)
    signed = {
        zendesk_webhooks.SIGNATURE_HEADER: zendesk_webhooks.sign(secret, timestamp, body),
        zendesk_webhooks.TIMESTAMP_HEADER: timestamp,
        "Content-Type": "application/json",
    }
    return client.post(
        "/webhooks/zendesk", data=body, headers=headers if headers is not None else signed
    )


def events_stored(app) -> int:
    return app.config["STORE"].total("events")


def test_signed_zendesk_delivery_is_stored_once_even_when_replayed(app):
    client = app.test_client()
    body = json.dumps(TICKET_CREATED).encode()
    first = zendesk_post(client, body)
    assert first.status_code == 200
    assert first.get_json() == {"received": 1, "new": 1}
    assert zendesk_post(client, body).get_json() == {"received": 1, "new": 0}
    [row] = app.config["STORE"].db.query("SELECT tool, object_type, object_id, version FROM events")
    assert row == {
        "tool": "zendesk",
        "object_type": "ticket",
        "object_id": "5158",
        "version": "2026-11-23T08:59:58Z",
    }
    assert app.config["WOKEN"] == [True, True]


@pytest.mark.parametrize("tamper", ["byte", "secret", "stale", "future", "no_headers"])
def test_bad_zendesk_signature_is_401_and_stores_nothing(app, tamper):
    client = app.test_client()
    body = json.dumps(TICKET_CREATED).encode()
    if tamper == "byte":
        signed = zendesk_post(client, body)  # establish the good path stores one
        assert signed.status_code == 200
        app.config["STORE"].db.execute("DELETE FROM events")
        timestamp = format_iso(NOW)
        headers = {
            zendesk_webhooks.SIGNATURE_HEADER: zendesk_webhooks.sign(
                TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"], timestamp, body
            ),
            zendesk_webhooks.TIMESTAMP_HEADER: timestamp,
        }
        response = client.post(
            "/webhooks/zendesk", data=body.replace(b"5158", b"5159"), headers=headers
        )
    else:
        response = zendesk_post(
            client,
            body,
            secret="wrong" if tamper == "secret" else TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"],
            sent_at={"stale": NOW - timedelta(minutes=6), "future": NOW + timedelta(minutes=6)}.get(
                tamper, NOW
            ),
            headers={} if tamper == "no_headers" else None,
        )
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401
    assert events_stored(app) == 0


def test_before_install_webhooks_stores_a_secret_a_zendesk_delivery_is_401(app, monkeypatch):
    monkeypatch.delenv("ZENDESK_WEBHOOK_SECRET")  # a new install: no secret anywhere yet
    response = zendesk_post(app.test_client(), json.dumps(TICKET_CREATED).encode())
    assert response.status_code == 401
    assert "install-webhooks" in response.get_json()["error"]["message"]
    assert events_stored(app) == 0


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'{"type": "zen:event-type:ticket.created"}', b"\xff\xfe\xfa"]
)
def test_signed_but_malformed_zendesk_body_is_400(app, body):
    response = zendesk_post(app.test_client(), body)
    assert response.status_code == 400
    assert events_stored(app) == 0


def test_unwanted_zendesk_event_is_acknowledged_and_ignored(app):
    body = json.dumps({**TICKET_CREATED, "type": "zen:event-type:agent.state_changed"}).encode()
    response = zendesk_post(app.test_client(), body)
    assert response.status_code == 200
    assert events_stored(app) == 0


def hubspot_post(client, body: bytes, *, sent_at=NOW, secret=TEST_SECRETS["HUBSPOT_APP_SECRET"]):
    uri = "http://127.0.0.1:8000/webhooks/hubspot"
    timestamp = to_epoch_ms(sent_at)
    return client.post(
        "/webhooks/hubspot",
        data=body,
        headers={
            hubspot_webhooks.SIGNATURE_HEADER: hubspot_webhooks.sign(
                secret, "POST", uri, body, timestamp
            ),
            hubspot_webhooks.TIMESTAMP_HEADER: str(timestamp),
            "Content-Type": "application/json",
        },
    )


def test_hubspot_array_signed_over_the_public_url_is_accepted(app):
    response = hubspot_post(app.test_client(), json.dumps(HUBSPOT_EVENTS).encode())
    assert response.status_code == 200
    assert response.get_json() == {"received": 1, "new": 1}


@pytest.mark.parametrize(
    "sent_at, secret", [(NOW - timedelta(minutes=5, seconds=1), None), (NOW, "wrong-secret")]
)
def test_hubspot_stale_or_wrongly_signed_delivery_is_401(app, sent_at, secret):
    response = hubspot_post(
        app.test_client(),
        json.dumps(HUBSPOT_EVENTS).encode(),
        sent_at=sent_at,
        secret=secret or TEST_SECRETS["HUBSPOT_APP_SECRET"],
    )
    assert response.status_code == 401
    assert events_stored(app) == 0


def test_body_over_the_limit_is_413(app):
    response = zendesk_post(app.test_client(), b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413


def test_healthz_says_ok(app):
    body = app.test_client().get("/healthz").get_json()
    assert (body["ok"], body["problems"]) == (True, [])  # tests/test_health.py: the rest
