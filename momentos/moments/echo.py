"""Echo suppression: what Momentos wrote itself never becomes a customer moment."""

from typing import Any

MOMENTOS_TAG = "momentos"
EXTERNAL_ID_PREFIX = "momentos:"


def is_momentos_ticket(ticket: dict[str, Any]) -> bool:
    external_id = ticket.get("external_id") or ""
    return external_id.startswith(EXTERNAL_ID_PREFIX) or MOMENTOS_TAG in ticket.get("tags", ())
