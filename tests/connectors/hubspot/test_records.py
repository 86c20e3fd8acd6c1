"""HubSpot objects to canonical records: versions in ms, conveniences, associations."""

import pytest

from connectors.hubspot.client import crm_path
from connectors.hubspot.records import language, modified_property, to_event
from connectors.timefmt import from_epoch_ms

CONTACT = {
    "id": "101",
    "properties": {
        "email": " Ana@Acme.Example ", "firstname": "Ana", "lastname": "Pérez",
        "hs_language": "es-mx", "hubspot_owner_id": "64492917",
        "lastmodifieddate": "2026-03-01T10:00:00.123Z", "hs_lastmodifieddate": None,
        "createdate": "2025-01-01T00:00:00Z",
    },
    "createdAt": "2025-01-01T00:00:00Z",
    "updatedAt": "2026-03-01T10:00:00.456Z",
    "archived": False,
    "associations": {"companies": {"results": [
        {"id": "12", "type": "contact_to_company"},
        {"id": "12", "type": "contact_to_company_unlabeled"},
        {"id": "13", "type": "contact_to_company_unlabeled"}]}},
}  # fmt: skip


def test_a_contact_event_is_versioned_by_lastmodifieddate_in_ms():
    event = to_event("contacts", CONTACT)
    assert (event.tool, event.object_type, event.object_id) == ("hubspot", "contact", "101")
    assert event.version == "1772359200123"
    assert event.occurred_at == from_epoch_ms(1772359200123)
    assert event.raw is CONTACT
    assert event.deleted is False


def test_a_contact_record_has_its_conveniences():
    data = to_event("contact", CONTACT).data
    assert data == {
        "id": "101", "properties": CONTACT["properties"],
        "created_at": "2025-01-01T00:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
        "archived": False, "associations": {"companies": ["12", "13"]},
        "email": "ana@acme.example", "name": "Ana Pérez", "language": "es",
        "owner_id": "64492917", "company_ids": ["12", "13"],
    }  # fmt: skip


def test_a_company_uses_hs_lastmodifieddate_in_epoch_ms_text():
    company = {
        "id": "12",
        "properties": {
            "name": "Acme",
            "domain": "ACME.example",
            "hs_lastmodifieddate": "1772359200999",
        },
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2026-03-01T10:00:00Z",
    }
    event = to_event("companies", company)
    assert (event.object_type, event.version) == ("company", "1772359200999")
    assert (event.data["name"], event.data["domain"], event.data["owner_id"]) == (
        "Acme",
        "acme.example",
        None,
    )
    assert event.data["associations"] == {}


def test_version_falls_back_to_updated_at_and_archived_means_deleted():
    deal = {"id": "5", "properties": {"dealname": "Renewal"}, "archived": True,
            "updatedAt": "2026-03-01T10:00:00.5Z"}  # fmt: skip
    event = to_event("deals", deal)
    assert event.version == "1772359200500"
    assert event.deleted is True
    assert event.data["name"] == "Renewal"


def test_a_record_without_any_modified_date_is_refused():
    with pytest.raises(ValueError, match="no modified date"):
        to_event("deal", {"id": "5", "properties": {}})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("es", "es"), ("EN", "en"), ("pt-br", "pt"), ("", None), (None, None), ("1", None)],
)
def test_language(value, expected):
    assert language(value) == expected


def test_modified_property_differs_for_contacts():
    assert modified_property("contacts") == "lastmodifieddate"
    assert modified_property("contact") == "lastmodifieddate"
    assert modified_property("deals") == "hs_lastmodifieddate"


def test_crm_paths_keep_the_version_in_one_place():
    assert crm_path("objects", "contacts/search") == "/crm/v3/objects/contacts/search"
    assert crm_path("owners", "") == "/crm/v3/owners"
    assert crm_path("objects", "deals", "2026-09") == "/crm/objects/2026-09/deals"
    assert crm_path("associations", "a/b/batch/read", "v4") == "/crm/v4/associations/a/b/batch/read"
