"""Rules for survey answers: Zendesk CSAT ratings and Momentos' own surveys.

Both give `survey_answered` with one shape: `scale`, `score`, and a `sentiment`
(positive, neutral, negative) that workflows act on without knowing the scale. A negative
answer with a comment is also a `complaint` (DESIGN.md's catalogue).
"""

from typing import Any

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import build, is_live
from momentos.moments.links import zendesk_link

RATED = {"good": "positive", "bad": "negative"}  # "offered"/"unoffered": no answer yet


def sentiment(scale: str, score: Any) -> str | None:
    """NPS 0-10 (9-10 promoters, 0-6 detractors), CSAT 1-5 (4-5 happy, 1-2 unhappy)."""
    if scale == "zendesk_csat":
        return RATED.get(score)
    if not isinstance(score, int) or isinstance(score, bool):
        return None
    if scale == "nps" and 0 <= score <= 10:
        return "positive" if score >= 9 else "neutral" if score >= 7 else "negative"
    if scale == "csat" and 1 <= score <= 5:
        return "positive" if score >= 4 else "neutral" if score == 3 else "negative"
    return None


def _answer(event: Event) -> dict[str, Any] | None:
    """The answer in one shape, or None when there is no answer (offered, malformed)."""
    data = event.data
    if event.tool == "zendesk":
        scale, score = "zendesk_csat", data.get("score")
    else:
        scale, score = data.get("scale"), data.get("score")
    feeling = sentiment(scale, score)
    if feeling is None:
        return None
    return {
        "scale": scale,
        "score": score,
        "sentiment": feeling,
        "comment": (data.get("comment") or "").strip(),
        "reason": data.get("reason"),
        "ticket_id": str(data["ticket_id"]) if data.get("ticket_id") else None,
        "source": "zendesk" if event.tool == "zendesk" else "momentos",
    }


def _moment(moment_type: str, event: Event, context: RuleContext, answer: dict) -> Moment:
    ticket = answer["ticket_id"]
    url = zendesk_link(context, "ticket", ticket) if ticket else None
    # Dated by when the customer answered, not when the rating record last changed.
    stamp = event.data.get("created_at")
    occurred_at = parse_iso(stamp) if stamp else event.occurred_at
    return build(moment_type, event, context, occurred_at, answer, url=url)


def survey_answered(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A rating or answer given; one moment per rating (a changed rating keeps its key)."""
    answer = _answer(event) if is_live(event) else None
    return [_moment("survey_answered", event, context, answer)] if answer else []


def unhappy_with_comment(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A negative answer the customer took the time to explain is a complaint."""
    answer = _answer(event) if is_live(event) else None
    if not answer or answer["sentiment"] != "negative" or not answer["comment"]:
        return []
    return [_moment("complaint", event, context, answer)]
