"""Birthdays: HubSpot contacts' `date_of_birth` (free text) and Zendesk users' birthday field.

One moment per person per year (`birthday:hubspot:contact:101:2027`), on the local day in
the person's timezone, for each occurrence the version of the record speaks for.
"""

from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import dated, is_customer, prop, time_zone_of
from momentos.moments.dates import parse_day, span, yearly

BIRTH_PROPERTY = "date_of_birth"


def birthday(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    if not is_customer(event):
        return []
    policy = context.policy
    field = BIRTH_PROPERTY if event.tool == "hubspot" else policy.birthday_field
    born = parse_day(prop(event, field), policy.day_first)
    if born is None:
        return []
    time_zone = time_zone_of(event, context, known)
    days = span(known, time_zone, policy.horizon_days)
    data = {
        "name": event.data.get("name") or "",
        "email": event.data.get("email"),
        "born": f"{born.month:02d}-{born.day:02d}",
    }
    return [
        dated("birthday", event, context, day, time_zone,
              {**data, "age": year - born.year if born.year else None}, suffix=str(year))
        for year, day in yearly(born, days.first, days.until, policy.feb29_policy)
    ]  # fmt: skip
