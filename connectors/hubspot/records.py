"""HubSpot CRM objects to canonical records and events (docs/contracts.md).

The version of a polled record is its modified date in epoch milliseconds, the same
number a webhook carries as `occurredAt` for that change, so both are stored once.
"""

from dataclasses import replace
from typing import Any

from connectors.hubspot import TOOL
from connectors.timefmt import format_iso, from_epoch_ms, parse_iso, to_epoch_ms
from momentos.model import Event

# API path name -> the object type of events (singular, as webhooks name them).
OBJECT_TYPES = {"contacts": "contact", "companies": "company", "deals": "deal",
                "invoices": "invoice", "tasks": "task", "notes": "note"}  # fmt: skip
PLURALS = {singular: plural for plural, singular in OBJECT_TYPES.items()}


def singular(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)


def plural(object_type: str) -> str:
    return PLURALS.get(object_type, object_type)


def modified_property(object_type: str) -> str:
    """Contacts keep their modified date in `lastmodifieddate`, the rest in `hs_…`."""
    return "lastmodifieddate" if singular(object_type) == "contact" else "hs_lastmodifieddate"


def epoch_ms(value: Any) -> int | None:
    """Epoch milliseconds from a HubSpot date: ISO text or epoch milliseconds."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else to_epoch_ms(parse_iso(text))


def version_ms(object_type: str, obj: dict[str, Any]) -> int:
    """The record's change time in ms: its modified-date property, else `updatedAt`."""
    properties = obj.get("properties") or {}
    for value in (properties.get(modified_property(object_type)),
                  properties.get("hs_lastmodifieddate"), obj.get("updatedAt")):  # fmt: skip
        ms = epoch_ms(value)
        if ms is not None:
            return ms
    raise ValueError(f"HubSpot {object_type} {obj.get('id')} has no modified date")


def _iso(value: Any) -> str | None:
    return format_iso(parse_iso(value)) if value else None


def _associations(obj: dict[str, Any]) -> dict[str, list[str]]:
    """`{"companies": {"results": [{"id": "12", "type": …}]}}` -> `{"companies": ["12"]}`."""
    out = {}
    for to_type, block in (obj.get("associations") or {}).items():
        ids = [str(item["id"]) for item in (block or {}).get("results") or []]
        out[plural(to_type)] = list(dict.fromkeys(ids))
    return out


def language(value: Any) -> str | None:
    """`hs_language` (`es`, `es-mx`, `EN`) as two lower-case letters, or None."""
    text = str(value or "").strip().lower()[:2]
    return text if len(text) == 2 and text.isalpha() else None


def _conveniences(kind: str, props: dict[str, Any], associations: dict) -> dict[str, Any]:
    owner = props.get("hubspot_owner_id") or None
    if kind == "contact":
        name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
        return {"email": (props.get("email") or "").strip().lower() or None, "name": name,
                "language": language(props.get("hs_language")), "owner_id": owner,
                "company_ids": associations.get("companies", [])}  # fmt: skip
    if kind == "company":
        return {"name": props.get("name") or "", "owner_id": owner,
                "domain": (props.get("domain") or "").strip().lower() or None}  # fmt: skip
    if kind == "deal":
        return {"name": props.get("dealname") or "", "owner_id": owner,
                "company_ids": associations.get("companies", [])}  # fmt: skip
    if kind == "invoice":
        return {"number": props.get("hs_number") or None, "owner_id": owner,
                "company_ids": associations.get("companies", [])}  # fmt: skip
    return {"owner_id": owner}


def record(object_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The canonical record of one CRM object (search, batch read or get)."""
    kind = singular(object_type)
    props = dict(obj.get("properties") or {})
    associations = _associations(obj)
    data = {
        "id": str(obj["id"]),
        "properties": props,
        "created_at": _iso(obj.get("createdAt")),
        "updated_at": _iso(obj.get("updatedAt")),
        "archived": bool(obj.get("archived")),
        "associations": associations,
    }
    data.update(_conveniences(kind, props, associations))
    return data


def to_event(object_type: str, obj: dict[str, Any]) -> Event:
    kind = singular(object_type)
    version = version_ms(kind, obj)
    data = record(kind, obj)
    return Event(tool=TOOL, object_type=kind, object_id=data["id"], version=str(version),
                 occurred_at=from_epoch_ms(version), data=data, raw=obj,
                 deleted=data["archived"])  # fmt: skip


def with_associations(event: Event, to_type: str, ids: list[str]) -> Event:
    """The event with the record's associated `to_type` ids (read apart: search has none)."""
    kind = plural(to_type)
    associations = {**event.data.get("associations", {}), kind: ids}
    data = {**event.data, "associations": associations}
    if kind == "companies" and "company_ids" in data:
        data["company_ids"] = ids
    return replace(event, data=data)


def owner_event(owner: dict[str, Any]) -> Event:
    """An owner (a HubSpot user or queue) as an event; its version is `updatedAt` in ms."""
    version = epoch_ms(owner.get("updatedAt") or owner.get("createdAt")) or 0
    name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p)
    data = {"id": str(owner["id"]), "email": (owner.get("email") or "").lower() or None,
            "name": name, "type": owner.get("type"), "user_id": owner.get("userId"),
            "archived": bool(owner.get("archived"))}  # fmt: skip
    return Event(tool=TOOL, object_type="owner", object_id=data["id"], version=str(version),
                 occurred_at=from_epoch_ms(version), data=data, raw=owner,
                 deleted=data["archived"])  # fmt: skip
