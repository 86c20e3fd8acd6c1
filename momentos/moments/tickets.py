"""Rules for Zendesk tickets: support requests and complaints."""

from datetime import datetime

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.moments import Moment, RuleContext, moment_key
from momentos.moments.echo import is_momentos_ticket


def _ticket_moment(
    moment_type: str, event: Event, context: RuleContext, occurred_at: datetime
) -> Moment:
    ticket = event.data
    requester = ticket.get("requester_id")
    return Moment(
        key=moment_key(moment_type, event),
        type=moment_type,
        occurred_at=occurred_at,
        tool=event.tool,
        object_type=event.object_type,
        object_id=event.object_id,
        customer_ref=("zendesk", "user", requester) if requester else None,
        link=f"{context.zendesk_url.rstrip('/')}/agent/tickets/{event.object_id}",
        data={
            "subject": ticket.get("subject", ""),
            "status": ticket.get("status"),
            "priority": ticket.get("priority"),
            "tags": ticket.get("tags", []),
            "channel": ticket.get("channel"),
            "form_id": ticket.get("form_id"),
            "brand_id": ticket.get("brand_id"),
            "group_id": ticket.get("group_id"),
            "custom_fields": ticket.get("custom_fields", {}),
            # An agent opening a ticket for the customer is not the customer asking.
            "opened_by_agent": bool(ticket.get("submitter_id"))
            and ticket.get("submitter_id") != requester,
        },
    )


def _is_customer_ticket(event: Event) -> bool:
    return not event.deleted and not is_momentos_ticket(event.data)


def support_request(event: Event, context: RuleContext) -> list[Moment]:
    """Every ticket opened by a customer, or by an agent on the customer's behalf."""
    if not _is_customer_ticket(event):
        return []
    created = parse_iso(event.data["created_at"])
    return [_ticket_moment("support_request", event, context, created)]


def complaint(event: Event, context: RuleContext) -> list[Moment]:
    """A ticket tagged as a complaint; dated by the first version seen with the tag."""
    if not _is_customer_ticket(event):
        return []
    tags = {tag.lower() for tag in event.data.get("tags", [])}
    if not tags & context.complaint_tags:
        return []
    return [_ticket_moment("complaint", event, context, event.occurred_at)]
