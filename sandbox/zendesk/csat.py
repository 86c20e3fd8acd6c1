"""Legacy CSAT: satisfaction ratings, the list's filters, and rating a ticket (a mixin).

Ratings of generated tickets are read from the ticket block's columns; a rating given
through `add_satisfaction_rating` is a dict and replaces the generated one of its ticket
(one rating per ticket, as in Zendesk: rating again updates it).
"""

from array import array
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.timefmt import format_iso
from sandbox.zendesk import generated
from sandbox.zendesk.errors import RecordNotFound, ZendeskApiError, invalid
from sandbox.zendesk.people import moment
from sandbox.zendesk.shapes import api_url

SCORES = ("offered", "unoffered", "good", "bad")
RECEIVED = frozenset({"good", "bad"})
# `score=` filter -> (scores, with a comment?); None means either.
SCORE_FILTERS: dict[str, tuple[frozenset[str], bool | None]] = {
    "offered": (frozenset({"offered"}), None),
    "unoffered": (frozenset({"unoffered"}), None),
    **{
        f"{name}{suffix}": (scores, wanted)
        for name, scores in (
            ("received", RECEIVED),
            ("good", frozenset({"good"})),
            ("bad", frozenset({"bad"})),
        )
        for suffix, wanted in (("", None), ("_with_comment", True), ("_without_comment", False))
    },
}
# Zendesk only offers a rating on solved tickets, which always have an assignee and a
# group; sandbox tickets may lack both, so the rating falls back to these.
DEFAULT_GROUP_ID = 360000000200
# Zendesk's default reasons for a bad rating (ids are the sandbox's).
REASON_IDS = {
    "No reason provided": 360000000300,
    "The issue took too long to resolve": 360000000305,
    "The issue was not resolved": 360000000306,
    "The agent's knowledge is unsatisfactory": 360000000307,
    "The agent's attitude is unsatisfactory": 360000000308,
    "Some other reason": 360000000400,
}
FAR_FUTURE = 2**32
KEPT_QUERIES = 4


def block_codes(scores: frozenset[str], with_comment: bool | None) -> set[int]:
    """The generated block's rating codes that a filter accepts."""
    return {
        number | flag
        for number, score in enumerate(generated.SCORES)
        if score in scores
        for flag in (0, generated.WITH_COMMENT)
        if with_comment is None or bool(flag) == with_comment
    }


def _matches(rating: dict, scores: frozenset[str], with_comment, start: int, end: int) -> bool:
    return (
        rating["score"] in scores
        and (with_comment is None or bool(rating.get("comment")) == with_comment)
        and start <= rating["stamp"] <= end
    )


def render_rating(rating: dict[str, Any], base: str) -> dict[str, Any]:
    """The REST rating; `comment`, `reason` and `reason_id` only when there are some."""
    shown = {"url": api_url(base, f"satisfaction_ratings/{rating['id']}.json")}
    for name in ("id", "assignee_id", "group_id", "requester_id", "ticket_id", "score"):
        shown[name] = rating[name]
    for name in ("comment", "reason", "reason_id"):
        if rating.get(name) is not None:
            shown[name] = rating[name]
    shown.update(created_at=rating["created_at"], updated_at=rating["updated_at"])
    return shown


def score_filter(raw: str | None) -> tuple[frozenset[str], bool | None]:
    if raw is None:
        return frozenset(SCORES), None
    if raw not in SCORE_FILTERS:
        raise ZendeskApiError(f"score must be one of {', '.join(SCORE_FILTERS)}")
    return SCORE_FILTERS[raw]


class Satisfaction:
    def _generated_rating(self, rating_id: int) -> dict[str, Any] | None:
        block = self.tickets.block
        if block is None:
            return None
        slot = rating_id - block.recipe.bases["rating"]
        return block.rating_record(slot) if 0 <= slot < block.count else None

    def _stored_rating(self, rating_id: int) -> dict[str, Any]:
        rating = self.ratings.get(rating_id) or self._generated_rating(rating_id)
        if rating is None:
            raise RecordNotFound()
        return rating

    def satisfaction_rating(self, rating_id: int) -> dict[str, Any]:
        return render_rating(self._stored_rating(rating_id), self.base)

    def satisfaction_rating_ids(
        self, score: str | None = None, start_time: int | None = None, end_time=None
    ) -> Sequence[int]:
        """Ids of the ratings a `score=`, `start_time=`, `end_time=` query selects, ascending.

        A query scans every generated ticket, so its answer is kept until a rating changes:
        a poller reads all its pages with the same query.
        """
        key = (score, start_time, end_time)
        if key not in self.rating_queries:
            if len(self.rating_queries) >= KEPT_QUERIES:
                del self.rating_queries[next(iter(self.rating_queries))]
            self.rating_queries[key] = self._select_ratings(score, start_time, end_time)
        return self.rating_queries[key]

    def _select_ratings(self, score, start_time, end_time) -> array:
        scores, with_comment = score_filter(score)
        start = start_time if start_time is not None else 0
        end = end_time if end_time is not None else FAR_FUTURE
        found = {
            rating_id
            for rating_id, rating in self.ratings.items()
            if _matches(rating, scores, with_comment, start, end)
        }
        block = self.tickets.block
        if block is not None:
            codes = block_codes(scores, with_comment)
            found.update(i for i in block.rating_ids(codes, start, end) if i not in self.ratings)
        return array("Q", sorted(found))

    def _ticket_rating(self, ticket_id: int) -> dict[str, Any] | None:
        if ticket_id in self.rating_by_ticket:
            return self.ratings[self.rating_by_ticket[ticket_id]]
        block = self.tickets.block
        slot = block.slot(ticket_id) if block is not None else None
        return block.rating_record(slot) if slot is not None else None  # type: ignore[union-attr]

    def add_satisfaction_rating(
        self,
        ticket_id: int,
        score: str,
        comment: str | None = None,
        reason: str | None = None,
        created_at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """Rate a ticket (the requester's answer): an update of the ticket at `created_at`."""
        if score not in SCORES:
            raise invalid("score", "Score: is not valid")
        ticket = self._ticket(ticket_id)
        when = moment(created_at, self.now())
        rating = self._rate(ticket, score, when, self._ticket_rating(ticket_id))
        if comment:
            rating["comment"] = comment
        if reason and score == "bad":
            rating["reason"] = reason
            rating["reason_id"] = REASON_IDS.get(reason, REASON_IDS["Some other reason"])
        self.ratings[rating["id"]] = rating
        self.rating_by_ticket[ticket_id] = rating["id"]
        self.rating_queries.clear()
        summary = {k: rating[k] for k in ("id", "score", "comment", "reason") if k in rating}
        change = {"satisfaction_rating": (ticket["satisfaction_rating"], summary)}
        self.change_ticket(ticket_id, change, ticket["requester_id"], when=when)
        return render_rating(rating, self.base)

    def _rate(self, ticket: dict, score: str, when: datetime, existing: dict | None) -> dict:
        """A new rating, or the ticket's existing one (same id and creation) updated."""
        stamp = format_iso(when)
        rating = {
            "id": existing["id"] if existing else self.next_id("rating"),
            "ticket_id": ticket["id"],
            "score": score,
            "requester_id": ticket["requester_id"],
            "assignee_id": ticket["assignee_id"] or self.agent_id,
            "group_id": ticket["group_id"] or DEFAULT_GROUP_ID,
            "created_at": existing["created_at"] if existing else stamp,
            "updated_at": stamp,
            "stamp": existing["stamp"] if existing else int(when.timestamp()),
        }
        return rating
