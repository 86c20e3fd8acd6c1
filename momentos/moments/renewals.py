"""Renewals due: a deal in the configured renewal pipeline (its close date is the renewal
date), or a configured date property on a deal or a company.

HubSpot has no default renewal-date property (HUBSPOT.md §2.2), so both are configured.
One moment per renewal date (`renewal_due:hubspot:deal:7:2027-03-01`), on that local day,
once the date is within the horizon; workflows act 90/60/30 days before it. A deal that
closes, or a date that moves, withdraws the old prediction (derive.py).
"""

from datetime import date

from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import dated, is_live, prop, time_zone_of
from momentos.moments.dates import calendar_date, span
from momentos.moments.deals import deal_data, is_closed


def _renewal_date(event: Event, context: RuleContext, time_zone: str) -> tuple[date | None, str]:
    policy = context.policy
    if event.object_type == "deal":
        props = event.data.get("properties") or {}
        if props.get("pipeline") in policy.renewal_pipelines:
            return calendar_date(props.get("closedate"), time_zone), "pipeline"
    value = prop(event, policy.renewal_date_property)
    return calendar_date(value, time_zone), "property"


def renewal_due(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    if not is_live(event) or (event.object_type == "deal" and is_closed(event, context)):
        return []
    time_zone = time_zone_of(event, context, known)
    day, source = _renewal_date(event, context, time_zone)
    days = span(known, time_zone, context.policy.horizon_days)
    if day is None or not days.first <= day <= days.until:
        return []
    data = deal_data(event) if event.object_type == "deal" else {"name": event.data.get("name")}
    data = {**data, "source": source, "owner_id": event.data.get("owner_id")}
    return [dated("renewal_due", event, context, day, time_zone, data, suffix=day.isoformat())]
