"""Zendesk ticket fields: the whole list each poll, drop-down values with their labels."""

import pytest
from responses import matchers

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import poll_ticket_fields

BASE = "https://acme.zendesk.com"
FIELDS = f"{BASE}/api/v2/ticket_fields.json"
# The subject field of the OAS example (TicketFieldsResponseExample), and a drop-down.
SUBJECT = {"active": True, "created_at": "2009-07-20T22:55:29Z", "id": 34, "position": 21,
           "title": "Subject", "type": "subject", "updated_at": "2011-05-05T10:38:52Z",
           "url": "https://company.zendesk.com/api/v2/ticket_fields/34.json"}  # fmt: skip
APP = {"active": True, "created_at": "2026-01-10T09:00:00Z", "id": 360000000001,
       "title": "App", "type": "tagger", "updated_at": "2026-02-01T08:30:00Z",
       "custom_field_options": [
           {"id": 1, "name": "App Móvil", "raw_name": "App Móvil", "value": "app_movil"},
           {"id": 2, "name": "Facturación", "raw_name": "Facturación",
            "value": "facturacion"}]}  # fmt: skip


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def test_every_field_in_one_unpaginated_call_with_the_labels_of_its_values(rsps, client):
    rsps.get(FIELDS, match=[matchers.query_param_matcher({})],
             json={"ticket_fields": [SUBJECT, APP], "next_page": None, "count": 2})  # fmt: skip
    [page] = list(poll_ticket_fields(client, None))
    assert (page.cursor, page.done) == ("2026-02-01T08:30:00Z", True)
    assert [(e.tool, e.object_type, e.object_id, e.version) for e in page.events] == [
        ("zendesk", "ticket_field", "34", "2011-05-05T10:38:52Z"),
        ("zendesk", "ticket_field", "360000000001", "2026-02-01T08:30:00Z"),
    ]
    assert page.events[1].data == {
        "id": "360000000001", "title": "App", "type": "tagger", "active": True,
        "updated_at": "2026-02-01T08:30:00Z",
        "options": [{"value": "app_movil", "name": "App Móvil"},
                    {"value": "facturacion", "name": "Facturación"}]}  # fmt: skip
    assert page.events[0].data["options"] == []


def test_the_cursor_keeps_the_newest_change_seen(rsps, client):
    rsps.get(FIELDS, json={"ticket_fields": [SUBJECT]})
    [page] = list(poll_ticket_fields(client, "2026-02-01T08:30:00Z"))
    assert page.cursor == "2026-02-01T08:30:00Z"
