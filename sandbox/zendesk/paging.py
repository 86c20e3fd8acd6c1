"""Cursor pagination of list endpoints (`page[size]`, `page[after]`, `page[before]`)."""

import base64
import binascii
import bisect
import json
from dataclasses import dataclass
from typing import Any

from sandbox.zendesk.errors import ZendeskApiError

MAX_PAGE_SIZE = 100


class InvalidPage(ZendeskApiError):
    error = "InvalidPaginationParameter"


def _encode(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as exc:
        raise InvalidPage("page cursor is invalid") from exc


@dataclass
class Page:
    keys: list[Any]
    has_more: bool
    after_cursor: str | None
    before_cursor: str | None


def page_size(raw: str | None, default: int = MAX_PAGE_SIZE) -> int:
    try:
        size = int(raw) if raw is not None else default
    except ValueError as exc:
        raise InvalidPage("page[size] must be an integer") from exc
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidPage(f"page[size] must be between 1 and {MAX_PAGE_SIZE}")
    return size


def cursor_slice(keys: list[Any], size: int, after: str | None, before: str | None) -> Page:
    """A page of sorted `keys` after (or before) a cursor; bisect, so cheap on long lists."""
    if before:
        end = bisect.bisect_left(keys, _decode(before))
        start = max(0, end - size)
        page, more = keys[start:end], start > 0
    else:
        start = bisect.bisect_right(keys, _decode(after)) if after else 0
        page = keys[start : start + size]
        more = start + size < len(keys)
    if not page:
        return Page([], False, None, None)
    return Page(page, more, _encode(page[-1]), _encode(page[0]))
