"""Zendesk JSON to canonical record dicts and events (REST and webhook shapes differ)."""

from typing import Any

from connectors.timefmt import format_iso, parse_iso
from connectors.zendesk import TOOL
from momentos.model import Event


def _id(value: Any) -> str | None:
    # Webhook payloads say "0" where REST says null (e.g. a user without organization).
    return str(value) if value and value != "0" else None


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


# Webhook payloads name channels in their own vocabulary (ZENDESK.md §11.8); map them to
# the REST names so a ticket's channel does not depend on how it reached us.
WEBHOOK_CHANNELS = {"web_service": "api", "web_form": "web"}


def _channel(value: Any) -> str | None:
    channel = _lower(value)
    return WEBHOOK_CHANNELS.get(channel, channel) if channel else None


def _stamp(value: str) -> str:
    """A timestamp as `2026-11-23T10:00:00Z`; REST already sends that shape, kept as is."""
    if len(value) == 20 and value[10] == "T" and value[19] == "Z":
        return value
    return format_iso(parse_iso(value))


def ticket_record(ticket: dict[str, Any]) -> dict[str, Any]:
    """Canonical ticket from the REST/export shape or the webhook `detail` shape.

    Webhook payloads carry string ids, upper-case enums, `form_id` and no custom fields;
    REST carries integers, lower-case enums, `ticket_form_id` and `custom_fields`.
    """
    get = ticket.get  # one lookup: this runs a million times in a backfill
    form_id = get("ticket_form_id") if "ticket_form_id" in ticket else get("form_id")
    record = {
        "id": _id(ticket["id"]),
        "subject": get("subject") or "",
        "description": get("description") or "",
        "status": _lower(get("status")),
        "priority": _lower(get("priority")),
        "type": _lower(get("type")),
        "tags": list(get("tags") or ()),
        "requester_id": _id(get("requester_id")),
        "submitter_id": _id(get("submitter_id")),
        "organization_id": _id(get("organization_id")),
        "group_id": _id(get("group_id")),
        "brand_id": _id(get("brand_id")),
        "form_id": _id(form_id),
        "channel": _channel((get("via") or {}).get("channel")),
        "external_id": get("external_id") or None,
        "created_at": _stamp(ticket["created_at"]),
        "updated_at": _stamp(ticket["updated_at"]),
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
        "created_at": _stamp(user["created_at"]),
        "updated_at": _stamp(user["updated_at"]),
    }


def organization_record(org: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _id(org["id"]),
        "name": org.get("name") or "",
        "domain_names": [d.lower() for d in org.get("domain_names") or []],
        "organization_fields": dict(org.get("organization_fields") or {}),
        "created_at": _stamp(org["created_at"]),
        "updated_at": _stamp(org["updated_at"]),
    }


def satisfaction_rating_record(rating: dict[str, Any]) -> dict[str, Any]:
    """A CSAT rating (legacy satisfaction ratings): `score` is good, bad, offered, unoffered."""
    return {
        "id": _id(rating["id"]),
        "score": _lower(rating.get("score")),
        "comment": rating.get("comment") or "",
        "reason": rating.get("reason") or None,
        "ticket_id": _id(rating.get("ticket_id")),
        "requester_id": _id(rating.get("requester_id")),
        "assignee_id": _id(rating.get("assignee_id")),
        "group_id": _id(rating.get("group_id")),
        "created_at": _stamp(rating["created_at"]),
        "updated_at": _stamp(rating.get("updated_at") or rating["created_at"]),
    }


RECORD_BUILDERS = {
    "ticket": ticket_record,
    "user": user_record,
    "organization": organization_record,
    "satisfaction_rating": satisfaction_rating_record,
}


def is_deleted(payload: dict[str, Any], record: dict[str, Any]) -> bool:
    """Deleted tickets stay in the export with status `deleted`; deleted users turn inactive."""
    if record.get("status") == "deleted" or payload.get("deleted_at"):
        return True
    return payload.get("active") is False


def to_event(
    object_type: str, payload: dict[str, Any], raw: Any = None, deleted: bool = False
) -> Event:
    """One event for one record; the version is the record's `updated_at`."""
    record = RECORD_BUILDERS[object_type](payload)
    return Event(
        tool=TOOL,
        object_type=object_type,
        object_id=record["id"],
        version=record["updated_at"],
        occurred_at=parse_iso(record["updated_at"]),
        data=record,
        raw=payload if raw is None else raw,
        deleted=deleted or is_deleted(payload, record),
    )
