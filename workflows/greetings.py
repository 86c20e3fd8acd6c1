"""What birthday and company_anniversary share: which greetings are due, task or note.

Pure, like the workflows that use it. A greeting is one per customer per local day: the
same person in HubSpot and in Zendesk (or a company in both) is greeted once.
"""

from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from marshmallow import fields, validate

from momentos.model import Action
from momentos.texts import babel_locale, render
from momentos.view import MomentView, View
from workflows.common import (
    Audience,
    WorkflowParams,
    due_on,
    due_time_field,
    enabled_field,
    hubspot_task,
    min_lead_field,
    task_priority_field,
)

SATURDAY = 5
DAY_PATTERNS = {"es": "EEEE d 'de' MMMM", "en": "EEEE, MMMM d"}
# Moments are read by their local midnight: a margin of days covers every timezone and
# a weekend greeting moved to the Friday before.
MARGIN = timedelta(days=3)


class GreetingParams(WorkflowParams):
    enabled = enabled_field("it contacts customers who did not ask")
    deliver_as = fields.String(
        load_default="task",
        validate=validate.OneOf(["task", "note"]),
        metadata={"description": "A HubSpot task for the owner (task), or a note on the "
                  "record's timeline (note)."},
    )  # fmt: skip
    days_before = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=30),
        metadata={"description": "Create it this many days before the day (0: on the day)."},
    )
    weekend_to_friday = fields.Boolean(
        load_default=True,
        metadata={"description": "A day on a Saturday or Sunday is greeted the Friday before, "
                  "while the team is in."},
    )  # fmt: skip
    due_time = due_time_field(time(10, 0), "it is")
    min_lead_minutes = min_lead_field(30)
    priority = task_priority_field("MEDIUM")


def greeting_day(day: date, weekend_to_friday: bool) -> date:
    """The day to greet on: the day itself, or the Friday before a Saturday or Sunday."""
    if weekend_to_friday and day.weekday() >= SATURDAY:
        return day - timedelta(days=day.weekday() - SATURDAY + 1)
    return day


def day_name(day: date, language: str) -> str:
    """The day as a greeting card says it: "lunes 23 de noviembre", "Monday, November 23"."""
    return format_date(day, DAY_PATTERNS[language], locale=babel_locale(language))


def is_due(day: date, params: dict, today: date) -> bool:
    """Whether a greeting for `day` belongs to `today` (both local to the customer)."""
    first = greeting_day(day, params["weekend_to_friday"]) - timedelta(days=params["days_before"])
    return first <= today <= day


def moment_groups(
    view: View, moment_type: str, params: dict, now: datetime
) -> list[list[MomentView]]:
    """The moments near today, grouped per customer and day, HubSpot's first (its records
    take the task's associations); `is_due` tells which to greet."""
    reach = MARGIN + timedelta(days=params["days_before"])
    groups: dict[tuple[int, str], list[MomentView]] = {}
    for moment in view.moments((moment_type,), now - MARGIN, now + reach):
        if moment.customer_id is not None:
            groups.setdefault((moment.customer_id, moment.data["date"]), []).append(moment)
    return [sorted(group, key=lambda m: (m.key.split(":")[1] != "hubspot", m.key))
            for group in groups.values()]  # fmt: skip


def due_time(params: dict, day: date, time_zone: str, now: datetime) -> datetime:
    """`due_time` on the day to greet on, in the customer's timezone."""
    lead = timedelta(minutes=params["min_lead_minutes"])
    greet = greeting_day(day, params["weekend_to_friday"])
    return due_on(greet, time_zone, params["due_time"], now, lead)


def greeting(workflow: str, params: dict, who: Audience, moment: MomentView, due: datetime,
             priority: str, **context) -> Action:  # fmt: skip
    """A task for the owner, or a note on the record: once per customer and day."""
    key = f"{workflow}:{who.customer.id}:{moment.data['date']}"
    if params["deliver_as"] == "task":
        return hubspot_task(workflow, key, who, workflow, due, priority=priority, moment=moment,
                            **context)  # fmt: skip
    text = render(workflow, who.language, name=who.name, link=moment.link,
                  due_on=due.strftime("%Y-%m-%d %H:%M %Z"), **context)  # fmt: skip
    return Action(
        key=key,
        workflow=workflow,
        tool="hubspot",
        kind="note",
        customer_id=who.customer.id,
        moment_key=moment.key,
        payload={
            "body": f"{text['subject']}\n\n{text['body']}",
            "timestamp": due.isoformat(),
            "owner_id": who.owner_id,
            "contact_ids": list(who.contact_ids),
            "company_ids": list(who.company_ids),
            "deal_ids": [],
            "language": who.language,
        },
    )
