"""Trigger-based Zendesk webhooks (ZENDESK.md §11.1, §11.3): Momentos' trigger body names
the ticket that changed, the ticket is read through the API, and the event it makes has the
natural key the incremental export gives for the same ticket version."""

import base64
import json
from datetime import timedelta

import pytest
from responses import matchers

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import get_ticket, poll_tickets
from connectors.zendesk.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TRIGGER_BODY,
    TRIGGER_MARKER,
    parse,
    sign,
)
from momentos.clock import FrozenClock
from momentos.errors import FatalApiError, MalformedPayload
from momentos.store import Store
from server import create_app
from tests.conftest import TEST_SECRETS
from tests.factories import T0

BASE = "https://acme.zendesk.com"
SHOW = f"{BASE}/api/v2/tickets/5158.json"
EXPORT = f"{BASE}/api/v2/incremental/tickets/cursor.json"
# A REST ticket as GET /api/v2/tickets/{id}.json and the incremental export both show it.
TICKET = {
    "id": 5158,
    "subject": 'Sigue sin "llegar"',
    "description": "Nada",
    "status": "open",
    "priority": "high",
    "type": "incident",
    "tags": ["queja"],
    "requester_id": 501,
    "submitter_id": 501,
    "organization_id": 90,
    "group_id": None,
    "brand_id": 1,
    "ticket_form_id": 3,
    "via": {"channel": "web"},
    "external_id": None,
    "custom_fields": [{"id": 77, "value": "android"}],
    "created_at": "2026-03-01T09:00:00Z",
    "updated_at": "2026-03-01T10:00:42Z",
}


def rendered(ticket_id="5158", updated_at="2026-03-01T10:00Z", template=TRIGGER_BODY) -> bytes:
    """TRIGGER_BODY as Zendesk renders it: `updated_at_with_timestamp` is to the minute."""
    text = template.replace("{{ticket.id}}", ticket_id)
    return text.replace("{{ticket.updated_at_with_timestamp}}", updated_at).encode()


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def test_the_template_carries_the_marker_the_ticket_id_and_its_update_time():
    template = json.loads(TRIGGER_BODY)
    assert template == {
        TRIGGER_MARKER: "1",
        "ticket_id": "{{ticket.id}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
    }
    assert "type" not in template  # what tells an event envelope


def test_a_trigger_delivery_reads_the_ticket_and_matches_the_polled_event(rsps, client):
    rsps.get(SHOW, json={"ticket": TICKET})
    rsps.get(EXPORT, json={"tickets": [TICKET], "after_cursor": "c1", "end_of_stream": True})
    [event] = parse(rendered(), lambda ticket_id: get_ticket(client, ticket_id))
    [page] = poll_tickets(client, None, 0)
    [polled] = page.events
    # One natural key, one record, one raw: stored once whichever comes first.
    assert event.key == polled.key == ("zendesk", "ticket", "5158", "2026-03-01T10:00:42Z")
    assert event == polled
    assert event.data["custom_fields"] == {"77": "android"}


def test_seconds_in_the_update_time_are_accepted_too():
    [event] = parse(rendered(updated_at="2026-03-01T10:00:42Z"), lambda _id: TICKET)
    assert event.version == "2026-03-01T10:00:42Z"


def test_the_id_read_is_the_one_in_the_body_and_a_newer_version_is_stored():
    asked = []
    newer = {**TICKET, "status": "solved", "updated_at": "2026-03-01T10:03:00Z"}
    [event] = parse(
        rendered(ticket_id=" 5158 "), lambda ticket_id: asked.append(ticket_id) or newer
    )
    assert asked == ["5158"]
    assert (event.version, event.data["status"]) == ("2026-03-01T10:03:00Z", "solved")


def test_a_ticket_gone_since_it_fired_is_acknowledged_and_nothing_is_stored(rsps, client):
    rsps.get(SHOW, status=404, json={"error": "RecordNotFound", "description": "Not found"})
    assert parse(rendered(), lambda ticket_id: get_ticket(client, ticket_id)) == []


def test_other_api_failures_are_not_swallowed(rsps, client):
    rsps.get(SHOW, status=403, json={"error": "Forbidden"})
    with pytest.raises(FatalApiError, match="403"):
        parse(rendered(), lambda ticket_id: get_ticket(client, ticket_id))


def _never(_ticket_id):
    raise AssertionError("a bad body must not reach the API")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (rendered(ticket_id=""), "no ticket id"),  # Liquid renders unknown values as ""
        (rendered(ticket_id="0"), "no ticket id"),
        (rendered(ticket_id="51x8"), "no ticket id"),
        (rendered(ticket_id="../users/1"), "no ticket id"),
        (rendered(ticket_id="٥١٥٨"), "no ticket id"),  # digits, but not ASCII ones
        (rendered(ticket_id="1" * 21), "no ticket id"),
        (rendered(updated_at=""), "no update time"),
        (rendered(updated_at="May 18"), "no update time"),
        (rendered(updated_at="2026-03-01"), "no update time"),
        (rendered(updated_at="2026-13-01T10:00Z"), "bad update time"),
        (
            json.dumps({TRIGGER_MARKER: "1", "updated_at": "2026-03-01T10:00Z"}).encode(),
            "no ticket id",
        ),
        (json.dumps({TRIGGER_MARKER: "1", "ticket_id": "5158"}).encode(), "no update time"),
        (
            json.dumps(
                {TRIGGER_MARKER: "1", "ticket_id": ["5158"], "updated_at": "2026-03-01T10:00Z"}
            ).encode(),
            "no ticket id",
        ),
        (
            json.dumps(
                {TRIGGER_MARKER: "2", "ticket_id": "5158", "updated_at": "2026-03-01T10:00Z"}
            ).encode(),
            "unknown .* version '2'",
        ),
        (rendered().replace(b"}", b""), "not JSON"),
    ],
)
def test_bad_or_incomplete_trigger_bodies_are_malformed(body, message):
    with pytest.raises(MalformedPayload, match=message):
        parse(body, _never)


def test_without_the_api_a_trigger_body_is_refused_as_malformed():
    with pytest.raises(MalformedPayload, match="needs the API"):
        parse(rendered())


def test_an_event_envelope_still_parses_without_the_api():
    envelope = {
        "type": "zen:event-type:ticket.created",
        "detail": {
            "id": "5158",
            "created_at": TICKET["created_at"],
            "updated_at": TICKET["updated_at"],
        },
    }
    [event] = parse(json.dumps(envelope).encode(), _never)
    assert event.key == ("zendesk", "ticket", "5158", "2026-03-01T10:00:42Z")


# The whole path in Momentos' app: verify, parse, read the ticket, commit, answer.


@pytest.fixture
def app(make_settings):
    settings = make_settings()
    return create_app(settings, Store(settings.store["path"]), FrozenClock(T0))


def deliver(app, body: bytes):
    stamp = (T0 - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    secret = TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"]
    headers = {SIGNATURE_HEADER: sign(secret, stamp, body), TIMESTAMP_HEADER: stamp}
    return app.test_client().post("/webhooks/zendesk", data=body, headers=headers)


def stored(app) -> list[tuple]:
    rows = app.config["STORE"].db.query(
        "SELECT object_type, object_id, version, source, data, raw FROM events"
    )
    return [
        (
            r["object_type"],
            r["object_id"],
            r["version"],
            r["source"],
            json.loads(r["data"]),
            json.loads(r["raw"]),
        )
        for r in rows
    ]


def test_the_app_reads_the_ticket_with_the_api_token_and_stores_it(rsps, app):
    from connectors.zendesk.records import ticket_record

    email = app.config["SETTINGS"].zendesk["email"]
    pair = f"{email}/token:{TEST_SECRETS['ZENDESK_API_TOKEN']}".encode()
    auth = matchers.header_matcher({"Authorization": "Basic " + base64.b64encode(pair).decode()})
    rsps.get(SHOW, match=[auth], json={"ticket": TICKET})
    answer = deliver(app, rendered())
    assert (answer.status_code, answer.get_json()) == (200, {"received": 1, "new": 1})
    assert stored(app) == [
        ("ticket", "5158", "2026-03-01T10:00:42Z", "webhook", ticket_record(TICKET), TICKET)
    ]
    rsps.get(SHOW, json={"ticket": TICKET})
    assert deliver(app, rendered()).get_json() == {"received": 1, "new": 0}


def test_the_app_answers_400_to_a_bad_trigger_body_and_reads_nothing(rsps, app):
    answer = deliver(app, rendered(ticket_id=""))
    assert answer.status_code == 400 and "no ticket id" in answer.get_json()["error"]["message"]
    assert stored(app) == []


def test_a_failed_read_is_a_503_with_nothing_stored_and_is_not_retried_here(rsps, app):
    rsps.get(SHOW, status=503)
    assert deliver(app, rendered()).status_code == 503
    assert stored(app) == [] and len(rsps.calls) == 1


def test_a_rate_limited_read_is_a_429_without_waiting(rsps, app):
    rsps.get(SHOW, status=429, headers={"Retry-After": "30"})
    assert deliver(app, rendered()).status_code == 429
    assert stored(app) == [] and len(rsps.calls) == 1
