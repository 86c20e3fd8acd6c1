"""spike_root_cause: one internal Zendesk ticket for the support lead when a category's
share of requests jumps, with the analysis and example requests.

A spike found once more, or dated a day apart by a later estimate, is the same spike: the
ticket is keyed by the first `spike` moment of its value, so there is never a second one.
"""

from datetime import date, datetime, timedelta

from marshmallow import fields, validate

from momentos.insights.sentences import Labels, kind, number, percent, sentence, shown_value
from momentos.insights.spikes import DEFAULT_THRESHOLDS, VIEWS, same_spike
from momentos.model import Action
from momentos.texts import render
from momentos.view import MomentView, View
from workflows.common import WorkflowParams, enabled_field, horizon_days_field, long_date

NAME = "spike_root_cause"
WAKES_ON = ("spike",)
# Also hourly, for a spike recorded while this workflow was off or failing.
TRIGGER = {"trigger": "interval", "hours": 1}
PRIORITIES = ("low", "normal", "high", "urgent")


class Params(WorkflowParams):
    enabled = enabled_field()
    group_id = fields.Integer(
        load_default=None, allow_none=True,
        metadata={"description": "Zendesk group of the support lead; empty: Zendesk's default."},
    )  # fmt: skip
    assignee_id = fields.Integer(
        load_default=None, allow_none=True,
        metadata={"description": "Zendesk agent (the support lead) the ticket is assigned to."},
    )  # fmt: skip
    priority = fields.String(
        load_default="high",
        validate=validate.OneOf(PRIORITIES),
        metadata={"description": "The ticket's priority: low, normal, high or urgent."},
    )
    horizon_days = horizon_days_field(
        30,
        "Spikes that began this many days before the window of the "
        "view that found them (14 or 90 days) create nothing.",
    )
    examples = fields.Integer(
        load_default=5,
        validate=validate.Range(min=0, max=20),
        metadata={"description": "Example requests (links) listed in the ticket."},
    )


def first_of_each(spikes: list[MomentView]) -> list[MomentView]:
    """The earliest moment of each spike: later ones of the same value are the same rise."""
    kept: list[MomentView] = []
    for moment in sorted(spikes, key=lambda m: (m.occurred_at, m.key)):
        if not any(same_spike(moment.data, k.data, DEFAULT_THRESHOLDS.window_days) for k in kept):
            kept.append(moment)
    return kept


def _text(moment: MomentView, language: str, examples: int, labels: Labels) -> dict[str, str]:
    data = moment.data
    # The stored sentence says "since 2026-11-12": told again, the day as people write it.
    started_on = long_date(date.fromisoformat(data["started_on"]), language)
    return render(
        NAME,
        language,
        sentence=sentence({**data, "started_on": started_on}, language, labels),
        kind=kind(data["dimension"]),
        field=data["dimension"].partition(".")[2],
        value=shown_value(data, labels),
        started_on=started_on,
        share=percent(data["share"], language),
        baseline=percent(data["baseline_share"], language),
        requests=number(data["requests"], language),
        customers=number(data["customers"], language),
        examples=data.get("examples", [])[:examples],
        link=moment.link,
    )


def _action(params: dict, moment: MomentView, language: str, labels: Labels) -> Action:
    text = _text(moment, language, params["examples"], labels)
    payload = {
        "subject": text["subject"],
        "body": text["body"],
        "public": False,  # an internal note: the analysis is for the team, not a customer
        "priority": params["priority"],
        "group_id": params["group_id"],
        "assignee_id": params["assignee_id"],
        "tags": ["momentos_spike"],
        "language": language,
    }
    return Action(key=f"{NAME}:{moment.key}", workflow=NAME, tool="zendesk", kind="ticket",
                  payload=payload, moment_key=moment.key)  # fmt: skip


def _current(moment: MomentView, now: datetime, horizon_days: int) -> bool:
    """Began within `horizon_days` before the window of the view that found it: a shift
    found by the quarter's view began about a quarter ago, and is news the day it is found."""
    window = moment.data.get("window_days", DEFAULT_THRESHOLDS.window_days)
    return moment.occurred_at >= now - timedelta(days=horizon_days + window)


def plan(params: dict, view: View, now: datetime) -> list[Action]:
    """One root-cause ticket per current spike (`_current`), in the staff's language; spikes
    recorded before that still count as already handled."""
    widest = params["horizon_days"] + max(t.window_days for t in VIEWS)
    lookback = now - timedelta(days=widest + DEFAULT_THRESHOLDS.window_days)
    spikes = first_of_each(view.moments(WAKES_ON, lookback, now + timedelta(days=1)))
    labels = view.category_labels()
    return [_action(params, m, view.defaults.language, labels) for m in spikes
            if _current(m, now, params["horizon_days"])]  # fmt: skip
