"""Rules for Zendesk tickets: support requests, complaints and services completed."""

from datetime import datetime
from typing import Any

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import build, is_live

SOLVED = frozenset({"solved", "closed"})


def categories(ticket: dict[str, Any], context: RuleContext) -> dict[str, Any]:
    """The configured category fields (e.g. the app), by name, for frequency and spikes."""
    fields = ticket.get("custom_fields") or {}
    return {name: fields.get(field_id) for name, field_id in context.policy.category_fields}


def ticket_data(ticket: dict[str, Any], context: RuleContext) -> dict[str, Any]:
    """What insights group tickets by: tags, channel, form, brand, group and custom fields."""
    requester = ticket.get("requester_id")
    return {
        "subject": ticket.get("subject", ""),
        "status": ticket.get("status"),
        "priority": ticket.get("priority"),
        "type": ticket.get("type"),
        "tags": ticket.get("tags", []),
        "channel": ticket.get("channel"),
        "form_id": ticket.get("form_id"),
        "brand_id": ticket.get("brand_id"),
        "group_id": ticket.get("group_id"),
        "organization_id": ticket.get("organization_id"),
        "custom_fields": ticket.get("custom_fields", {}),
        "category": categories(ticket, context),
        # An agent opening a ticket for the customer is not the customer asking: counted apart.
        "opened_by_agent": bool(ticket.get("submitter_id"))
        and ticket.get("submitter_id") != requester,
    }


def _ticket_moment(
    moment_type: str, event: Event, context: RuleContext, occurred_at: datetime
) -> Moment:
    return build(moment_type, event, context, occurred_at, ticket_data(event.data, context))


def support_request(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """Every ticket opened by a customer, or by an agent on the customer's behalf."""
    if not is_live(event):
        return []
    created = parse_iso(event.data["created_at"])
    return [_ticket_moment("support_request", event, context, created)]


def complaint(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A ticket tagged as a complaint; dated by the first version seen with the tag."""
    if not is_live(event):
        return []
    tags = {tag.lower() for tag in event.data.get("tags", [])}
    if not tags & context.complaint_tags:
        return []
    return [_ticket_moment("complaint", event, context, event.occurred_at)]


def service_completed(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A ticket reaching solved (or closed); dated by the first version seen solved, so a
    ticket reopened and solved again stays one service."""
    if not is_live(event) or event.data.get("status") not in SOLVED:
        return []
    return [_ticket_moment("service_completed", event, context, event.occurred_at)]
