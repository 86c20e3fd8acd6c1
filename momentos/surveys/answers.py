"""Survey answers, stored as events of tool `momentos`, object type `survey_answer`.

One survey is one record (object id: the survey's id); each submission is a new version of
it. The first answer opens a window (`answer_window_minutes`) in which the customer may
change it; after that the link only says thanks. Follow-ups wait for the window to close
and act on the last version, once per survey (workflows/survey_followup.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.moments.surveys import sentiment
from momentos.store import Store
from momentos.surveys.tokens import SCORES, Survey

TOOL, OBJECT_TYPE = "momentos", "survey_answer"
SOURCE = "survey"


@dataclass(frozen=True)
class Outcome:
    """What a submission did: `stored` (first answer), `updated` (changed in the window) or
    `closed` (the window had closed: nothing stored)."""

    state: str
    answer: dict[str, Any]


class AnswerProblem(ValueError):
    """A form that cannot be stored; `reason` names the message the page shows."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def read_form(form: Mapping[str, str], survey: Survey, max_comment: int) -> tuple[int, str]:
    """(score, comment) from the posted form, checked against the survey's scale."""
    raw = (form.get("score") or "").strip()
    if not raw.isdigit() or int(raw) not in SCORES[survey.scale]:
        raise AnswerProblem("score_missing")
    comment = (form.get("comment") or "").replace("\r\n", "\n").strip()
    if len(comment) > max_comment:
        raise AnswerProblem("comment_too_long")
    return int(raw), comment


def editable_until(answer: dict[str, Any]) -> datetime:
    return parse_iso(answer["editable_until"])


def answer_event(
    survey: Survey, score: int, comment: str, first_at: datetime, now: datetime, window: timedelta
) -> Event:
    """One submission as an event in the shape docs/contracts.md gives, plus what the page
    and the follow-up need (the window, the language, the survey's outbox key)."""
    data = {
        "score": score,
        "scale": survey.scale,
        "sentiment": sentiment(survey.scale, score),
        "comment": comment,
        "ticket_id": survey.ticket_id,
        "respondent": list(survey.respondent) if survey.respondent else None,
        # The first answer's time: the moment is dated by it, whatever version it comes from.
        "created_at": _stamp(first_at),
        "answered_at": _stamp(now),
        "editable_until": _stamp(first_at + window),
        "survey_key": survey.key,
        "customer_id": survey.customer_id,
        "language": survey.language,
    }
    return Event(
        tool=TOOL,
        object_type=OBJECT_TYPE,
        object_id=survey.id,
        version=_stamp(now),
        occurred_at=now,
        data=data,
    )


def latest(store: Store, survey: Survey) -> dict[str, Any] | None:
    """The survey's newest stored answer, derived or not yet."""
    versions = store.event_versions(TOOL, OBJECT_TYPE, survey.id)
    return versions[-1] if versions else None


def record_answer(
    store: Store, survey: Survey, score: int, comment: str, now: datetime, window: timedelta
) -> Outcome:
    """Store a submission unless the survey's answer window has closed.

    The read and the write share one BEGIN IMMEDIATE transaction, so two submissions at
    once cannot both be "the first answer".
    """
    with store.transaction():
        previous = latest(store, survey)
        if previous is not None and now >= editable_until(previous):
            return Outcome("closed", previous)
        first_at = parse_iso(previous["created_at"]) if previous else now
        event = answer_event(survey, score, comment, first_at, now, window)
        store.add_events([event], source=SOURCE, received_at=now)
    return Outcome("updated" if previous else "stored", event.data)
