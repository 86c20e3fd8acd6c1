"""Merges and association changes: the records, and the §6.3 events they send."""

import json

import pytest

from connectors.hubspot import webhooks
from connectors.timefmt import parse_iso, to_epoch_ms


def events_sent(sandbox, receiver) -> list[dict]:
    assert sandbox.state.deliveries.flush(timeout=10)
    return [event for _, body in receiver.deliveries for event in json.loads(body)]


@pytest.fixture
def pair(hubspot):
    """Two contacts of one person; the second one knows the phone and the company."""
    company = hubspot.create_object("companies", {"name": "Añil"})
    primary = hubspot.create_object("contacts", {"email": "ana@x.com", "firstname": "Ana"})
    merged = hubspot.create_object(
        "contacts",
        {"email": "ana.old@x.com", "firstname": "Anita", "phone": "+34 600 000 000"},
        associations=[("companies", company["id"], 1)],
    )
    return primary, merged, company


def test_merge_keeps_the_primary_and_archives_the_other(api, hubspot, pair):
    primary, merged, company = pair
    answer = api.post(
        "/crm/v3/objects/contacts/merge",
        {"primaryObjectId": primary["id"], "objectIdToMerge": merged["id"]},
    )
    assert answer.status_code == 200
    properties = answer.json()["properties"]
    assert answer.json()["id"] == primary["id"]
    # The primary's values win; it only takes what it did not have.
    assert (properties["email"], properties["firstname"]) == ("ana@x.com", "Ana")
    assert properties["phone"] == "+34 600 000 000"
    assert properties["hs_merged_object_ids"] == merged["id"]

    assert api.get(f"/crm/v3/objects/contacts/{merged['id']}").status_code == 404
    gone = api.get(f"/crm/v3/objects/contacts/{merged['id']}", params={"archived": "true"})
    assert gone.json()["archived"] is True
    assert hubspot.links.of("contacts", primary["id"], "companies") == {company["id"]: [1, 279]}
    assert hubspot.links.of("companies", company["id"], "contacts") == {primary["id"]: [2, 280]}


def test_merged_ids_accumulate(api, hubspot, pair):
    primary, merged, _ = pair
    third = hubspot.create_object("contacts", {"email": "ana3@x.com"})
    hubspot.merge("contacts", merged["id"], third["id"])
    hubspot.merge("contacts", primary["id"], merged["id"])
    record = api.get(
        f"/crm/v3/objects/contacts/{primary['id']}", params={"properties": "hs_merged_object_ids"}
    ).json()
    assert record["properties"]["hs_merged_object_ids"] == f"{third['id']};{merged['id']}"


def test_the_primary_keeps_its_own_primary_company(hubspot, pair):
    primary, merged, company = pair
    own = hubspot.create_object("companies", {"name": "Propia"})
    hubspot.associate("contacts", primary["id"], "companies", own["id"], 1)
    hubspot.merge("contacts", primary["id"], merged["id"])
    assert hubspot.links.of("contacts", primary["id"], "companies") == {
        company["id"]: [279],
        own["id"]: [1, 279],
    }


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("contacts", {"primaryObjectId": "101", "objectIdToMerge": "101"}, 400),
        ("contacts", {"primaryObjectId": "101", "objectIdToMerge": "999"}, 404),
        ("contacts", {"primaryObjectId": "101"}, 400),
        ("tasks", {"primaryObjectId": "101", "objectIdToMerge": "102"}, 400),
    ],
)
def test_merge_refusals(api, hubspot, path, body, status):
    hubspot.create_object("contacts", {"email": "a@x.com"})
    assert api.post(f"/crm/v3/objects/{path}/merge", body).status_code == status


def test_merge_sends_the_merge_event(api, sandbox, hubspot, pair, receiver_factory):
    primary, merged, _ = pair
    receiver = receiver_factory()
    hubspot.subscribe("contact.merge")
    hubspot.subscribe("contact.deletion")
    survivor = api.post(
        "/crm/v3/objects/contacts/merge",
        {"primaryObjectId": primary["id"], "objectIdToMerge": merged["id"]},
    ).json()

    [event] = events_sent(sandbox, receiver)
    assert event == {
        "eventId": event["eventId"],
        "subscriptionId": event["subscriptionId"],
        "portalId": sandbox.state.settings.hubspot_portal_id,
        "appId": sandbox.state.settings.hubspot_app_id,
        "occurredAt": to_epoch_ms(parse_iso(survivor["properties"]["lastmodifieddate"])),
        "subscriptionType": "contact.merge",
        "attemptNumber": 0,
        "objectId": int(primary["id"]),
        "primaryObjectId": int(primary["id"]),
        "mergedObjectIds": [int(merged["id"])],
        "newObjectId": int(primary["id"]),
        "numberOfPropertiesMoved": 1,
        "changeSource": "INTEGRATION",
        "sourceId": str(sandbox.state.settings.hubspot_app_id),
    }
    parsed = webhooks.parse(receiver.deliveries[0][1])
    assert primary["id"] in {e.object_id for e in parsed}


def test_a_new_association_sends_one_event_each_way(api, sandbox, hubspot, receiver_factory):
    company = hubspot.create_object("companies", {"name": "Añil"})
    receiver = receiver_factory()
    hubspot.subscribe("contact.associationChange")
    hubspot.subscribe("company.associationChange")
    contact = api.post(
        "/crm/v3/objects/contacts",
        {
            "properties": {"email": "ana@x.com"},
            "associations": [
                {
                    "to": {"id": company["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
                }
            ],
        },
    ).json()

    events = events_sent(sandbox, receiver)
    assert [
        (e["subscriptionType"], e["associationType"], e["fromObjectId"], e["toObjectId"])
        for e in events
    ] == [
        ("contact.associationChange", "CONTACT_TO_COMPANY", int(contact["id"]), int(company["id"])),
        ("company.associationChange", "COMPANY_TO_CONTACT", int(company["id"]), int(contact["id"])),
    ]
    assert {(e["associationRemoved"], e["isPrimaryAssociation"]) for e in events} == {(False, True)}
    assert all("objectId" not in e for e in events)


def test_legacy_association_events_leave_out_activities(api, sandbox, hubspot, receiver_factory):
    contact = hubspot.create_object("contacts", {"email": "ana@x.com"})
    receiver = receiver_factory()
    hubspot.subscribe("contact.associationChange")
    hubspot.subscribe("object.associationChange", object_type_id="0-27")
    task = hubspot.create_object(
        "tasks",
        {"hs_timestamp": "2026-10-01T09:00:00Z"},
        associations=[("contacts", contact["id"], 204)],
    )
    hubspot.associate("tasks", task["id"], "contacts", contact["id"], 204)  # known: no event

    [event] = events_sent(sandbox, receiver)
    assert event["subscriptionType"] == "object.associationChange"
    assert (event["associationType"], event["fromObjectId"]) == ("TASK_TO_CONTACT", int(task["id"]))
    assert event["isPrimaryAssociation"] is False
