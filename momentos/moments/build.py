"""What every rule does the same way: a moment with its key, customer, link and date."""

from datetime import date, datetime
from typing import Any

from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext, moment_key
from momentos.moments.dates import local_midnight, zone
from momentos.moments.links import customer_ref, link


def build(
    moment_type: str,
    event: Event,
    context: RuleContext,
    occurred_at: datetime,
    data: dict[str, Any],
    suffix: str = "",
    url: str | None = None,
) -> Moment:
    return Moment(
        key=moment_key(moment_type, event, suffix),
        type=moment_type,
        occurred_at=occurred_at,
        tool=event.tool,
        object_type=event.object_type,
        object_id=event.object_id,
        customer_ref=customer_ref(event),
        link=url or link(context, event.tool, event.object_type, event.object_id),
        data=data,
    )


def dated(
    moment_type: str,
    event: Event,
    context: RuleContext,
    day: date,
    time_zone: str,
    data: dict[str, Any],
    suffix: str,
) -> Moment:
    """A moment on a local day: `data["date"]` keeps the day itself, so no reader ever
    shifts it through UTC; `occurred_at` is that day's local midnight, for ordering."""
    data = {"date": day.isoformat(), "time_zone": time_zone, **data}
    return build(moment_type, event, context, local_midnight(day, time_zone), data, suffix)


def time_zone_of(event: Event, context: RuleContext, known: Known) -> str:
    """The person's own timezone, else their customer's, else the company's configured one."""
    return zone(event.data.get("time_zone"), known.time_zone, context.time_zone)


def prop(event: Event, name: str | None) -> Any:
    """A HubSpot property, or a Zendesk record's field or custom user/organization field."""
    if not name:
        return None
    data = event.data
    if event.tool == "hubspot":
        return (data.get("properties") or {}).get(name)
    custom = data.get("user_fields") or data.get("organization_fields") or {}
    return data.get(name, custom.get(name))


def is_live(event: Event) -> bool:
    """Deleted or archived records say nothing new about their customer."""
    return not event.deleted and not event.data.get("archived")


def is_customer(event: Event) -> bool:
    """Live, and not one of the company's own agents (Zendesk users are both)."""
    return is_live(event) and event.data.get("role") in (None, "end-user")
