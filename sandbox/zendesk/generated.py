"""Generated tickets kept as columns and turned into the stored dict shape only when read.

As dicts, a ticket with its comment and audit costs ~5 KB; as columns, ~20 bytes, so a
million seeded tickets fit in tens of megabytes. A block is rebuilt from its `Recipe` (the
seed's parameters) deterministically: a dump keeps the recipe, not the rows. A ticket leaves
the block (becomes a plain dict with its comments and audits) the first time it changes.
"""

import bisect
import functools
import itertools
import random
import time
from array import array
from dataclasses import dataclass
from typing import Any

from sandbox.zendesk import tickets as rules
from sandbox.zendesk.shapes import DEFAULT_BRAND_ID, DEFAULT_FORM_ID

STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = (None, "low", "normal", "high", "urgent")
PRIORITY_WEIGHTS = (0.1, 0.2, 0.5, 0.15, 0.05)
TYPES = (None, "question", "incident", "problem", "task")
TYPE_WEIGHTS = (0.2, 0.45, 0.2, 0.05, 0.1)
SCORES = (None, "offered", "good", "bad")
WITH_COMMENT = 4  # bit set on a rating code when the rating carries a comment
# Id space each generated ticket reserves in the account's counters.
PER_TICKET = {"comment": 2, "audit": 2, "event": 16, "rating": 1}
DAY = 86400


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))


def iso(epoch: int) -> str:
    """`2026-11-23T10:00:00Z`, with the date part cached: exports format millions of these."""
    day, second = divmod(epoch, DAY)
    hour, rest = divmod(second, 3600)
    return f"{_day(day)}{hour:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


@dataclass
class Recipe:
    """Everything a block is built from; JSON-friendly, so a dump can carry it."""

    first_id: int
    count: int
    start: int  # creation times spread over [start, end), epoch seconds
    end: int
    seed: int
    requesters: list[int]
    organizations: list[int | None]  # each requester's organization
    agents: list[int]
    group_id: int | None
    field_id: int  # the custom dropdown field holding the ticket's app
    mix: dict[str, float]  # app -> weight before `shift_at`
    shifted_mix: dict[str, float]  # app -> weight from `shift_at` on
    shift_at: int
    subjects: dict[str, list[list[str]]]  # app -> [[subject, first comment], ...]
    reply: str
    rating_comments: dict[str, list[str]]  # "good"/"bad" -> texts
    bases: dict[str, int]  # first comment, audit, event and rating id of the block


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _status(age: int, draw: float) -> int:
    """Old tickets are mostly closed, recent ones still open: a support desk's shape."""
    if age > 4 * DAY:
        return 4 if draw < 0.7 else 3
    if age > DAY:
        return 3 if draw < 0.5 else (2 if draw < 0.7 else 1)
    return 0 if draw < 0.3 else (1 if draw < 0.8 else 2)


def _rating(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.2:
        return 0
    if draw < 0.45:
        return 1
    code = 2 if draw < 0.9 else 3
    wants_comment = rng.random() < (0.7 if code == 3 else 0.3)
    return code | (WITH_COMMENT if wants_comment else 0)


class TicketBlock:
    """`count` tickets with ids from `recipe.first_id`, one array per field."""

    def __init__(self, recipe: Recipe):
        self.recipe = recipe
        self.first = recipe.first_id
        self.count = recipe.count
        self.ids = range(self.first, self.first + self.count)
        self.apps = list(recipe.mix)
        self.created, self.updated, self.requester = array("I"), array("I"), array("I")
        self.status, self.priority, self.type = array("B"), array("B"), array("B")
        self.assignee, self.app, self.subject, self.rating = (array("B") for _ in range(4))
        self._fill()

    def _fill(self) -> None:
        r = self.recipe
        rng = random.Random(r.seed)
        span = max(1, r.end - r.start)
        mixes = (
            _cumulative([r.mix[a] for a in self.apps]),
            _cumulative([r.shifted_mix.get(a, 0.0) for a in self.apps]),
        )
        priorities, types = _cumulative(PRIORITY_WEIGHTS), _cumulative(TYPE_WEIGHTS)
        people = len(r.requesters)
        for i in range(self.count):
            # Increasing with the id, as Zendesk ids grow with creation time.
            created = r.start + int((i + rng.random()) * span / self.count)
            status = _status(r.end - created, rng.random())
            app = _pick(rng, mixes[created >= r.shift_at])
            self.created.append(created)
            self.updated.append(self._updated(rng, created, status))
            # Squared draw: a few customers write often, as repeat requesters do.
            self.requester.append(int(people * rng.random() ** 2))
            self.status.append(status)
            self.priority.append(_pick(rng, priorities))
            self.type.append(_pick(rng, types))
            # int(random() * k), not randrange: a third of the seed's time at a million.
            self.assignee.append(0 if status == 0 else 1 + int(rng.random() * len(r.agents)))
            self.app.append(app)
            self.subject.append(int(rng.random() * len(r.subjects[self.apps[app]])))
            self.rating.append(_rating(rng) if status >= 3 else 0)

    def _updated(self, rng: random.Random, created: int, status: int) -> int:
        end = self.recipe.end
        if status == 0:
            return created
        if status >= 3:
            return min(end, created + 3600 + int(rng.random() * (3 * DAY - 3600)))
        return min(end, created + int(rng.random() * 6 * 3600))

    def slot(self, ticket_id: int) -> int | None:
        offset = ticket_id - self.first
        return offset if 0 <= offset < self.count else None

    def stamps(self):
        """(id, generated_timestamp) of every ticket, for the change index."""
        return zip(self.ids, self.updated, strict=True)

    def _people(self, i: int) -> tuple[int, int | None, int | None]:
        r = self.recipe
        agent = r.agents[self.assignee[i] - 1] if self.assignee[i] else None
        return r.requesters[self.requester[i]], r.organizations[self.requester[i]], agent

    def _texts(self, i: int) -> tuple[str, str, str]:
        app = self.apps[self.app[i]]
        subject, body = self.recipe.subjects[app][self.subject[i]]
        return app, subject, body

    def ticket(self, i: int) -> dict[str, Any]:
        """The stored ticket (the shape `tickets.new_ticket` makes)."""
        requester, organization, agent = self._people(i)
        app, subject, body = self._texts(i)
        return {
            "id": self.first + i,
            "external_id": None,
            "via": "web",
            "created_at": iso(self.created[i]),
            "updated_at": iso(self.updated[i]),
            "generated_timestamp": self.updated[i],
            "type": TYPES[self.type[i]],
            "subject": subject,
            "description": body,
            "priority": PRIORITIES[self.priority[i]],
            "status": STATUSES[self.status[i]],
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": agent,
            "organization_id": organization,
            "group_id": self.recipe.group_id if agent else None,
            "is_public": True,
            "due_at": None,
            # A drop-down's value is also a tag on the ticket, as in Zendesk.
            "tags": [app],
            "custom_fields": [{"id": self.recipe.field_id, "value": app}],
            "satisfaction_rating": self._ticket_rating(i),
            "ticket_form_id": DEFAULT_FORM_ID,
            "brand_id": DEFAULT_BRAND_ID,
        }

    def _ticket_rating(self, i: int) -> dict[str, Any] | None:
        """The ticket's `satisfaction_rating`: id, score and comment once rated."""
        code = self.rating[i]
        if code < 2:
            return {"score": "offered"} if code else None
        score = SCORES[code & 3]
        summary = {"id": self.recipe.bases["rating"] + i, "score": score}
        if code & WITH_COMMENT:
            texts = self.recipe.rating_comments[score]
            summary["comment"] = texts[i % len(texts)]
        return summary

    def rating_record(self, i: int) -> dict[str, Any] | None:
        """The stored satisfaction rating of ticket `i` (see `csat.py`), if any."""
        code = self.rating[i]
        if not code:
            return None
        requester, _, agent = self._people(i)
        score = SCORES[code & 3]
        rating = {"id": self.recipe.bases["rating"] + i, "ticket_id": self.first + i}
        rating["score"] = score
        if code & WITH_COMMENT:
            texts = self.recipe.rating_comments[score]
            rating["comment"] = texts[i % len(texts)]
        stamp = self.updated[i]
        rating.update(requester_id=requester, assignee_id=agent, group_id=self.recipe.group_id)
        rating.update(created_at=iso(stamp), updated_at=iso(stamp), stamp=stamp)
        return rating

    def rating_ids(self, codes: set[int], start: int, end: int) -> list[int]:
        """Ids of ratings whose code is in `codes` and time in [start, end], ascending."""
        base, updated = self.recipe.bases["rating"], self.updated
        return [
            base + i
            for i, code in enumerate(self.rating)
            if code in codes and start <= updated[i] <= end
        ]

    def comments(self, i: int) -> list[dict[str, Any]]:
        """The requester's first comment, and the agent's reply once someone took it."""
        requester, _, agent = self._people(i)
        base, audit = self.recipe.bases["comment"] + 2 * i, self.recipe.bases["audit"] + 2 * i
        first = {"id": base, "author_id": requester, "body": self._texts(i)[2], "public": True}
        first.update(created_at=iso(self.created[i]), via="web", audit_id=audit)
        if agent is None:
            return [first]
        reply = {"id": base + 1, "author_id": agent, "body": self.recipe.reply, "public": True}
        reply.update(created_at=iso(self.updated[i]), via="web", audit_id=audit + 1)
        return [first, reply]

    def audits(self, i: int) -> list[dict[str, Any]]:
        """The create audit (as the ticket was then: new, unassigned), then the agent's."""
        ticket = self.ticket(i)
        events = itertools.count(self.recipe.bases["event"] + PER_TICKET["event"] * i)
        audit = self.recipe.bases["audit"] + 2 * i
        created = {**ticket, "status": "new", "assignee_id": None, "group_id": None}
        first = {"id": audit, "created_at": ticket["created_at"], "via": "web"}
        first.update(author_id=ticket["requester_id"], comment_ids=[audit_comment(self, i, 0)])
        first["events"] = rules.create_events(created, lambda _kind: next(events))
        if ticket["assignee_id"] is None:
            return [first]
        changed = {
            name: (created[name], ticket[name])
            for name in ("status", "assignee_id", "group_id")
            if created[name] != ticket[name]
        }
        second = {"id": audit + 1, "created_at": ticket["updated_at"], "via": "web"}
        second.update(author_id=ticket["assignee_id"], comment_ids=[audit_comment(self, i, 1)])
        second["events"] = rules.change_events(changed, lambda _kind: next(events))
        return [first, second]


def audit_comment(block: TicketBlock, i: int, n: int) -> int:
    return block.recipe.bases["comment"] + 2 * i + n
