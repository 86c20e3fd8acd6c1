"""Deletions and merges in the tools are followed (issue #5): records are marked deleted,
and a merged-away record ends up on the survivor's customer."""

import json

import pytest

from connectors.hubspot.webhooks import parse
from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.store import Store
from tests.factories import T0, hubspot_record

CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset())
LATER_MS = 1767225600000 + 60_000


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def webhook(**fields):
    item = {"eventId": 1, "portalId": 3, "occurredAt": LATER_MS, "attemptNumber": 0,
            "changeSource": "CRM_UI", **fields}  # fmt: skip
    return parse(json.dumps([item]).encode())


def contact(record_id, email):
    return hubspot_record("contact", record_id, email=email, name=email, language="es")


def derive(store, events, source="poll"):
    store.add_events(events, source=source, received_at=T0)
    derive_pending(store, CONTEXT)


def deleted(store, record_id):
    rows = store.db.query(
        "SELECT deleted FROM records WHERE object_type = 'contact' AND object_id = ?", [record_id]
    )
    return [row["deleted"] for row in rows]


def test_a_deletion_webhook_marks_the_record_deleted_and_keeps_its_customer(store):
    derive(store, [contact("11", "ana@laespiga.es")])
    customer = store.customer_of("hubspot", "contact", "11")
    derive(store, webhook(subscriptionType="contact.deletion", objectId=11), "webhook")
    assert deleted(store, "11") == [1]
    assert store.customer_of("hubspot", "contact", "11") == customer
    assert store.customer_records(customer) == []


def test_a_merged_away_record_points_at_the_survivors_customer(store):
    derive(store, [contact("11", "ana@laespiga.es"), contact("12", "ana.b@otra.es")])
    survivor, merged = (store.customer_of("hubspot", "contact", i) for i in ("11", "12"))
    assert survivor != merged
    derive(store, webhook(subscriptionType="contact.merge", objectId=11, primaryObjectId=11,
                          mergedObjectIds=[12], newObjectId=11), "webhook")  # fmt: skip
    assert store.customer_of("hubspot", "contact", "12") == survivor
    assert (deleted(store, "11"), deleted(store, "12")) == ([0], [1])
    [review] = store.reviews()
    assert (review["object_id"], json.loads(review["candidates"])) == ("12", [merged, survivor])


def test_a_survivor_not_seen_yet_takes_the_merged_records_customer(store):
    derive(store, [contact("12", "ana@laespiga.es")])
    merged = store.customer_of("hubspot", "contact", "12")
    derive(store, webhook(subscriptionType="contact.merge", objectId=11, primaryObjectId=11,
                          mergedObjectIds=[12], newObjectId=11), "webhook")  # fmt: skip
    assert store.customer_of("hubspot", "contact", "11") == merged
    # When the survivor's record arrives, it stays on that customer.
    derive(store, [hubspot_record("contact", "11", LATER_MS + 1, email="ana@laespiga.es")])
    assert store.customer_of("hubspot", "contact", "11") == merged
    assert store.reviews() == []


def test_an_older_poll_after_a_deletion_does_not_revive_the_record(store):
    derive(store, [contact("11", "ana@laespiga.es")])
    derive(store, webhook(subscriptionType="contact.deletion", objectId=11), "webhook")
    derive(store, [hubspot_record("contact", "11", LATER_MS - 1, email="ana@laespiga.es")])
    assert deleted(store, "11") == [1]
