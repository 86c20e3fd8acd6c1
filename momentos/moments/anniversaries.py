"""Company anniversaries: HubSpot `founded_year` (text) or a founding-date field.

A full founding date gives every yearly anniversary on that day. A year alone says
nothing about the day, and inventing one (1 January) would greet on a wrong date; so a
year-only founding date gives only round anniversaries (every `anniversary_round_years`,
5 by default: 5, 10, 15, ...), dated on the day the company became a customer in the
tool (`created_at`), a day that means something to both sides. Without that day: none.
"""

from datetime import date

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import dated, is_live, prop, time_zone_of
from momentos.moments.dates import Day, local_date, parse_day, parse_year, span, yearly

FOUNDED_PROPERTY = "founded_year"


def _founding(event: Event, context: RuleContext) -> tuple[Day | None, int | None]:
    """(founding day, founding year): a day when the text has one, else only a year."""
    field = FOUNDED_PROPERTY if event.tool == "hubspot" else context.policy.founding_field
    value = prop(event, field)
    year = parse_year(value)
    if year is not None:
        return None, year
    day = parse_day(value, context.policy.day_first)
    return (day, day.year) if day and day.year else (None, None)


def _customer_since(event: Event, time_zone: str) -> Day | None:
    created = event.data.get("created_at")
    if not created:
        return None
    day = local_date(parse_iso(created), time_zone)
    return Day(day.month, day.day)


def company_anniversary(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    if not is_live(event):
        return []
    founded_day, founded_year = _founding(event, context)
    if founded_year is None:
        return []
    time_zone = time_zone_of(event, context, known)
    precision = "day" if founded_day else "year"
    day = founded_day or _customer_since(event, time_zone)
    if day is None:
        return []
    policy, days = context.policy, span(known, time_zone, context.policy.horizon_days)
    round_years = max(1, policy.anniversary_round_years) if precision == "year" else 1
    return [
        _moment(event, context, occurrence, time_zone, year - founded_year, precision)
        for year, occurrence in yearly(day, days.first, days.until, policy.feb29_policy)
        if year > founded_year and (year - founded_year) % round_years == 0
    ]


def _moment(event, context, occurrence: date, time_zone: str, years: int, precision: str):
    data = {"name": event.data.get("name") or "", "years": years, "precision": precision}
    return dated("company_anniversary", event, context, occurrence, time_zone, data,
                 suffix=str(occurrence.year))  # fmt: skip
