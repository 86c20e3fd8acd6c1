"""HubSpotState without HTTP: the helpers the seed uses, and dump/load through JSON."""

import json
from datetime import UTC, datetime

import pytest

from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.models import HubSpotState


def test_helpers_create_and_update_with_backdated_creation(hubspot):
    created_at = datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=UTC)
    company = hubspot.create_object(
        "0-2", {"name": "Acme", "founded_year": 1998}, created_at=created_at
    )
    assert company["createdAt"] == "2026-01-05T09:30:00.123Z"
    assert company["properties"]["founded_year"] == "1998"
    contact = hubspot.create_object(
        "contacts", {"email": "a@acme.com"}, [("companies", company["id"], 1)]
    )
    updated = hubspot.update_object("contacts", contact["id"], {"firstname": "Ana"})
    assert updated["properties"]["firstname"] == "Ana"
    assert [c["id"] for c in hubspot.objects("contacts")] == [contact["id"]]
    assert hubspot.links.of("companies", company["id"], "contacts") == {contact["id"]: [2, 280]}


def test_associate_checks_the_type_and_the_records(hubspot):
    deal = hubspot.create_object("deals", {"dealname": "D"})
    company = hubspot.create_object("companies", {"name": "C"})
    hubspot.associate("deals", deal["id"], "companies", company["id"], 5)
    assert hubspot.links.of("deals", deal["id"], "companies") == {company["id"]: [5, 341]}
    with pytest.raises(HubSpotError):
        hubspot.associate("deals", deal["id"], "companies", company["id"], 204)
    with pytest.raises(HubSpotError):
        hubspot.associate("deals", deal["id"], "contacts", "999", 3)


def test_create_property_then_write_it(hubspot):
    hubspot.create_property(
        "notes",
        {
            "name": "momentos_key",
            "label": "Key",
            "type": "string",
            "fieldType": "text",
            "groupName": "note_information",
        },
    )
    note = hubspot.create_object("notes", {"hs_timestamp": "2026-10-01", "momentos_key": "k"})
    assert note["properties"]["hs_timestamp"] == "2026-10-01T00:00:00.000Z"


def test_date_properties_refuse_times_other_than_midnight(hubspot):
    ok = hubspot.create_object("invoices", {"hs_currency": "EUR", "hs_due_date": "1767225600000"})
    assert ok["properties"]["hs_due_date"] == "2026-01-01"
    with pytest.raises(HubSpotError) as refused:
        hubspot.create_object(
            "invoices", {"hs_currency": "EUR", "hs_due_date": "2026-01-01T10:00:00Z"}
        )
    assert refused.value.errors[0]["code"] == "INVALID_DATE"


def test_dump_load_round_trip_through_json(sandbox, hubspot):
    owner = hubspot.create_owner("sofia@x.com", "Sofía", "Ruiz")
    hubspot.create_property(
        "tasks",
        {
            "name": "momentos_key",
            "label": "Key",
            "type": "string",
            "fieldType": "text",
            "groupName": "task_information",
        },
    )
    contact = hubspot.create_object(
        "contacts", {"email": "a@x.com", "hubspot_owner_id": owner["id"]}
    )
    hubspot.create_object(
        "tasks",
        {"hs_timestamp": "2026-10-01T09:00:00Z", "momentos_key": "k"},
        [("contacts", contact["id"], 204)],
    )
    hubspot.set_webhook_target("http://127.0.0.1:9/hooks")
    hubspot.subscribe("contact.creation")
    saved = json.loads(json.dumps(hubspot.dump()))

    state = sandbox.state
    copy = HubSpotState(state.settings, state.clock, state.deliveries)
    copy.load(saved)
    assert copy.dump() == saved
    assert (
        copy.search(
            "tasks",
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "momentos_key", "operator": "EQ", "value": "k"}]}
                ]
            },
        )["total"]
        == 1
    )
    # Ids continue after the loaded ones.
    assert int(copy.create_object("contacts", {"email": "b@x.com"})["id"]) > int(contact["id"])


def test_reset_forgets_everything(hubspot):
    hubspot.create_owner("sofia@x.com", "Sofía", "Ruiz")
    hubspot.create_object("contacts", {"email": "a@x.com"})
    hubspot.reset()
    assert hubspot.objects("contacts") == [] and hubspot.owners.data == {}
