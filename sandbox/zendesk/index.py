"""Ordered change positions for the incremental exports, and their opaque cursors.

Every exportable record sits at `(timestamp, id)`; an update moves it to the end. The
positions are packed into one sorted `array("Q")` (timestamp in the high 32 bits, the id's
offset from the first id in the low 32), about 16 bytes a record against ~150 for tuples in
a list plus a dict, so a million tickets cost 16 MB and a page is a bisect and a slice.
"""

import base64
import binascii
import bisect
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from sandbox.zendesk.errors import ZendeskApiError

Position = tuple[int, int]
# Zendesk withholds the most recent minute, so a cursor never passes a second that can still
# receive changes; the sandbox does the same.
QUIET_SECONDS = 60
LOW_BITS = 32
LOW_MASK = (1 << LOW_BITS) - 1
ABSENT = -1


class InvalidCursor(ZendeskApiError):
    error = "InvalidPaginationParameter"


class ChangeIndex:
    """Record ids ordered by (timestamp, id); ids are dense from `first_id` (ours are)."""

    def __init__(self, first_id: int = 0) -> None:
        self._first = first_id
        self._keys = array("Q")
        self._stamp = array("q")  # by id offset; ABSENT where no record

    def _offset(self, record_id: int) -> int:
        offset = record_id - self._first
        if not 0 <= offset <= LOW_MASK:
            raise ValueError(f"id {record_id} is outside this index's range")
        return offset

    def _key(self, position: Position) -> int:
        """The packed key of a position; ids below the range sort before the whole second."""
        stamp, record_id = position
        offset = min(max(record_id - self._first, -1), LOW_MASK)
        return (stamp << LOW_BITS) + offset

    def _position(self, key: int) -> Position:
        return key >> LOW_BITS, (key & LOW_MASK) + self._first

    def put(self, record_id: int, timestamp: int) -> None:
        offset = self._offset(record_id)
        if offset >= len(self._stamp):
            self._stamp.extend([ABSENT] * (offset + 1 - len(self._stamp)))
        old = self._stamp[offset]
        if old != ABSENT:
            del self._keys[bisect.bisect_left(self._keys, (old << LOW_BITS) | offset)]
        bisect.insort(self._keys, (timestamp << LOW_BITS) | offset)
        self._stamp[offset] = timestamp

    def rebuild(self, stamps: Iterable[tuple[int, int]]) -> None:
        """Replace the index with (id, timestamp) pairs, sorted once."""
        # Packed keys only, no tuples: a million records peak at tens of megabytes.
        self._stamp = array("q")
        keys = []
        for record_id, stamp in stamps:
            offset = self._offset(record_id)
            if offset >= len(self._stamp):
                self._stamp.extend([ABSENT] * (offset + 1 - len(self._stamp)))
            self._stamp[offset] = stamp
            keys.append((stamp << LOW_BITS) | offset)
        keys.sort()
        self._keys = array("Q", keys)

    def after(self, position: Position, limit: int, cutoff: int) -> tuple[list[Position], bool]:
        """Up to `limit` positions after `position` stamped before `cutoff`; more waiting?"""
        start = bisect.bisect_right(self._keys, self._key(position))
        bound = cutoff << LOW_BITS
        page = [key for key in self._keys[start : start + limit] if key < bound]
        following = start + len(page)
        more = following < len(self._keys) and self._keys[following] < bound
        return [self._position(key) for key in page], more

    def since(self, start_time: int, limit: int, cutoff: int) -> tuple[list[Position], bool]:
        """Time-based page: stamps >= start_time; never splits a second across pages."""
        keys = self._keys
        start = bisect.bisect_left(keys, start_time << LOW_BITS)
        stop = start
        while stop < len(keys) and keys[stop] >> LOW_BITS < cutoff:
            if stop - start >= limit and keys[stop] >> LOW_BITS != keys[stop - 1] >> LOW_BITS:
                break
            stop += 1
        more = stop < len(keys) and keys[stop] >> LOW_BITS < cutoff
        return [self._position(key) for key in keys[start:stop]], more


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
