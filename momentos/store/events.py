"""Events as they arrived, the cursors that say how far each stream was read, and the log
of webhook deliveries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from connectors.timefmt import parse_iso
from momentos.model import Event
from momentos.store.base import (
    Connection,
    _fast_json,
    _loads,
    _ts,
)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    source: str
    event: Event


class Events(Connection):
    # A full version of a record: HubSpot webhook events only name a record (no properties).
    _FULL = "(tool != 'hubspot' OR json_extract(data, '$.properties') IS NOT NULL)"

    def add_events(
        self,
        events: Iterable[Event],
        *,
        source: str,
        received_at: datetime,
        cursor: tuple[str, str | None] | None = None,
    ) -> int:
        """Store new events (a natural key already stored is skipped) and the cursor, atomically:
        one `executemany` per page, JSON encoded without sorting (a poller's hot path)."""
        received = _ts(received_at)
        rows = [
            (e.tool, e.object_type, e.object_id, e.version, source, received,
             _ts(e.occurred_at), int(e.deleted), _fast_json(e.data), _fast_json(e.raw))
            for e in events
        ]  # fmt: skip
        with self.transaction() as db:
            before = db.conn.total_changes
            db.conn.executemany(
                "INSERT INTO events (tool, object_type, object_id, version, source, received_at,"
                " occurred_at, deleted, data, raw) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (tool, object_type, object_id, version) DO NOTHING",
                rows,
            )
            inserted = db.conn.total_changes - before
            if cursor is not None:
                self._set_cursor(db, cursor[0], cursor[1], received_at)
        return inserted

    def _set_cursor(self, db: Database, stream: str, value: str, now: datetime) -> None:
        db.execute(
            "INSERT INTO cursors (stream, value, updated_at) VALUES (?,?,?) ON CONFLICT(stream)"
            " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [stream, value, _ts(now)],
        )

    def cursor(self, stream: str) -> str | None:
        rows = self._rows("SELECT value FROM cursors WHERE stream = ?", [stream])
        return rows[0]["value"] if rows else None

    def cursors(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM cursors ORDER BY stream")

    def pending_events(self, limit: int = 500) -> list[StoredEvent]:
        rows = self._rows("SELECT * FROM events WHERE derived = 0 ORDER BY id LIMIT ?", [limit])
        return [_stored_event(row) for row in rows]

    def mark_derived(self, event_id: int) -> None:
        self.db.execute("UPDATE events SET derived = 1 WHERE id = ?", [event_id])

    def reset_derivations(self) -> None:
        with self.transaction() as db:
            db.execute("UPDATE events SET derived = 0")

    def log_delivery(
        self, tool: str, now: datetime, status: int, events: int, error: str | None = None
    ) -> None:
        self.db.execute(
            "INSERT INTO webhook_deliveries (tool, received_at, status, events, error)"
            " VALUES (?,?,?,?,?)",
            [tool, _ts(now), status, events, error],
        )

    def mark_deleted(self, event: Event) -> bool:
        """Mark a known record deleted, unless a newer version of it is already stored."""
        cur = self.db.execute(
            "UPDATE records SET deleted = 1, version = ?, occurred_at = ? WHERE tool = ?"
            " AND object_type = ? AND object_id = ? AND occurred_at <= ?",
            [event.version, _ts(event.occurred_at), event.tool, event.object_type,
             event.object_id, _ts(event.occurred_at)],
        )  # fmt: skip
        return cur.rowcount > 0

    def last_deliveries(self) -> list[dict[str, Any]]:
        """Per tool: the newest webhook delivery (SQLite takes its other columns from the MAX
        row) and how many were received in all."""
        return self._rows(
            "SELECT tool, MAX(received_at) AS received_at, status, events, error,"
            " COUNT(*) AS deliveries FROM webhook_deliveries GROUP BY tool ORDER BY tool"
        )

    def last_webhook_at(self, tool: str) -> str | None:
        """When the newest webhook delivery from `tool` was received, if any."""
        rows = self._rows(
            "SELECT MAX(received_at) AS at FROM webhook_deliveries WHERE tool = ?", [tool]
        )
        return rows[0]["at"]

    def version_span(self, event_id: int) -> dict[str, Any]:
        """When this version of a record was received, when the next one was (None: still the
        newest), and the previous version's data, in the order the record changed."""
        row = self._rows(
            "SELECT tool, object_type, object_id, occurred_at, received_at FROM events"
            " WHERE id = ?",
            [event_id],
        )[0]
        record = [row["tool"], row["object_type"], row["object_id"]]
        at = [row["occurred_at"], row["occurred_at"], event_id]
        previous = self._rows(
            f"SELECT data FROM events WHERE {self._SAME_RECORD} AND (occurred_at < ? OR"
            f" (occurred_at = ? AND id < ?)) AND deleted = 0 AND {self._FULL}"
            " ORDER BY occurred_at DESC, id DESC LIMIT 1",
            [*record, *at],
        )
        # A removal (deleted) ends a version even when it carries no properties.
        following = self._rows(
            f"SELECT received_at FROM events WHERE {self._SAME_RECORD} AND (occurred_at > ? OR"
            f" (occurred_at = ? AND id > ?)) AND (deleted = 1 OR {self._FULL})"
            " ORDER BY occurred_at, id LIMIT 1",
            [*record, *at],
        )
        return {
            "since": parse_iso(row["received_at"]) if row["received_at"] else None,
            "until": parse_iso(following[0]["received_at"]) if following else None,
            "previous": _loads(previous[0]["data"]) if previous else None,
        }

    def events_after(self, after_id: int, limit: int) -> list[StoredEvent]:
        """Events in the order they were stored, a batch at a time (keyset, memory-flat)."""
        rows = self._rows("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?",
                          [after_id, limit])  # fmt: skip
        return [_stored_event(row) for row in rows]

    def newest_events(self, kinds: Iterable[tuple[str, str]], after: tuple[str, str, str],
                      limit: int) -> list[StoredEvent]:  # fmt: skip
        """The event of each live record's newest version, for records of `kinds`, in
        (tool, object_type, object_id) order after `after` (keyset)."""
        names = [f"{tool}:{object_type}" for tool, object_type in kinds]
        rows = self._rows(
            "SELECT e.* FROM records r JOIN events e ON e.tool = r.tool AND"
            " e.object_type = r.object_type AND e.object_id = r.object_id AND"
            " e.version = r.version WHERE (r.tool, r.object_type, r.object_id) > (?, ?, ?)"
            f" AND r.deleted = 0 AND r.tool || ':' || r.object_type IN"
            f" ({','.join('?' * len(names))}) ORDER BY r.tool, r.object_type, r.object_id"
            " LIMIT ?",
            [*after, *names, limit],
        )
        return [_stored_event(row) for row in rows]

    def refreshed_events(self, tool: str, object_type: str, object_id: str) -> list[StoredEvent]:
        """What deriving a record again reads: the event of its newest version and those of
        the earlier versions that own its stored moments, in the order they were stored."""
        rows = self._rows(
            "SELECT * FROM events WHERE id IN (SELECT e.id FROM records r JOIN events e"
            " USING (tool, object_type, object_id, version) WHERE r.tool = ?"
            " AND r.object_type = ? AND r.object_id = ? UNION SELECT event_id FROM moments"
            f" WHERE {self._SAME_RECORD}) ORDER BY id",
            [tool, object_type, object_id] * 2,
        )
        return [_stored_event(row) for row in rows]

    def event_versions(self, tool: str, object_type: str, object_id: str) -> list[dict]:
        """Every stored version of one record's data, oldest first (derived or not yet)."""
        rows = self._rows(
            f"SELECT data FROM events WHERE {self._SAME_RECORD} ORDER BY occurred_at, id",
            [tool, object_type, object_id],
        )
        return [_loads(row["data"]) for row in rows]


def _stored_event(row: dict[str, Any]) -> StoredEvent:
    event = Event(
        tool=row["tool"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        version=row["version"],
        occurred_at=parse_iso(row["occurred_at"]),
        data=_loads(row["data"]),
        raw=_loads(row["raw"]) if row["raw"] else None,
        deleted=bool(row["deleted"]),
    )
    return StoredEvent(id=row["id"], source=row["source"], event=event)
