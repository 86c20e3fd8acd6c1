"""Incremental exports, ticket lists and search pages, as response bodies."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from sandbox.zendesk import search
from sandbox.zendesk.errors import ZendeskApiError
from sandbox.zendesk.index import (
    QUIET_SECONDS,
    ChangeIndex,
    cursor_page,
    decode_cursor,
    time_page,
)
from sandbox.zendesk.paging import cursor_slice
from sandbox.zendesk.shapes import api_url, render_organization, render_ticket, render_user

MAX_EXPORT_PAGE = 1000
MAX_OFFSET_RECORDS = 10000


class TooRecentStart(ZendeskApiError):
    status = 422


def _url(state, path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{api_url(state.base, path)}?{query}"


def export_size(raw: str | None) -> int:
    """`per_page` of an export: default and maximum 1000."""
    try:
        size = int(raw) if raw is not None else MAX_EXPORT_PAGE
    except ValueError as exc:
        raise ZendeskApiError("per_page must be an integer") from exc
    return max(1, min(size, MAX_EXPORT_PAGE))


def start_time(raw: str | None, now: int) -> int:
    """A valid `start_time`: required, and at least a minute old."""
    if raw is None:
        raise ZendeskApiError("start_time or cursor is required")
    try:
        value = int(float(raw))
    except ValueError as exc:
        raise ZendeskApiError("start_time must be a Unix timestamp in seconds") from exc
    if value > now - QUIET_SECONDS:
        raise TooRecentStart("Too recent start_time. Use a start_time older than 1 minute")
    return value


def _cursor_export(state, kind: str, index: ChangeIndex, render, args: dict[str, str]):
    now = int(state.now().timestamp())
    size = export_size(args.get("per_page"))
    per_page = args.get("per_page")
    if args.get("cursor"):
        position, first = decode_cursor(args["cursor"]), False
    else:
        position, first = (start_time(args.get("start_time"), now), 0), True
    page = cursor_page(index, position, size, now, first)
    path = f"incremental/{kind}/cursor.json"
    before = page.before_cursor
    return {
        kind: [render(i) for i in page.ids],
        "after_url": _url(state, path, cursor=page.after_cursor, per_page=per_page),
        "after_cursor": page.after_cursor,
        "before_url": _url(state, path, cursor=before, per_page=per_page) if before else None,
        "before_cursor": before,
        "end_of_stream": page.end_of_stream,
    }


def tickets_cursor(state, args: dict[str, str]) -> dict[str, Any]:
    return _cursor_export(
        state,
        "tickets",
        state.ticket_index,
        lambda i: render_ticket(state.tickets[i], state.base),
        args,
    )


def users_cursor(state, args: dict[str, str]) -> dict[str, Any]:
    return _cursor_export(
        state, "users", state.user_index, lambda i: render_user(state.users[i], state.base), args
    )


def organizations_by_time(state, args: dict[str, str]) -> dict[str, Any]:
    """Time-based: `next_page` is set even on the last page; stop on `end_of_stream`."""
    now = int(state.now().timestamp())
    page = time_page(
        state.org_index,
        start_time(args.get("start_time"), now),
        export_size(args.get("per_page")),
        now,
    )
    return {
        "organizations": [render_organization(state.orgs[i], state.base) for i in page.ids],
        "count": len(page.ids),
        "end_time": page.end_time,
        "next_page": _url(
            state,
            "incremental/organizations.json",
            start_time=page.end_time,
            per_page=args.get("per_page"),
        ),
        "end_of_stream": page.end_of_stream,
    }


def list_tickets(state, args: dict[str, str], size: int | None) -> dict[str, Any]:
    """`GET /tickets`: cursor pagination with `page[size]`, else offset pagination."""

    def render(ticket_id: int) -> dict[str, Any]:
        return render_ticket(state.tickets[ticket_id], state.base)

    ids = state.tickets.ids
    if size is not None:
        return cursor_listing(state, "tickets", ids, render, "tickets.json", args, size)
    return offset_listing(state, "tickets", ids, render, "tickets.json", args)


def offset_listing(
    state, key: str, ids: Sequence, render, path: str, args: dict[str, str], **params: Any
) -> dict[str, Any]:
    """An offset page (`page`, `per_page`) over ascending `ids`, with `count`."""
    number, per_page = _page_numbers(args)
    if number * per_page > MAX_OFFSET_RECORDS:
        # Since 2024 offset pagination stops at 10,000 records (100 pages).
        raise ZendeskApiError(
            "Offset pagination is limited to the first 10000 records; use cursor pagination"
        )
    start = (number - 1) * per_page
    more = start + per_page < len(ids)
    return {
        key: [render(i) for i in ids[start : start + per_page]],
        **_offset_links(state, path, number, per_page, more, **params),
        "count": len(ids),
    }


def cursor_listing(
    state,
    key: str,
    ids: Sequence,
    render,
    path: str,
    args: dict[str, str],
    size: int,
    **params: Any,
) -> dict[str, Any]:
    """A cursor-paginated list (`meta`, `links`) over ascending `ids`; only the page renders.

    `params` (the list's filters) are repeated in the links.
    """
    page = cursor_slice(ids, size, args.get("page[after]"), args.get("page[before]"))
    after = {**params, "page[size]": size, "page[after]": page.after_cursor}
    before = {**params, "page[size]": size, "page[before]": page.before_cursor}
    return {
        key: [render(i) for i in page.keys],
        "meta": {
            "has_more": page.has_more,
            "after_cursor": page.after_cursor,
            "before_cursor": page.before_cursor,
        },
        "links": {
            "next": _url(state, path, **after) if page.after_cursor else None,
            "prev": _url(state, path, **before) if page.before_cursor else None,
        },
    }


def _page_numbers(args: dict[str, str]) -> tuple[int, int]:
    """Offset pagination's `page` (from 1) and `per_page` (at most 100)."""
    try:
        number, per_page = int(args.get("page", 1)), int(args.get("per_page", 100))
    except ValueError as exc:
        raise ZendeskApiError("page and per_page must be integers") from exc
    if number < 1 or not 1 <= per_page <= 100:
        raise ZendeskApiError("page must be >= 1 and per_page 1..100")
    return number, per_page


def _offset_links(state, path: str, number: int, per_page: int, more: bool, **params: Any):
    def link(page: int) -> str:
        return _url(state, path, **params, page=page, per_page=per_page)

    return {
        "next_page": link(number + 1) if more else None,
        "previous_page": link(number - 1) if number > 1 else None,
    }


RENDERERS = {"ticket": render_ticket, "user": render_user, "organization": render_organization}


def search_page(state, args: dict[str, str]) -> dict[str, Any]:
    """`GET /search`: offset pages over at most 1000 results; `count` is the true total."""
    query = args.get("query") or ""
    number, per_page = _page_numbers(args)
    lag = state.settings.zendesk_search_lag_seconds
    found = search.run(state, query, state.now().timestamp(), lag)
    if args.get("sort_by") in ("created_at", "updated_at"):
        descending = args.get("sort_order", "desc") == "desc"
        found.sort(key=lambda pair: pair[1][args["sort_by"]], reverse=descending)
    start, stop = search.window(len(found), number, per_page)
    results = [
        {**RENDERERS[kind](record, state.base), "result_type": kind}
        for kind, record in found[start:stop]
    ]
    more = stop < min(len(found), search.MAX_RESULTS)
    return {
        "results": results,
        "facets": None,
        **_offset_links(state, "search.json", number, per_page, more, query=query),
        "count": len(found),
    }
