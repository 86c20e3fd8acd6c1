"""The only module that speaks SQL: sqlite-utils over SQLite in WAL mode.

Writes run in `transaction()` (BEGIN IMMEDIATE), so that a writer waits for the lock up
front instead of failing half-way; every statement is safe to repeat (natural keys with ON
CONFLICT DO NOTHING), so a crash at any line and a re-run converge.
"""

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from connectors.timefmt import parse_iso
from momentos.migrations import migrations
from momentos.model import Action, Event

BUSY_TIMEOUT_MS = 30_000


def _ts(moment: datetime | None) -> str | None:
    """Store times as sortable UTC ISO text with microseconds."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    source: str
    event: Event


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)

    @property
    def db(self) -> Database:
        """One connection per thread: sqlite3 connections must not be shared mid-transaction."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            db = self._local.db = Database(conn)
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        db.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, list(params)))

    # Events and cursors ------------------------------------------------------------------

    def add_events(
        self,
        events: Iterable[Event],
        *,
        source: str,
        received_at: datetime,
        cursor: tuple[str, str] | None = None,
    ) -> int:
        """Store new events (a natural key already stored is skipped) and the cursor, atomically."""
        inserted = 0
        with self.transaction() as db:
            for event in events:
                cur = db.execute(
                    "INSERT INTO events (tool, object_type, object_id, version, source,"
                    " received_at, occurred_at, deleted, data, raw) VALUES (?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (tool, object_type, object_id, version) DO NOTHING",
                    [
                        event.tool,
                        event.object_type,
                        event.object_id,
                        event.version,
                        source,
                        _ts(received_at),
                        _ts(event.occurred_at),
                        int(event.deleted),
                        _json(event.data),
                        _json(event.raw),
                    ],
                )
                inserted += cur.rowcount
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

    # Records: the newest known state of each tool object -----------------------------------

    def upsert_record(self, event: Event, email: str | None, domain: str | None) -> bool:
        """Keep the newest version of a record; return True if this event was the newest."""
        cur = self.db.execute(
            "INSERT INTO records (tool, object_type, object_id, version, occurred_at, email,"
            " domain, deleted, data) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(tool, object_type, object_id) DO UPDATE SET version = excluded.version,"
            " occurred_at = excluded.occurred_at, email = excluded.email,"
            " domain = excluded.domain, deleted = excluded.deleted, data = excluded.data"
            " WHERE excluded.occurred_at >= records.occurred_at",
            [
                event.tool,
                event.object_type,
                event.object_id,
                event.version,
                _ts(event.occurred_at),
                email,
                domain,
                int(event.deleted),
                _json(event.data),
            ],
        )
        return cur.rowcount > 0

    def record(self, tool: str, object_type: str, object_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT data, deleted FROM records WHERE tool = ? AND object_type = ?"
            " AND object_id = ?",
            [tool, object_type, object_id],
        )
        return json.loads(rows[0]["data"]) if rows else None

    def records_matching(
        self,
        *,
        email: str | None = None,
        domain: str | None = None,
        object_types: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """Live records with this email or this domain, optionally of some types only."""
        column, value = ("email", email) if email else ("domain", domain)
        types = list(object_types)
        type_filter = f" AND object_type IN ({','.join('?' * len(types))})" if types else ""
        return self._rows(
            f"SELECT r.tool, r.object_type, r.object_id, r.email, r.domain, l.customer_id"
            f" FROM records r LEFT JOIN customer_links l USING (tool, object_type, object_id)"
            f" WHERE r.{column} = ? AND r.deleted = 0{type_filter} ORDER BY r.occurred_at",
            [value, *types],
        )

    # Customers -----------------------------------------------------------------------------

    def create_customer(
        self,
        *,
        name: str,
        email: str | None,
        domain: str | None,
        language: str | None,
        time_zone: str | None,
        now: datetime,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO customers (name, email, domain, language, time_zone, created_at)"
            " VALUES (?,?,?,?,?,?)",
            [name, email, domain, language, time_zone, _ts(now)],
        )
        return int(cur.lastrowid)

    def update_customer(self, customer_id: int, **values: Any) -> None:
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            sets = ", ".join(f"{column} = COALESCE({column}, ?)" for column in values)
            self.db.execute(
                f"UPDATE customers SET {sets} WHERE id = ?", [*values.values(), customer_id]
            )

    def link(
        self,
        tool: str,
        object_type: str,
        object_id: str,
        customer_id: int,
        matched_by: str,
        now: datetime,
    ) -> None:
        self.db.execute(
            "INSERT INTO customer_links (tool, object_type, object_id, customer_id, matched_by,"
            " linked_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [tool, object_type, object_id, customer_id, matched_by, _ts(now)],
        )

    def customer_of(self, tool: str, object_type: str, object_id: str) -> int | None:
        rows = self._rows(
            "SELECT customer_id FROM customer_links WHERE tool = ? AND object_type = ?"
            " AND object_id = ?",
            [tool, object_type, object_id],
        )
        return rows[0]["customer_id"] if rows else None

    def customer(self, customer_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM customers WHERE id = ?", [customer_id])
        return rows[0] if rows else None

    def customer_records(self, customer_id: int) -> list[dict[str, Any]]:
        """The live tool records linked to a customer, with their data."""
        rows = self._rows(
            "SELECT r.tool, r.object_type, r.object_id, r.data FROM customer_links l JOIN records r"
            " USING (tool, object_type, object_id) WHERE l.customer_id = ? AND r.deleted = 0"
            " ORDER BY r.occurred_at DESC",
            [customer_id],
        )
        return [{**row, "data": json.loads(row["data"])} for row in rows]

    def add_review(
        self,
        tool: str,
        object_type: str,
        object_id: str,
        reason: str,
        candidates: list[int],
        now: datetime,
    ) -> None:
        self.db.execute(
            "INSERT INTO identity_reviews (tool, object_type, object_id, reason, candidates,"
            " created_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [tool, object_type, object_id, reason, _json(candidates), _ts(now)],
        )

    def reviews(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM identity_reviews WHERE resolved_at IS NULL ORDER BY id")

    # Moments -------------------------------------------------------------------------------

    def insert_moment(
        self, moment: Any, event_id: int, customer_id: int | None, now: datetime
    ) -> bool:
        person = ":".join(moment.customer_ref) if moment.customer_ref else None
        cur = self.db.execute(
            "INSERT INTO moments (key, type, customer_id, person, occurred_at, tool,"
            " object_type, object_id, event_id, link, data, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
            [
                moment.key,
                moment.type,
                customer_id,
                person,
                _ts(moment.occurred_at),
                moment.tool,
                moment.object_type,
                moment.object_id,
                event_id,
                moment.link,
                _json(moment.data),
                _ts(now),
            ],
        )
        return cur.rowcount > 0

    def adopt_moments(self, person: str, customer_id: int) -> int:
        """Give moments that arrived before their customer was known to that customer."""
        cur = self.db.execute(
            "UPDATE moments SET customer_id = ? WHERE person = ? AND customer_id IS NULL",
            [customer_id, person],
        )
        return cur.rowcount

    def moments(
        self,
        *,
        types: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        customer_id: int | None = None,
        created_since: datetime | None = None,
    ) -> list[dict[str, Any]]:
        clauses, params = ["1 = 1"], []
        types = list(types)
        if types:
            clauses.append(f"type IN ({','.join('?' * len(types))})")
            params += types
        for clause, value in (
            ("occurred_at >= ?", since),
            ("occurred_at < ?", until),
            ("created_at >= ?", created_since),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(_ts(value))
        if customer_id is not None:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        rows = self._rows(
            f"SELECT * FROM moments WHERE {' AND '.join(clauses)} ORDER BY occurred_at, id", params
        )
        return [_decoded(row, "data") for row in rows]

    def counts(self, table: str, column: str) -> dict[str, int]:
        if (table, column) not in {("moments", "type"), ("actions", "state"), ("events", "tool")}:
            raise ValueError(f"no counts for {table}.{column}")
        rows = self._rows(f"SELECT {column} AS k, COUNT(*) AS n FROM {table} GROUP BY {column}")
        return {row["k"]: row["n"] for row in rows}

    def total(self, table: str) -> int:
        if table not in {"events", "moments", "actions", "customers"}:
            raise ValueError(f"no total for {table}")
        return self._rows(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]

    # The outbox ----------------------------------------------------------------------------

    def enqueue(self, actions: Iterable[Action], now: datetime) -> list[str]:
        """Add planned actions as `pending`; a key already in the outbox is left alone."""
        added = []
        with self.transaction() as db:
            for action in actions:
                cur = db.execute(
                    "INSERT INTO actions (key, workflow, tool, kind, customer_id, moment_key,"
                    " payload, state, not_before, next_attempt_at, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,'pending',?,?,?,?) ON CONFLICT (key) DO NOTHING",
                    [
                        action.key,
                        action.workflow,
                        action.tool,
                        action.kind,
                        action.customer_id,
                        action.moment_key,
                        _json(action.payload),
                        _ts(action.not_before),
                        _ts(action.not_before or now),
                        _ts(now),
                        _ts(now),
                    ],
                )
                if cur.rowcount:
                    added.append(action.key)
        return added

    def claim(self, now: datetime, lease: timedelta, limit: int) -> list[dict[str, Any]]:
        """Move due rows to `in_flight` with a lease, committed before any call is made."""
        with self.transaction() as db:
            rows = self._rows(
                "SELECT * FROM actions WHERE state IN ('pending', 'retry')"
                " AND next_attempt_at <= ? ORDER BY next_attempt_at, key LIMIT ?",
                [_ts(now), limit],
            )
            for row in rows:
                db.execute(
                    "UPDATE actions SET state = 'in_flight', attempts = attempts + 1,"
                    " lease_until = ?, claimed_at = ?, updated_at = ? WHERE key = ?",
                    [_ts(now + lease), _ts(now), _ts(now), row["key"]],
                )
                row.update(
                    state="in_flight",
                    attempts=row["attempts"] + 1,
                    lease_until=_ts(now + lease),
                    claimed_at=_ts(now),
                )
        return [_decoded(row, "payload") for row in rows]

    def expired_leases(self, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM actions WHERE state = 'in_flight' AND lease_until < ?"
            " ORDER BY lease_until LIMIT ?",
            [_ts(now), limit],
        )
        return [_decoded(row, "payload") for row in rows]

    def next_due(self) -> datetime | None:
        """When the outbox next needs the dispatcher: a retry or lease coming due; None when
        nothing is pending, retrying or in flight."""
        row = self._rows(
            "SELECT MIN(CASE WHEN state = 'in_flight' THEN lease_until ELSE next_attempt_at END)"
            " AS due FROM actions WHERE state IN ('pending', 'retry', 'in_flight')"
        )[0]
        return parse_iso(row["due"]) if row["due"] else None

    def settle(
        self,
        key: str,
        state: str,
        now: datetime,
        *,
        remote_id: str | None = None,
        remote_url: str | None = None,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record what happened to an in-flight action."""
        if state not in {"done", "retry", "failed", "needs_review", "pending", "dismissed"}:
            raise ValueError(f"unknown action state {state!r}")
        with self.transaction() as db:
            db.execute(
                "UPDATE actions SET state = ?, remote_id = COALESCE(?, remote_id),"
                " remote_url = COALESCE(?, remote_url), error = ?, lease_until = NULL,"
                " next_attempt_at = COALESCE(?, next_attempt_at), updated_at = ? WHERE key = ?",
                [state, remote_id, remote_url, error, _ts(next_attempt_at), _ts(now), key],
            )

    def actions(self, *, states: Iterable[str] = (), keys: Iterable[str] = ()) -> list[dict]:
        states, keys = list(states), list(keys)
        clauses, params = ["1 = 1"], []
        if states:
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            params += states
        if keys:
            clauses.append(f"key IN ({','.join('?' * len(keys))})")
            params += keys
        rows = self._rows(
            f"SELECT * FROM actions WHERE {' AND '.join(clauses)} ORDER BY created_at, key", params
        )
        return [_decoded(row, "payload") for row in rows]

    def recent_actions(self, since: datetime) -> list[dict[str, Any]]:
        """Actions for known customers created since `since` that were not abandoned."""
        return self._rows(
            "SELECT key, workflow, customer_id, created_at FROM actions WHERE created_at >= ?"
            " AND customer_id IS NOT NULL AND state NOT IN ('failed', 'dismissed')"
            " ORDER BY created_at",
            [_ts(since)],
        )

    # Workflow runs and webhook deliveries --------------------------------------------------

    def start_run(
        self, workflow: str, trigger: str, as_of: datetime, dry_run: bool, now: datetime
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO workflow_runs (workflow, trigger, as_of, dry_run, started_at)"
            " VALUES (?,?,?,?,?)",
            [workflow, trigger, _ts(as_of), int(dry_run), _ts(now)],
        )
        return int(cur.lastrowid)

    def finish_run(
        self, run_id: int, now: datetime, planned: int, enqueued: int, error: str | None = None
    ) -> None:
        self.db.execute(
            "UPDATE workflow_runs SET finished_at = ?, planned = ?, enqueued = ?, error = ?"
            " WHERE id = ?",
            [_ts(now), planned, enqueued, error, run_id],
        )

    def last_run(self, workflow: str, trigger: str | None = None) -> dict[str, Any] | None:
        clause = " AND trigger = ?" if trigger else ""
        rows = self._rows(
            f"SELECT * FROM workflow_runs WHERE workflow = ? AND dry_run = 0{clause}"
            " ORDER BY id DESC LIMIT 1",
            [workflow, trigger] if trigger else [workflow],
        )
        return rows[0] if rows else None

    def log_delivery(
        self, tool: str, now: datetime, status: int, events: int, error: str | None = None
    ) -> None:
        self.db.execute(
            "INSERT INTO webhook_deliveries (tool, received_at, status, events, error)"
            " VALUES (?,?,?,?,?)",
            [tool, _ts(now), status, events, error],
        )

    def ping(self) -> None:
        self.db.execute("SELECT 1")

    def integrity_ok(self) -> bool:
        return self._rows("PRAGMA integrity_check")[0]["integrity_check"] == "ok"


def _decoded(row: dict[str, Any], column: str) -> dict[str, Any]:
    return {**row, column: json.loads(row[column]) if row[column] else None}


def _stored_event(row: dict[str, Any]) -> StoredEvent:
    event = Event(
        tool=row["tool"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        version=row["version"],
        occurred_at=parse_iso(row["occurred_at"]),
        data=json.loads(row["data"]),
        raw=json.loads(row["raw"]) if row["raw"] else None,
        deleted=bool(row["deleted"]),
    )
    return StoredEvent(id=row["id"], source=row["source"], event=event)
