"""A small subset of Zendesk search, with its indexing lag and its 1000-result ceiling.

Supported: `type:`, `external_id:`, `requester:` (email or id), `tags:`/`tag:`, `status:`
(also `<`/`>`), `email:`, `name:`, `-` negation and free words. A record becomes
searchable `lag` seconds after it was created, as Zendesk's index trails by minutes.
"""

import re
from dataclasses import dataclass
from typing import Any

from connectors.timefmt import parse_iso
from sandbox.zendesk.errors import SearchLimitExceeded
from sandbox.zendesk.shapes import STATUSES

MAX_RESULTS = 1000
TERM = re.compile(r'(-?)(?:(\w+)([:<>]))?("[^"]*"|\S+)')
RESULT_TYPES = {"ticket": "ticket", "user": "user", "organization": "organization"}


@dataclass
class Term:
    negate: bool
    key: str | None
    op: str
    value: str


def parse(query: str) -> list[Term]:
    return [
        Term(neg == "-", key.lower() if key else None, op or ":", value.strip('"').lower())
        for neg, key, op, value in TERM.findall(query)
    ]


def _status_matches(status: str, op: str, value: str) -> bool:
    if value not in STATUSES:
        return False
    order, wanted = STATUSES.index(status), STATUSES.index(value)
    return {":": order == wanted, "<": order < wanted, ">": order > wanted}[op]


def _ticket_term(ticket: dict[str, Any], term: Term, emails: dict[int, str]) -> bool:
    if term.key == "external_id":
        return (ticket["external_id"] or "").lower() == term.value
    if term.key in ("tags", "tag"):
        return term.value in ticket["tags"]
    if term.key == "status":
        return _status_matches(ticket["status"], term.op, term.value)
    if term.key == "requester":
        requester = ticket["requester_id"]
        return term.value in (str(requester), emails.get(requester, ""))
    text = f"{ticket['subject'] or ''} {ticket['description']}".lower()
    return term.key is None and term.value in text


def _user_term(user: dict[str, Any], term: Term) -> bool:
    if term.key == "email":
        return (user["email"] or "") == term.value
    if term.key == "external_id":
        return (user["external_id"] or "").lower() == term.value
    if term.key == "name":
        return term.value in user["name"].lower()
    return term.key is None and term.value in f"{user['name']} {user['email']}".lower()


def _org_term(org: dict[str, Any], term: Term) -> bool:
    if term.key == "name":
        return term.value in org["name"].lower()
    if term.key == "external_id":
        return (org["external_id"] or "").lower() == term.value
    return term.key is None and term.value in org["name"].lower()


def _matches(kind: str, record: dict[str, Any], terms: list[Term], emails) -> bool:
    for term in terms:
        if kind == "ticket":
            hit = _ticket_term(record, term, emails)
        elif kind == "user":
            hit = _user_term(record, term)
        else:
            hit = _org_term(record, term)
        if hit == term.negate:
            return False
    return True


def run(state, query: str, now: float, lag: float) -> list[tuple[str, dict[str, Any]]]:
    """Matching (result_type, stored record) pairs, visible once indexed, in id order."""
    terms = parse(query)
    kinds = [t.value for t in terms if t.key == "type" and not t.negate] or list(RESULT_TYPES)
    terms = [t for t in terms if t.key != "type"]
    emails = {uid: user["email"] for uid, user in state.users.items() if user["email"]}
    tickets = state.tickets
    if any(t.key == "external_id" and not t.negate for t in terms):
        # Generated tickets have no external id: skip reading a million of them.
        tickets = {i: state.tickets.live[i] for i in sorted(state.tickets.live)}
    stores = {"ticket": tickets, "user": state.users, "organization": state.orgs}
    found = []
    for kind in kinds:
        for record in stores.get(kind, {}).values():
            indexed = parse_iso(record["created_at"]).timestamp() <= now - lag
            if indexed and _matches(kind, record, terms, emails):
                found.append((RESULT_TYPES[kind], record))
    return found


def window(total: int, page: int, per_page: int) -> tuple[int, int]:
    """The slice for one page; past the 1000th result Zendesk answers 422."""
    start = (page - 1) * per_page
    if start >= MAX_RESULTS:
        raise SearchLimitExceeded("Search results are limited to 1000 per query")
    return start, min(start + per_page, MAX_RESULTS, total)
