"""Ordered change positions for the incremental exports, and their opaque cursors.

Every exportable record sits at `(timestamp, id)`; an update moves it to the end. The list
stays sorted, so a page costs a bisect and a slice, never a sort of the whole store,
which keeps exports cheap at a million tickets.
"""

import base64
import binascii
import bisect
from dataclasses import dataclass

from sandbox.zendesk.errors import ZendeskApiError

Position = tuple[int, int]
# Zendesk withholds the most recent minute, so a cursor never passes a second that can still
# receive changes; the sandbox does the same.
QUIET_SECONDS = 60


class InvalidCursor(ZendeskApiError):
    error = "InvalidPaginationParameter"


class ChangeIndex:
    """Record ids ordered by (timestamp, id)."""

    def __init__(self) -> None:
        self._keys: list[Position] = []
        self._stamp: dict[int, int] = {}

    def put(self, record_id: int, timestamp: int) -> None:
        old = self._stamp.get(record_id)
        if old is not None:
            del self._keys[bisect.bisect_left(self._keys, (old, record_id))]
        bisect.insort(self._keys, (timestamp, record_id))
        self._stamp[record_id] = timestamp

    def rebuild(self, stamps: dict[int, int]) -> None:
        self._stamp = dict(stamps)
        self._keys = sorted((ts, rid) for rid, ts in stamps.items())

    def after(self, position: Position, limit: int, cutoff: int) -> tuple[list[Position], bool]:
        """Up to `limit` positions after `position` stamped before `cutoff`; more waiting?"""
        start = bisect.bisect_right(self._keys, position)
        page = [key for key in self._keys[start : start + limit] if key[0] < cutoff]
        following = start + len(page)
        more = following < len(self._keys) and self._keys[following][0] < cutoff
        return page, more

    def since(self, start_time: int, limit: int, cutoff: int) -> tuple[list[Position], bool]:
        """Time-based page: stamps >= start_time; never splits a second across pages."""
        start = bisect.bisect_left(self._keys, (start_time, 0))
        stop = start
        while stop < len(self._keys) and self._keys[stop][0] < cutoff:
            if stop - start >= limit and self._keys[stop][0] != self._keys[stop - 1][0]:
                break
            stop += 1
        more = stop < len(self._keys) and self._keys[stop][0] < cutoff
        return self._keys[start:stop], more


def encode_cursor(position: Position) -> str:
    # Same layout as the cursors Zendesk shows ("<ts>.0||<id>|"); clients must not parse it.
    text = f"{position[0]}.0||{position[1]}|"
    return base64.b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> Position:
    try:
        stamp, _, rest = base64.b64decode(cursor, validate=True).decode().partition("||")
        return int(float(stamp)), int(rest.rstrip("|"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("cursor is invalid") from exc


@dataclass
class CursorPage:
    ids: list[int]
    after_cursor: str
    before_cursor: str | None
    end_of_stream: bool


def cursor_page(
    index: ChangeIndex, position: Position, per_page: int, now: int, first: bool
) -> CursorPage:
    """One page of a cursor-based export; the after cursor survives the end of the stream."""
    keys, more = index.after(position, per_page, now - QUIET_SECONDS + 1)
    after = encode_cursor(keys[-1] if keys else position)
    before = None if first or not keys else encode_cursor(position)
    return CursorPage([rid for _, rid in keys], after, before, not more)


@dataclass
class TimePage:
    ids: list[int]
    end_time: int
    end_of_stream: bool


def time_page(index: ChangeIndex, start_time: int, per_page: int, now: int) -> TimePage:
    """One page of a time-based export; the next starts at `end_time`, repeating its second."""
    keys, more = index.since(start_time, per_page, now - QUIET_SECONDS + 1)
    end_time = keys[-1][0] if keys else start_time
    return TimePage([rid for _, rid in keys], end_time, not more)
