"""Provenance: which customer record a moment is about, and its page in Zendesk or HubSpot."""

from typing import Any

from momentos.model import Event
from momentos.moments import RuleContext

# HubSpot object type ids, as its record pages name them (HUBSPOT.md §2.1).
HUBSPOT_TYPE_IDS = {"contact": "0-1", "company": "0-2", "deal": "0-3", "invoice": "0-53"}
ZENDESK_PAGES = {"ticket": "tickets", "user": "users", "organization": "organizations"}

Ref = tuple[str, str, str]


def hubspot_link(context: RuleContext, object_type: str, object_id: str) -> str | None:
    type_id = HUBSPOT_TYPE_IDS.get(object_type)
    if context.hubspot_portal_id is None or type_id is None:
        return None
    base = context.hubspot_app_url.rstrip("/")
    return f"{base}/contacts/{context.hubspot_portal_id}/record/{type_id}/{object_id}"


def zendesk_link(context: RuleContext, object_type: str, object_id: str) -> str | None:
    page = ZENDESK_PAGES.get(object_type)
    return f"{context.zendesk_url.rstrip('/')}/agent/{page}/{object_id}" if page else None


def link(context: RuleContext, tool: str, object_type: str, object_id: str) -> str | None:
    if tool == "hubspot":
        return hubspot_link(context, object_type, object_id)
    if tool == "zendesk":
        return zendesk_link(context, object_type, object_id)
    return None


def _respondent(value: Any) -> Ref | None:
    """A Momentos survey's respondent: ["zendesk", "user", "501"] or {tool, object_type, ...}."""
    if isinstance(value, dict):
        value = (value.get("tool"), value.get("object_type"), value.get("object_id"))
    if isinstance(value, list | tuple) and len(value) == 3 and all(value):
        return (str(value[0]), str(value[1]), str(value[2]))
    return None


def _first(ids: Any) -> str | None:
    return str(ids[0]) if ids else None


def customer_ref(event: Event) -> Ref | None:
    """The tool record that names the customer of this event's moments."""
    return ref_of(event.tool, event.object_type, event.object_id, event.data)


def ref_of(tool: str, object_type: str, object_id: str, data: dict[str, Any]) -> Ref | None:
    """`customer_ref` of a record's data (the store keeps it beside each record)."""
    kind = (tool, object_type)
    if kind in {("zendesk", "user"), ("zendesk", "organization"), ("hubspot", "contact"),
                ("hubspot", "company")}:  # fmt: skip
        return (tool, object_type, object_id)
    if kind in {("zendesk", "ticket"), ("zendesk", "satisfaction_rating")}:
        requester = data.get("requester_id")
        return ("zendesk", "user", str(requester)) if requester else None
    if kind == ("momentos", "survey_answer"):
        return _respondent(data.get("respondent"))
    # Deals and invoices belong to their company, else to their contact.
    associations = data.get("associations") or {}
    company = _first(data.get("company_ids") or associations.get("companies"))
    if company:
        return ("hubspot", "company", company)
    contact = _first(associations.get("contacts"))
    return ("hubspot", "contact", contact) if contact else None
