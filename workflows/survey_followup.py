"""survey_followup: close the loop on every survey answer, once the customer is done with it.

Unhappy (NPS detractor, CSAT 1-2, a "bad" Zendesk rating): a high-priority recovery ticket
for the original ticket's group, linked to it, with the customer's words and the playbook;
for a customer worth more than `value_threshold`, also a call task for their HubSpot owner.
Happy (promoter, CSAT 4-5, "good"): an internal note on the original ticket thanking the
agent and quoting the customer; with `ask_review`, a task to ask for a review or referral.
The ticket and the note are for support staff, in the staff's language (`default_language`);
the owner's tasks are in the customer's, like every HubSpot task.

An answer can change for a while after it is given (`surveys.answer_window_minutes`; Zendesk
ratings: `settle_minutes`), so this acts only once that window has closed, on the last
version, and keys its ticket, note and call task by the survey: one follow-up per survey,
whatever it said first. A review ask is one per customer a month.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import fields, validate

from momentos.guards import GuardSettings
from momentos.model import Action
from momentos.surveys.followup import Answer, customer_value, settled_answer
from momentos.texts import playbook, render
from momentos.view import MomentView, View
from workflows.common import (
    Audience,
    WorkflowParams,
    audience,
    call_due,
    due_time_field,
    enabled_field,
    horizon_days_field,
    hubspot_task,
    long_date,
    min_lead_field,
    money,
    when_due,
)

NAME = "survey_followup"
WAKES_ON = ("survey_answered",)
# Answers settle minutes after they are given: the schedule acts on them then.
TRIGGER = {"trigger": "interval", "minutes": 5}
# Each answer is its own reason (the guards' same-reason rule does not apply): a colleague's
# happy rating last week must not silence this customer's unhappy one.
PER_MOMENT = True


class Params(WorkflowParams):
    enabled = enabled_field()
    horizon_days = horizon_days_field(
        7,
        "Answers older than this many days create nothing.",
    )
    settle_minutes = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=24 * 60),
        metadata={
            "description": "Minutes to wait after a Zendesk CSAT rating (which the "
            "customer may still change) before acting on it."
        },
    )
    priority = fields.String(
        load_default="high",
        validate=validate.OneOf(["low", "normal", "high", "urgent"]),
        metadata={"description": "The recovery ticket's Zendesk priority."},
    )
    tags = fields.List(
        fields.String(),
        load_default=lambda: ["survey_recovery"],
        metadata={
            "description": "Tags on the recovery ticket (besides `momentos` and "
            "`original_ticket_<id>`)."
        },
    )
    value_threshold = fields.Float(
        load_default=10000.0,
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "An unhappy customer worth more than this (invoices billed, "
            "or deals won, in `value_days`) also gets a call from their HubSpot owner; "
            "empty: never."
        },
    )
    value_days = fields.Integer(
        load_default=365,
        validate=validate.Range(min=1),
        metadata={"description": "The period a customer's value is counted over."},
    )
    won_stages = fields.List(
        fields.String(),
        load_default=lambda: ["closedwon"],
        metadata={"description": "HubSpot deal stages that count as won for the value."},
    )
    celebrate = fields.Boolean(
        load_default=True,
        metadata={"description": "Thank the agent in an internal note on a happy answer."},
    )
    ask_review = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also a HubSpot task for the owner to ask a happy customer "
            "for a review or referral."
        },
    )
    due_time = due_time_field(time(17, 0), "owner tasks are")
    min_lead_minutes = min_lead_field()


def _int_id(value: Any) -> int | str | None:
    """Zendesk ids as the API takes them (numbers); the records keep them as text."""
    return int(value) if value is not None and str(value).isdigit() else value


def _context(view: View, moment: MomentView, answer: Answer, who: Audience,
             language: str) -> dict:  # fmt: skip
    """What every follow-up text says about the answer, in `language` (the name comes with
    the audience)."""
    ticket = view.current("zendesk", "ticket", answer.ticket_id) if answer.ticket_id else None
    local_day = moment.occurred_at.astimezone(ZoneInfo(who.time_zone)).date()
    scores = render("survey_scores", language, score=answer.score)
    return {
        "score_text": scores[answer.scale],
        "rated": scores[f"rated_{answer.scale}"],
        "comment": answer.comment,
        "ticket_id": answer.ticket_id,
        "ticket_subject": (ticket or {}).get("subject") or "",
        "ticket_link": moment.link or "",
        "group_id": (ticket or {}).get("group_id") or answer.group_id,
        "answered_on": long_date(local_day, language),
        "playbook": playbook("survey_answered", language),
        "customer_language": who.language,
    }


def value_currency(view: View, company_id: str | None) -> str | None:
    """The one currency the company's invoices and deals are in; None if several or none."""
    if not company_id:
        return None
    codes = {
        ((record.get("properties") or {}).get(prop) or "").strip().upper()
        for object_type, prop in (("invoice", "hs_currency"), ("deal", "deal_currency_code"))
        for record in view.company_records(object_type, company_id)
    } - {""}
    return codes.pop() if len(codes) == 1 else None


def _owner_task(
    params: dict,
    key: str,
    moment: MomentView,
    who: Audience,
    now: datetime,
    hours: GuardSettings,
    catalogue: str,
    **context,
) -> Action:
    """A HubSpot task for the customer's owner, due today at `due_time` (or the next working
    morning), in the customer's language."""
    lead = timedelta(minutes=params["min_lead_minutes"])
    due = call_due(now, who.time_zone, params["due_time"], lead, hours)
    when = when_due(due, now, who.time_zone, who.language)
    return hubspot_task(NAME, key, who, catalogue, due.at, moment=moment, when=when, **context)


def _ticket(params: dict, moment: MomentView, answer: Answer, who: Audience, context: dict,
            language: str) -> Action:  # fmt: skip
    """The recovery ticket for the original ticket's group, linked to it by tag and text,
    in the staff's `language`."""
    text = render("survey_recovery", language, name=who.name, **context)
    tags = [*params["tags"], *([f"original_ticket_{answer.ticket_id}"] if answer.ticket_id else [])]
    # No requester: the API user opens it. With the customer as requester, Zendesk's
    # "request received" trigger could email them a ticket written for staff.
    payload = {
        "subject": text["subject"],
        "body": text["body"],
        "public": False,
        "priority": params["priority"],
        "tags": tags,
    }
    if context["group_id"]:
        payload["group_id"] = _int_id(context["group_id"])
    return Action(
        key=f"{NAME}:{moment.key}",
        workflow=NAME,
        tool="zendesk",
        kind="ticket",
        payload=payload,
        customer_id=who.customer.id,
        moment_key=moment.key,
    )


def _recovery(
    params: dict, view: View, moment: MomentView, answer: Answer, who: Audience, now: datetime
) -> list[Action]:
    since = now - timedelta(days=params["value_days"])
    company = who.company_ids[0] if who.company_ids else None
    value = customer_value(view, company, since, set(params["won_stages"]))
    threshold = params["value_threshold"]
    valuable = threshold is not None and value > Decimal(str(threshold))
    currency = value_currency(view, company)
    staff = view.defaults.language
    context = _context(view, moment, answer, who, staff)
    context.update(value=money(value, currency, staff) if valuable else "",
                   value_days=params["value_days"])  # fmt: skip
    actions = [_ticket(params, moment, answer, who, context, staff)]
    if valuable:
        context = _context(view, moment, answer, who, who.language)
        context.update(value=money(value, currency, who.language), value_days=params["value_days"])
        key = f"{NAME}:{moment.key}:owner"
        actions.append(_owner_task(params, key, moment, who, now, view.defaults.working_hours,
                                   "survey_value_task", priority="HIGH", task_type="CALL",
                                   **context))  # fmt: skip
    return actions


def _celebration(
    params: dict, view: View, moment: MomentView, answer: Answer, who: Audience, now: datetime
) -> list[Action]:
    actions = []
    if params["celebrate"] and answer.ticket_id and answer.ticket_id.isdigit():
        # An internal note: the agents read it, in the staff's language.
        staff = _context(view, moment, answer, who, view.defaults.language)
        body = render("survey_thanks", view.defaults.language, name=who.name, **staff)["body"]
        payload = {"ticket_id": answer.ticket_id, "body": body, "public": False}
        actions.append(
            Action(
                key=f"{NAME}:{moment.key}",
                workflow=NAME,
                tool="zendesk",
                kind="comment",
                payload=payload,
                customer_id=who.customer.id,
                moment_key=moment.key,
            )
        )
    if params["ask_review"]:
        # One ask per customer a month, however many happy answers they give.
        month = moment.occurred_at.astimezone(ZoneInfo(who.time_zone)).strftime("%Y-%m")
        key = f"{NAME}:review:{who.customer.id}:{month}"
        context = _context(view, moment, answer, who, who.language)
        actions.append(_owner_task(params, key, moment, who, now, view.defaults.working_hours,
                                   "survey_review_task", **context))  # fmt: skip
    return actions


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """A recovery for each unhappy answer and a celebration for each happy one, once the
    answer has settled; neutral answers (NPS 7-8, CSAT 3) need nothing."""
    actions: list[Action] = []
    since = now - timedelta(days=params["horizon_days"])
    settle = timedelta(minutes=params["settle_minutes"])
    for moment in view.moments(WAKES_ON, since, now):
        answer = settled_answer(view, moment, settle, now)
        who = audience(view, moment.customer_id, moment.person) if answer else None
        if answer is None or who is None:
            continue
        if answer.sentiment == "negative":
            actions += _recovery(params, view, moment, answer, who, now)
        elif answer.sentiment == "positive":
            actions += _celebration(params, view, moment, answer, who, now)
    # Two happy answers in one month plan the same review ask: keep the first.
    unique: dict[str, Action] = {}
    for action in actions:
        unique.setdefault(action.key, action)
    return list(unique.values())
