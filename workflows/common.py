"""What most workflows share: who the work is for, in which language, and a HubSpot task.

Pure: it reads the view and returns data, like the workflows that use it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from marshmallow import RAISE, Schema, fields, validate

from momentos.guards import GuardSettings, next_working_time
from momentos.model import Action
from momentos.texts import babel_locale, language_or_default, render
from momentos.view import CustomerView, MomentView, View

# Parameters most workflows share, built in one place so their checks and meanings agree
# (docs/configuration.md is generated from these descriptions).
TASK_PRIORITIES = ("LOW", "MEDIUM", "HIGH")
# HubSpot's `hs_task_type` for a task that is neither a call nor an email (HUBSPOT.md: the
# values are CALL, EMAIL and this one; the word is HubSpot's, not a note of ours).
PLAIN_TASK = "TODO"


class WorkflowParams(Schema):
    """A workflow's parameters: a misspelt key is an error, never silently ignored."""

    class Meta:
        unknown = RAISE


def min_lead_field(default: int = 60) -> fields.Integer:
    return fields.Integer(load_default=default, validate=validate.Range(min=0),
                          metadata={"description": "Never due sooner than this many minutes "
                                    "from now."})  # fmt: skip


def enabled_field(off_until: str | None = None) -> fields.Boolean:
    """`enabled`: on by default; off until turned on for a workflow that reaches out to
    customers, `off_until` saying how ("it contacts customers who did not ask")."""
    if off_until is None:
        return fields.Boolean(load_default=True, metadata={"description": "Run it at all."})
    return fields.Boolean(load_default=False, metadata={
        "description": f"Run it at all (off until you turn it on: {off_until})."})  # fmt: skip


def horizon_days_field(default: int, description: str, most: int | None = None) -> fields.Integer:
    """`horizon_days`: moments older than this create nothing (no flood when turned on)."""
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=most),
                          metadata={"description": description})  # fmt: skip


def due_days_field(default: int, description: str) -> fields.Integer:
    """`due_days`: how many days after it is created the task is due, at most 30."""
    return fields.Integer(load_default=default, validate=validate.Range(min=0, max=30),
                          metadata={"description": description})  # fmt: skip


def due_time_field(default: time, what: str = "the task is") -> fields.Time:
    """`what`: the words before "due", e.g. "the call is"."""
    return fields.Time(load_default=default, metadata={
        "description": f"Local time, in the customer's timezone, {what} due."})  # fmt: skip


def task_priority_field(default: str, whose: str = "The task's") -> fields.String:
    meaning = f"{whose} priority: LOW, MEDIUM or HIGH."
    return fields.String(load_default=default, validate=validate.OneOf(TASK_PRIORITIES),
                         metadata={"description": meaning})  # fmt: skip


@dataclass(frozen=True)
class Audience:
    """The customer a piece of work is about, and the rep who gets it."""

    customer: CustomerView
    name: str
    first_name: str  # how a message to them starts ("Hola, Inés:"); empty for a company
    language: str
    time_zone: str
    owner_id: str
    contact_ids: tuple[str, ...]
    company_ids: tuple[str, ...]


def audience(view: View, customer_id: int | None, person: tuple[str, ...] = ()) -> Audience | None:
    """Who, for one customer: the person's contact if known, the company, its owner (else the
    contact's, else the configured fallback: never nobody), language and timezone."""
    customer = view.customer(customer_id) if customer_id else None
    if customer is None:
        return None
    someone = view.person(person) if person else None
    contact = customer.contact_for(someone.email if someone else None)
    if contact is None and not someone and customer.contacts:
        contact = customer.contacts[0]
    company = customer.companies[0] if customer.companies else None
    owner = (
        (company or {}).get("owner_id")
        or (contact or {}).get("owner_id")
        or view.defaults.fallback_owner_id
    )
    language = language_or_default(
        (contact or {}).get("language") or (someone.language if someone else None)
        or customer.language,
        view.defaults.language,
    )  # fmt: skip
    time_zone = (someone.time_zone if someone else None) or customer.time_zone
    person_name = (someone.name if someone else "") or (contact or {}).get("name") or ""
    first = ((contact or {}).get("properties") or {}).get("firstname") or person_name
    return Audience(
        customer=customer,
        name=person_name or customer.name,
        first_name=(first.strip().split() or [""])[0],
        language=language,
        time_zone=time_zone or view.defaults.time_zone,
        owner_id=str(owner),
        contact_ids=(contact["id"],) if contact else (),
        company_ids=(company["id"],) if company else (),
    )


def due_at(now: datetime, time_zone: str, due_time: time, min_lead: timedelta) -> datetime:
    """Today at `due_time` in `time_zone`, or `min_lead` from now if that is later."""
    local_now = now.astimezone(ZoneInfo(time_zone))
    today = datetime.combine(local_now.date(), due_time, tzinfo=local_now.tzinfo)
    soonest = local_now + min_lead
    # A rep reads "due 18:35", not "due 18:34:27.123".
    soonest = soonest.replace(second=0, microsecond=0) + timedelta(minutes=5 - soonest.minute % 5)
    return max(today, soonest)


@dataclass(frozen=True)
class Due:
    """When a call is due, and whether it waits for the next working morning."""

    at: datetime
    first_thing: bool


def call_due(now: datetime, time_zone: str, due_time: time, min_lead: timedelta,
             hours: GuardSettings) -> Due:  # fmt: skip
    """`due_at`, unless that falls outside the customer's working hours: then `min_lead`
    after the next working day starts (a complaint at 23:30 is a call at 09:00, not 00:35)."""
    due = due_at(now, time_zone, due_time, min_lead)
    start = next_working_time(due, time_zone, hours)
    if start == due:
        return Due(due, first_thing=False)
    return Due(start + min_lead, first_thing=True)


def when_due(due: Due, now: datetime, time_zone: str, language: str) -> str:
    """When to call, as a subject says it: "hoy", "mañana a primera hora", "first thing on
    Monday"."""
    today = local_today(now, time_zone)
    return render("when", language, days=(due.at.date() - today).days,
                  weekday=format_date(due.at.date(), "EEEE", locale=babel_locale(language)),
                  first_thing=due.first_thing)["call"]  # fmt: skip


def due_on(
    day: date, time_zone: str, due_time: time, now: datetime, min_lead: timedelta
) -> datetime:
    """`due_time` on the local `day` in `time_zone`, or `min_lead` from now if that is later."""
    on_the_day = datetime.combine(day, due_time, tzinfo=ZoneInfo(time_zone))
    return max(on_the_day, due_at(now, time_zone, time(0), min_lead))


def local_today(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


@lru_cache(maxsize=4096)
def long_date(day: date, language: str) -> str:
    """A day as people write it: "5 de octubre de 2026", "October 5, 2026"."""
    return format_date(day, "long", locale=babel_locale(language))


def local_time_text(moment: datetime, language: str) -> str:
    """A time as a rep reads it, in its own zone: "jueves, 26 de noviembre de 2026, 12:00
    (CET)", "Thursday, November 26, 2026, 12:00 PM (CET)"."""
    # Keyed by the zone too: the same instant in two zones compares equal, but reads apart.
    return _local_time_text(moment, str(moment.tzinfo), language)


@lru_cache(maxsize=4096)
def _local_time_text(moment: datetime, _zone: str, language: str) -> str:
    # Cached: many customers' tasks fall due at the same hour, and Babel formats slowly.
    day = format_date(moment.date(), "full", locale=babel_locale(language))
    hour = format_time(moment, "short", tzinfo=moment.tzinfo, locale=babel_locale(language))
    return f"{day}, {hour} ({moment.strftime('%Z')})"


def money(amount: str | Decimal, currency: str | None, language: str) -> str:
    """An amount as the customer reads it: "1.500,00 €", "€1,500.00"; bare without currency."""
    return _money(str(amount), currency, language)


@lru_cache(maxsize=4096)
def _money(amount: str, currency: str | None, language: str) -> str:
    # Cached: Babel formats an amount slowly (it looks up the currency's plural name each
    # time), and a customer's amounts repeat (the same fee month after month).
    value = Decimal(amount)
    if currency:
        return format_currency(value, currency, locale=babel_locale(language))
    return format_decimal(value, locale=babel_locale(language))


def record_of(moment: MomentView) -> tuple[str, str, str]:
    """The tool record a moment is about, from its key (`type:tool:object_type:object_id:…`)."""
    _, tool, object_type, object_id = moment.key.split(":")[:4]
    return tool, object_type, object_id


def hubspot_task(
    workflow: str,
    key: str,
    who: Audience,
    catalogue: str,
    due: datetime,
    *,
    priority: str = "MEDIUM",
    task_type: str = PLAIN_TASK,
    moment: MomentView | None = None,
    deal_ids: tuple[str, ...] = (),
    **context,
) -> Action:
    """A task for the audience's owner, its text from `catalogue` in the customer's language."""
    text = render(catalogue, who.language, name=who.name, first_name=who.first_name,
                  due_on=local_time_text(due, who.language), link=moment.link if moment else None,
                  **context)  # fmt: skip
    return Action(
        key=key,
        workflow=workflow,
        tool="hubspot",
        kind="task",
        customer_id=who.customer.id,
        moment_key=moment.key if moment else None,
        payload={
            "subject": text["subject"],
            "body": text["body"],
            "due_at": due.isoformat(),
            "owner_id": who.owner_id,
            "priority": priority,
            "task_type": task_type,
            "contact_ids": list(who.contact_ids),
            "company_ids": list(who.company_ids),
            "deal_ids": list(deal_ids),
            "language": who.language,
        },
    )
