"""Zendesk incremental exports as streams of pages (ZENDESK.md §5).

Tickets and users use the cursor-based export: `start_time` only on the very first call,
then `cursor`. The last page (`end_of_stream`) still carries an `after_cursor`, which is the
cursor for the next poll. Organizations only have the time-based export, whose next
`start_time` is the previous `end_time`, inclusive, so the boundary item comes back.
CSAT ratings have no export: their list is filtered by `start_time` (ZENDESK.md §10.1).
Ticket fields are few and have no export: the whole list is read each time.
"""

from collections.abc import Iterator
from typing import Any

from connectors.paging import Page
from connectors.timefmt import format_iso, parse_iso
from connectors.zendesk import TOOL
from connectors.zendesk.client import INCREMENTAL, ZendeskClient
from connectors.zendesk.records import to_event, user_record
from momentos.errors import FatalApiError
from momentos.model import Event

PER_PAGE = 1000
RATINGS_PAGE = 100


def _stuck(path: str, cursor: Any) -> FatalApiError:
    return FatalApiError(f"GET {path} did not move past cursor {cursor!r}; stopped to avoid a loop")


def _cursor_export(
    client: ZendeskClient, resource: str, object_type: str, cursor: str | None, start_time: int
) -> Iterator[Page]:
    path = f"/api/v2/incremental/{resource}/cursor.json"
    while True:
        params: dict[str, Any] = {"per_page": PER_PAGE}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = start_time
        body = client.request_json("GET", path, family=INCREMENTAL, params=params)
        events = [to_event(object_type, item) for item in body.get(resource) or []]
        after = body.get("after_cursor") or cursor
        done = bool(body.get("end_of_stream"))
        yield Page(events, after, done)
        if done:
            return
        if after == cursor:
            raise _stuck(path, cursor)
        cursor = after


def poll_tickets(client: ZendeskClient, cursor: str | None, start_time: int) -> Iterator[Page]:
    """Tickets changed since the cursor (or since `start_time`, epoch seconds, the first time)."""
    return _cursor_export(client, "tickets", "ticket", cursor, start_time)


def poll_users(client: ZendeskClient, cursor: str | None, start_time: int) -> Iterator[Page]:
    return _cursor_export(client, "users", "user", cursor, start_time)


def poll_organizations(
    client: ZendeskClient, cursor: str | None, start_time: int
) -> Iterator[Page]:
    """Organizations by time; the cursor is the last `end_time` (epoch seconds) as text."""
    path = "/api/v2/incremental/organizations.json"
    start = int(cursor) if cursor else start_time
    previous: set[tuple[str, str]] = set()
    while True:
        params = {"start_time": start, "per_page": PER_PAGE}
        body = client.request_json("GET", path, family=INCREMENTAL, params=params)
        events = [to_event("organization", item) for item in body.get("organizations") or []]
        fresh = [event for event in events if (event.object_id, event.version) not in previous]
        end = int(body["end_time"]) if body.get("end_time") is not None else start
        done = bool(body.get("end_of_stream"))
        yield Page(fresh, str(end), done)
        if done:
            return
        if end <= start and not fresh:
            raise _stuck(path, start)
        previous = {(event.object_id, event.version) for event in events}
        start = end


def ticket_field_event(field: dict[str, Any]) -> Event:
    """A ticket field as an event: its title, type and, for a drop-down, the label of each
    value (`custom_field_options`; `system_field_options` for status, priority...)."""
    options = field.get("custom_field_options") or field.get("system_field_options") or []
    updated = format_iso(parse_iso(field.get("updated_at") or field["created_at"]))
    data = {"id": str(field["id"]), "title": field.get("title") or "", "type": field.get("type"),
            "active": field.get("active", True), "updated_at": updated,
            "options": [{"value": o["value"], "name": o.get("name") or o["value"]}
                        for o in options if o.get("value")]}  # fmt: skip
    return Event(tool=TOOL, object_type="ticket_field", object_id=data["id"], version=updated,
                 occurred_at=parse_iso(updated), data=data, raw=field)  # fmt: skip


def poll_ticket_fields(client: ZendeskClient, cursor: str | None) -> Iterator[Page]:
    """Every ticket field, each time: unpaginated, the list is complete in one response.
    Events dedupe on `updated_at`; the cursor records the newest one seen."""
    body = client.request_json("GET", "/api/v2/ticket_fields.json")
    events = [ticket_field_event(field) for field in body.get("ticket_fields") or []]
    yield Page(events, max([cursor or "", *(e.version for e in events)]) or None, True)


def rating_cursor(cursor: str | None, start_time: int) -> tuple[int, frozenset[str]]:
    """(lower bound in epoch seconds, ids already seen at that second) from `<s>:<id>,<id>`."""
    if not cursor:
        return start_time, frozenset()
    since, _, ids = cursor.partition(":")
    return int(since), frozenset(i for i in ids.split(",") if i)


def _rating_cursor_text(since: int, seen: set[str] | frozenset[str]) -> str:
    return f"{since}:{','.join(sorted(seen, key=int))}"


def poll_satisfaction_ratings(
    client: ZendeskClient, cursor: str | None, start_time: int
) -> Iterator[Page]:
    """CSAT ratings created since the newest `created_at` seen, without repeating the
    ratings of that (inclusive) second.

    Zendesk documents no order for this list, so the cursor moves only once a poll has
    read everything: a poll killed half-way reads its window again, and the natural keys
    of events drop the repeats.
    """
    since, seen = rating_cursor(cursor, start_time)
    top, at_top = since, set(seen)
    path = "/api/v2/satisfaction_ratings.json"
    params: dict[str, Any] = {"start_time": since, "page[size]": RATINGS_PAGE}
    while True:
        body = client.request_json("GET", path, params=params)
        events = []
        for item in body.get("satisfaction_ratings") or []:
            created = int(parse_iso(item["created_at"]).timestamp())
            rating_id = str(item["id"])
            if created < since or (created == since and rating_id in seen):
                continue
            events.append(to_event("satisfaction_rating", item))
            if created > top:
                top, at_top = created, {rating_id}
            elif created == top:
                at_top.add(rating_id)
        meta = body.get("meta") or {}
        after = meta.get("after_cursor") if meta.get("has_more") else None
        done = not after
        yield Page(events, _rating_cursor_text(top, at_top) if done else cursor, done)
        if done:
            return
        params = {"start_time": since, "page[size]": RATINGS_PAGE, "page[after]": after}


def get_ticket(client: ZendeskClient, ticket_id: str | int) -> dict[str, Any] | None:
    """A ticket as the API has it now (REST JSON, as the export shows it), or None if gone."""
    try:
        body = client.request_json("GET", f"/api/v2/tickets/{int(ticket_id)}.json")
    except FatalApiError as exc:
        if exc.status_code == 404:
            return None
        raise
    return body["ticket"]


def get_user(client: ZendeskClient, user_id: str | int) -> dict[str, Any] | None:
    """The canonical user record, or None when Zendesk has no such user."""
    try:
        body = client.request_json("GET", f"/api/v2/users/{int(user_id)}.json")
    except FatalApiError as exc:
        if exc.status_code == 404:
            return None
        raise
    return user_record(body["user"])
