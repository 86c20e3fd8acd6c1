"""Real-shaped records for tests, built through the connectors' own record functions."""

from datetime import UTC, datetime

from connectors.zendesk.records import to_event
from momentos.model import Event

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def zendesk_ticket(
    ticket_id=101, tags=("queja",), requester_id=501, updated="2026-11-23T08:55:00Z", **extra
) -> Event:
    ticket = {
        "id": ticket_id,
        "subject": "La factura está duplicada",
        "description": "Hola",
        "status": "new",
        "priority": None,
        "type": None,
        "tags": list(tags),
        "requester_id": requester_id,
        "submitter_id": requester_id,
        "organization_id": None,
        "via": {"channel": "web"},
        "created_at": "2026-11-23T08:55:00Z",
        "updated_at": updated,
        "custom_fields": [{"id": 360000000001, "value": "app_movil"}],
        **extra,
    }
    return to_event("ticket", ticket)


def zendesk_user(
    user_id=501,
    email="carmen@laespiga.es",
    locale="es",
    time_zone="Europe/Madrid",
    name="Carmen Vidal",
) -> Event:
    return to_event(
        "user",
        {
            "id": user_id,
            "name": name,
            "email": email,
            "locale": locale,
            "iana_time_zone": time_zone,
            "role": "end-user",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    )


def hubspot_record(
    object_type: str, record_id: str, version_ms: int = 1767225600000, **data
) -> Event:
    """A polled HubSpot record in the canonical shape of docs/contracts.md."""
    base = {"id": record_id, "properties": {}, "archived": False}
    return Event(
        tool="hubspot",
        object_type=object_type,
        object_id=record_id,
        version=str(version_ms),
        occurred_at=datetime.fromtimestamp(version_ms / 1000, UTC),
        data={**base, **data},
    )
