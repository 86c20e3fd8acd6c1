"""Webhooks the sandbox sends: events, batching, v1 and v3 signatures, retries (§6)."""

import hashlib
import json

from connectors.hubspot import webhooks
from connectors.timefmt import parse_iso, to_epoch_ms


def delivered(sandbox, receiver):
    assert sandbox.state.deliveries.flush(timeout=10)
    return [(headers, json.loads(body)) for headers, body in receiver.deliveries]


def check_signatures(sandbox, receiver, headers, body: bytes):
    secret = sandbox.state.settings.hubspot_client_secret
    webhooks.verify(secret, "POST", receiver.url, headers, body, now=sandbox.state.clock.now())
    assert headers["X-Hubspot-Signature-Version"] == "v1"
    assert headers["X-Hubspot-Signature"] == hashlib.sha256(secret.encode() + body).hexdigest()


def test_create_sends_creation_and_subscribed_property_events_signed(
    api, sandbox, hubspot, receiver_factory
):
    receiver = receiver_factory()
    hubspot.subscribe("contact.creation")
    hubspot.subscribe("contact.propertyChange", "email")
    hubspot.subscribe("company.creation")

    contact = api.post(
        "/crm/v3/objects/contacts", {"properties": {"email": "ana@x.com", "firstname": "Ana"}}
    ).json()
    [(headers, events)] = delivered(sandbox, receiver)

    check_signatures(sandbox, receiver, headers, receiver.deliveries[0][1])
    modified_ms = to_epoch_ms(parse_iso(contact["properties"]["lastmodifieddate"]))
    settings = sandbox.state.settings
    creation, change = events
    assert creation == {
        "eventId": creation["eventId"],
        "subscriptionId": creation["subscriptionId"],
        "portalId": settings.hubspot_portal_id,
        "appId": settings.hubspot_app_id,
        "occurredAt": modified_ms,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": int(contact["id"]),
        "changeFlag": "NEW",
        "changeSource": "INTEGRATION",
        "sourceId": str(settings.hubspot_app_id),
    }
    assert (change["subscriptionType"], change["propertyName"], change["propertyValue"]) == (
        "contact.propertyChange",
        "email",
        "ana@x.com",
    )
    assert change["occurredAt"] == modified_ms
    # The connector reads these as events whose version is the record's modified date.
    parsed = webhooks.parse(receiver.deliveries[0][1])
    assert {e.version for e in parsed} == {str(modified_ms)}


def test_update_sends_only_changed_subscribed_properties(api, sandbox, hubspot, receiver_factory):
    deal = hubspot.create_object("deals", {"dealname": "D", "amount": "5"})
    receiver = receiver_factory()
    hubspot.subscribe("deal.propertyChange", "amount")
    hubspot.subscribe("deal.propertyChange", "dealstage")

    updated = api.patch(
        f"/crm/v3/objects/deals/{deal['id']}",
        {"properties": {"amount": "5", "dealname": "Renamed", "dealstage": "closedwon"}},
    ).json()
    [(_, events)] = delivered(sandbox, receiver)

    assert [(e["propertyName"], e["propertyValue"]) for e in events] == [("dealstage", "closedwon")]
    assert events[0]["occurredAt"] == to_epoch_ms(
        parse_iso(updated["properties"]["hs_lastmodifieddate"])
    )


def test_delete_sends_deletion(api, sandbox, hubspot, receiver_factory):
    company = hubspot.create_object("companies", {"name": "Gone"})
    receiver = receiver_factory()
    hubspot.subscribe("company.deletion")
    api.delete(f"/crm/v3/objects/companies/{company['id']}")
    [(_, events)] = delivered(sandbox, receiver)
    assert events[0]["subscriptionType"] == "company.deletion"
    assert events[0]["objectId"] == int(company["id"])


def test_one_batch_is_sent_in_deliveries_of_at_most_100(api, sandbox, hubspot, receiver_factory):
    receiver = receiver_factory()
    hubspot.subscribe("contact.creation")
    hubspot.subscribe("contact.propertyChange", "email")
    inputs = [{"properties": {"email": f"c{i}@x.com"}} for i in range(60)]
    assert api.post("/crm/v3/objects/contacts/batch/create", {"inputs": inputs}).ok

    sizes = [len(events) for _, events in delivered(sandbox, receiver)]
    assert sorted(sizes) == [20, 100]


def test_tasks_and_unsubscribed_changes_send_nothing(api, sandbox, hubspot, receiver_factory):
    receiver = receiver_factory()
    hubspot.subscribe("contact.propertyChange", "email")
    hubspot.create_object("contacts", {"firstname": "Ana"})
    hubspot.create_object("tasks", {"hs_timestamp": "2026-10-01T09:00:00Z"})
    assert delivered(sandbox, receiver) == []


def test_failed_delivery_is_retried_with_fresh_signature_and_attempt_number(
    api, sandbox, hubspot, receiver_factory
):
    receiver = receiver_factory(statuses=[500, 404])
    hubspot.subscribe("contact.creation")
    hubspot.create_object("contacts", {"email": "a@x.com"})

    attempts = delivered(sandbox, receiver)
    assert [events[0]["attemptNumber"] for _, events in attempts] == [0, 1, 2]
    assert len({events[0]["eventId"] for _, events in attempts}) == 1
    for headers, body in receiver.deliveries:
        check_signatures(sandbox, receiver, headers, body)
    assert sandbox.state.deliveries.stats["retried"] == 2


def test_retries_stop_after_ten(api, sandbox, hubspot, receiver_factory):
    receiver = receiver_factory(statuses=[503] * 20)
    hubspot.subscribe("deal.creation")
    hubspot.create_object("deals", {"dealname": "D"})
    attempts = delivered(sandbox, receiver)
    assert len(attempts) == 11
    webhooks = api.get("/_sandbox/stats").json()["webhooks"]
    assert (webhooks["sent"], webhooks["retried"], webhooks["failed"]) == (0, 10, 1)
