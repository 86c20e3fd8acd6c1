"""Echo suppression: what Momentos wrote itself never becomes a customer moment."""

from typing import Any

from momentos.model import Event

MOMENTOS_TAG = "momentos"
EXTERNAL_ID_PREFIX = "momentos:"
KEY_PROPERTY = "momentos_key"


def is_momentos_ticket(ticket: dict[str, Any]) -> bool:
    external_id = ticket.get("external_id") or ""
    return external_id.startswith(EXTERNAL_ID_PREFIX) or MOMENTOS_TAG in ticket.get("tags", ())


def is_echo(event: Event) -> bool:
    """A record Momentos created: its tickets in Zendesk, its tasks and notes in HubSpot.

    Answers to Momentos' own surveys are the customer speaking, not an echo.
    """
    if event.tool == "zendesk" and event.object_type == "ticket":
        return is_momentos_ticket(event.data)
    if event.tool == "hubspot":
        properties = event.data.get("properties") or {}
        return bool(properties.get(KEY_PROPERTY))
    return False
