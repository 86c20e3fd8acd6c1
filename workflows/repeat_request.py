"""repeat_request: a root-cause ticket in Zendesk for the support lead when one customer asks
about the same category `count` times within `window_days`.

Counted from the customer's support requests. A run of requests starts when the count
within the window reaches `count` and goes on while it holds; its key is the customer, the
category and the run's first request, so a customer who keeps asking gets one ticket, and
a new run after a quiet spell another.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import fields, validate

from momentos.model import Action
from momentos.texts import playbook, render
from momentos.view import MomentView, View
from workflows.common import WorkflowParams, enabled_field, horizon_days_field, long_date, record_of

NAME = "repeat_request"
WAKES_ON = ("support_request",)
# Also hourly, for requests whose customer was not known yet when the moment came.
TRIGGER = {"trigger": "interval", "hours": 1}
BY_FORM, BY_TAGS = "form", "tags"
# How far back a customer's requests are read to find where a run started.
HISTORY = timedelta(days=180)
# A long run lists its latest requests only.
LISTED = 20


class Params(WorkflowParams):
    enabled = enabled_field()
    category_by = fields.String(
        load_default="app",
        validate=validate.Length(min=1),
        metadata={"description": "What makes two requests the same: a category named in "
                  "`moments.category_fields` (e.g. `app`), a Zendesk ticket field id, `form` "
                  "(the ticket form) or `tags` (each tag on its own)."},
    )  # fmt: skip
    ignore_values = fields.List(
        fields.String(),
        load_default=list,
        metadata={"description": "Category values that never count, e.g. a catch-all "
                  "`otros` or a channel tag."},
    )  # fmt: skip
    include_agent_opened = fields.Boolean(
        load_default=False,
        metadata={"description": "Also count tickets an agent opened for the customer (after a "
                  "call, say); off: only what the customer opened."},
    )  # fmt: skip
    count = fields.Integer(
        load_default=3,
        validate=validate.Range(min=2),
        metadata={"description": "Requests about the same category that make a repetition."},
    )
    window_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1),
        metadata={"description": "Days within which those requests must fall."},
    )
    horizon_days = horizon_days_field(
        7,
        "Repetitions whose last request is older than this many days "
        "create nothing (no flood on first activation).",
    )
    group_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Zendesk group of the support lead; empty: Zendesk's default."},
    )
    assignee_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Zendesk agent (the support lead) the ticket is assigned to."},
    )
    priority = fields.String(
        load_default="normal",
        validate=validate.OneOf(["low", "normal", "high", "urgent"]),
        metadata={"description": "The ticket's priority: low, normal, high or urgent."},
    )
    ticket_type = fields.String(
        load_default="problem",
        validate=validate.OneOf(["problem", "incident", "question", "task"]),
        metadata={"description": "The ticket's type; `problem` is Zendesk's type for a root "
                  "cause its incidents can be linked to."},
    )  # fmt: skip


def config_problems(params: dict, settings: dict) -> list[str]:
    """Counting by a category no ticket field is named for finds nothing, and says nothing:
    say it when the configuration is loaded instead."""
    by, named = params["category_by"], settings["moments"]["category_fields"]
    if not params["enabled"] or by in (BY_FORM, BY_TAGS) or by.isdigit() or by in named:
        return []
    return [
        f"workflows.{NAME}.category_by: no ticket field is named {by!r} in "
        f"moments.category_fields ({', '.join(named) or 'none named'}): name its field id "
        f"there, or count by tags or form (got {by!r})"
    ]


def categories(moment: MomentView, category_by: str) -> list[str]:
    """The categories one request counts for: none, one, or one per tag."""
    data = moment.data
    if category_by == BY_TAGS:
        values: list[Any] = list(data.get("tags") or [])
    elif category_by == BY_FORM:
        values = [data.get("form_id")]
    else:
        named = data.get("category") or {}
        fields_ = data.get("custom_fields") or {}
        values = [named.get(category_by, fields_.get(category_by))]
    return [str(value).strip() for value in values if value not in (None, "", False)]


def repetitions(requests: list[MomentView], count: int, window: timedelta,
                visible_from: datetime) -> list[list[MomentView]]:  # fmt: skip
    """Runs of requests, oldest first: a run starts with the request that brings the count
    within `window` up to `count` (and the ones before it that count) and goes on while the
    count holds. A run that may have started before `visible_from` is left out: its start,
    and so its key, would move as the history read slides."""
    runs, held, run = [], 0, []
    for index, request in enumerate(requests):
        start = request.occurred_at - window
        holds = sum(start < r.occurred_at for r in requests[: index + 1])
        if holds >= count > held:
            # The count before this request is exact only if its whole window was read.
            if requests[index - 1].occurred_at - window >= visible_from:
                run = requests[index - count + 1 : index + 1]
                runs.append(run)
            else:
                run = []
        elif holds >= count:
            run.append(request)
        held = holds
    return [run for run in runs if run]


def grouped(params: dict, moments: list[MomentView]) -> dict[tuple[int, str], list[MomentView]]:
    """The customers' own requests by (customer, category), oldest first."""
    ignored = {value.strip().lower() for value in params["ignore_values"]}
    groups: dict[tuple[int, str], list[MomentView]] = {}
    for moment in moments:
        by_agent = moment.data.get("opened_by_agent") and not params["include_agent_opened"]
        if moment.customer_id is None or by_agent:
            continue
        for category in categories(moment, params["category_by"]):
            if category.lower() not in ignored:
                groups.setdefault((moment.customer_id, category), []).append(moment)
    return groups


def _request(view: View, moment: MomentView, time_zone: str, language: str) -> dict[str, Any]:
    ticket = view.current(*record_of(moment)) or {}
    day = moment.occurred_at.astimezone(ZoneInfo(time_zone)).date()
    return {"on": long_date(day, language), "subject": moment.data.get("subject") or "",
            "status": ticket.get("status") or moment.data.get("status") or "",
            "link": moment.link}  # fmt: skip


def _action(params: dict, view: View, customer_id: int, category: str,
            run: list[MomentView]) -> Action | None:  # fmt: skip
    customer = view.customer(customer_id)
    if customer is None:
        return None
    # The support lead reads it: the staff's language; the customer's days in their timezone.
    language, time_zone = view.defaults.language, customer.time_zone or view.defaults.time_zone
    first, last = (m.occurred_at.astimezone(ZoneInfo(time_zone)).date() for m in (run[0], run[-1]))
    by = params["category_by"]
    label = category if by in (BY_FORM, BY_TAGS) else view.category_label(by, category)
    text = render(NAME, language, customer=customer.name or f"#{customer_id}",
                  category=label, count=len(run), days=(last - first).days + 1,
                  first=long_date(first, language), last=long_date(last, language),
                  requests=[_request(view, m, time_zone, language) for m in run[-LISTED:]],
                  hidden=max(0, len(run) - LISTED), customer_language=customer.language,
                  playbook=playbook(NAME, language))  # fmt: skip
    tag = "".join(c if c.isalnum() else "_" for c in category.lower())
    payload = {"subject": text["subject"], "body": text["body"], "public": False,
               "priority": params["priority"], "type": params["ticket_type"],
               "tags": [NAME, f"{NAME}_{tag}"], "group_id": params["group_id"],
               "assignee_id": params["assignee_id"]}  # fmt: skip
    return Action(key=f"{NAME}:{customer_id}:{category}:{first.isoformat()}", workflow=NAME,
                  tool="zendesk", kind="ticket", payload=payload, customer_id=customer_id,
                  moment_key=run[-1].key)  # fmt: skip


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One root-cause ticket per run of repeated requests still going in `horizon_days`."""
    window, horizon = timedelta(days=params["window_days"]), timedelta(days=params["horizon_days"])
    history = max(HISTORY, horizon + 2 * window)
    recent = {m.customer_id for m in view.moments(WAKES_ON, now - horizon, now) if m.customer_id}
    actions = []
    for customer_id in sorted(recent):
        moments = view.customer_moments(customer_id, WAKES_ON, now - history, now)
        for (_, category), requests in sorted(grouped(params, moments).items()):
            for run in repetitions(requests, params["count"], window, now - history):
                if run[-1].occurred_at >= now - horizon:
                    actions.append(_action(params, view, customer_id, category, run))
    return [action for action in actions if action is not None]
