"""Zendesk JSON to canonical record dicts and events (REST and webhook shapes differ)."""

from typing import Any

from connectors.timefmt import format_iso, parse_iso
from connectors.zendesk import TOOL
from momentos.model import Event


def _id(value: Any) -> str | None:
    # Webhook payloads say "0" where REST says null (e.g. a user without organization).
    return None if value in (None, "", 0, "0") else str(value)


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


# Webhook payloads name channels in their own vocabulary (ZENDESK.md §11.8); map them to
# the REST names so a ticket's channel does not depend on how it reached us.
WEBHOOK_CHANNELS = {"web_service": "api", "web_form": "web"}


def _channel(value: Any) -> str | None:
    channel = _lower(value)
    return WEBHOOK_CHANNELS.get(channel, channel) if channel else None


def ticket_record(ticket: dict[str, Any]) -> dict[str, Any]:
    """Canonical ticket from the REST/export shape or the webhook `detail` shape.

    Webhook payloads carry string ids, upper-case enums, `form_id` and no custom fields;
    REST carries integers, lower-case enums, `ticket_form_id` and `custom_fields`.
    """
    via = ticket.get("via") or {}
    record = {
        "id": _id(ticket["id"]),
        "subject": ticket.get("subject") or "",
        "description": ticket.get("description") or "",
        "status": _lower(ticket.get("status")),
        "priority": _lower(ticket.get("priority")),
        "type": _lower(ticket.get("type")),
        "tags": list(ticket.get("tags") or []),
        "requester_id": _id(ticket.get("requester_id")),
        "submitter_id": _id(ticket.get("submitter_id")),
        "organization_id": _id(ticket.get("organization_id")),
        "group_id": _id(ticket.get("group_id")),
        "brand_id": _id(ticket.get("brand_id")),
        "form_id": _id(ticket.get("ticket_form_id", ticket.get("form_id"))),
        "channel": _channel(via.get("channel")),
        "external_id": ticket.get("external_id") or None,
        "created_at": format_iso(parse_iso(ticket["created_at"])),
        "updated_at": format_iso(parse_iso(ticket["updated_at"])),
    }
    if "custom_fields" in ticket:
        record["custom_fields"] = {
            str(field["id"]): field.get("value") for field in ticket["custom_fields"] or []
        }
    return record


def user_record(user: dict[str, Any]) -> dict[str, Any]:
    """Canonical user (requester or agent)."""
    return {
        "id": _id(user["id"]),
        "name": user.get("name") or "",
        "email": (user.get("email") or "").strip().lower() or None,
        "locale": user.get("locale"),
        "time_zone": user.get("iana_time_zone") or user.get("time_zone"),
        "role": _lower(user.get("role")),
        "organization_id": _id(user.get("organization_id")),
        "user_fields": dict(user.get("user_fields") or {}),
        "created_at": format_iso(parse_iso(user["created_at"])),
        "updated_at": format_iso(parse_iso(user["updated_at"])),
    }


def organization_record(org: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _id(org["id"]),
        "name": org.get("name") or "",
        "domain_names": [d.lower() for d in org.get("domain_names") or []],
        "organization_fields": dict(org.get("organization_fields") or {}),
        "created_at": format_iso(parse_iso(org["created_at"])),
        "updated_at": format_iso(parse_iso(org["updated_at"])),
    }


RECORD_BUILDERS = {
    "ticket": ticket_record,
    "user": user_record,
    "organization": organization_record,
}


def to_event(object_type: str, payload: dict[str, Any], raw: Any = None) -> Event:
    """One event for one record; the version is the record's `updated_at`."""
    record = RECORD_BUILDERS[object_type](payload)
    deleted = record.get("status") == "deleted" or bool(payload.get("deleted_at"))
    return Event(
        tool=TOOL,
        object_type=object_type,
        object_id=record["id"],
        version=record["updated_at"],
        occurred_at=parse_iso(record["updated_at"]),
        data=record,
        raw=payload if raw is None else raw,
        deleted=deleted,
    )
