"""Usage drops: the configured last-activity property has not moved for N days.

A fact once the Nth quiet day comes, keyed by the last activity it measures from
(`usage_drop:hubspot:company:21:2026-10-05`), so each silence is one moment and activity
that resumes and stops again is a new one.
"""

from datetime import timedelta

from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import dated, is_customer, prop, time_zone_of
from momentos.moments.dates import calendar_date, span


def usage_drop(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    policy = context.policy
    if not policy.usage_property or event.object_type != policy.usage_object_type:
        return []
    if not is_customer(event):
        return []
    time_zone = time_zone_of(event, context, known)
    last_active = calendar_date(prop(event, policy.usage_property), time_zone)
    if last_active is None:
        return []
    stale = last_active + timedelta(days=policy.usage_stale_days)
    if stale > span(known, time_zone, 0).last:
        return []
    data = {"name": event.data.get("name") or "", "last_active": last_active.isoformat(),
            "quiet_days": policy.usage_stale_days, "property": policy.usage_property}  # fmt: skip
    return [
        dated("usage_drop", event, context, stale, time_zone, data, suffix=last_active.isoformat())
    ]
