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

import orjson
from sqlite_utils import Database

from connectors.timefmt import parse_iso
from momentos.migrations import migrations, request_filter
from momentos.model import Action, Event

BUSY_TIMEOUT_MS = 30_000
SQLITE_MIN_INT, SQLITE_MAX_INT = -(2**63), 2**63 - 1


def _ts(moment: datetime | None) -> str | None:
    """Store times as sortable UTC ISO text with microseconds."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _hour(moment: datetime) -> str:
    """The UTC hour of a time, as the request rollups key it: '2026-11-23T09'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


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
        if not SQLITE_MIN_INT <= customer_id <= SQLITE_MAX_INT:
            return None  # no such row, and SQLite cannot even be asked (issue #12: a 500)
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
        self, moment: Any, event_id: int | None, customer_id: int | None, now: datetime
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

    def move_action(self, key: str, from_states: tuple[str, ...], to_state: str,
                    now: datetime) -> bool:  # fmt: skip
        """An admin's decision on one action (retry or dismiss); False if not in `from_states`."""
        with self.transaction() as db:
            cur = db.execute(
                f"UPDATE actions SET state = ?, next_attempt_at = ?, updated_at = ?"
                f" WHERE key = ? AND state IN ({','.join('?' * len(from_states))})",
                [to_state, _ts(now), _ts(now), key, *from_states],
            )
        return cur.rowcount > 0

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

    # Connectors: pages of events in bulk, removals, encrypted secrets (issue #5) ----------

    def mark_deleted(self, event: Event) -> bool:
        """Mark a known record deleted, unless a newer version of it is already stored."""
        cur = self.db.execute(
            "UPDATE records SET deleted = 1, version = ?, occurred_at = ? WHERE tool = ?"
            " AND object_type = ? AND object_id = ? AND occurred_at <= ?",
            [event.version, _ts(event.occurred_at), event.tool, event.object_type,
             event.object_id, _ts(event.occurred_at)],
        )  # fmt: skip
        return cur.rowcount > 0

    def relink(self, tool: str, object_type: str, object_id: str, customer_id: int,
               matched_by: str, now: datetime) -> None:  # fmt: skip
        """Point a record at a customer, replacing any earlier link (a merge in the tool)."""
        self.db.execute(
            "INSERT INTO customer_links (tool, object_type, object_id, customer_id, matched_by,"
            " linked_at) VALUES (?,?,?,?,?,?) ON CONFLICT (tool, object_type, object_id)"
            " DO UPDATE SET customer_id = excluded.customer_id,"
            " matched_by = excluded.matched_by, linked_at = excluded.linked_at",
            [tool, object_type, object_id, customer_id, matched_by, _ts(now)],
        )

    def put_secret(self, name: str, token: str, now: datetime) -> None:
        """Keep an encrypted secret (`token` is ciphertext; plain text never reaches SQL)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO secrets (name, token, updated_at) VALUES (?,?,?) ON CONFLICT (name)"
                " DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at",
                [name, token, _ts(now)],
            )

    def secret_token(self, name: str) -> str | None:
        rows = self._rows("SELECT token FROM secrets WHERE name = ?", [name])
        return rows[0]["token"] if rows else None

    @contextmanager
    def bulk_loading(self, checkpoint_pages: int = 10_000) -> Iterator[None]:
        """Fewer, larger WAL checkpoints on this thread's connection while a backfill
        writes: each checkpoint syncs to disk, and the default (1,000 pages) comes every
        other page of events. Durability per commit is unchanged."""
        self.db.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        try:
            yield
        finally:
            self.db.execute("PRAGMA wal_autocheckpoint = 1000")

    # Reads for the admin UI and its JSON API (issue #10) ----------------------------------

    def counts_since(self, table: str, column: str, since: datetime) -> dict[str, int]:
        """`counts` from `since` on: moments by when they happened, actions by when planned."""
        when = {("moments", "type"): "occurred_at", ("actions", "state"): "created_at"}
        if (table, column) not in when:
            raise ValueError(f"no counts for {table}.{column}")
        rows = self._rows(
            f"SELECT {column} AS k, COUNT(*) AS n FROM {table} WHERE {when[table, column]} >= ?"
            f" GROUP BY {column} ORDER BY n DESC, k",
            [_ts(since)],
        )
        return {row["k"]: row["n"] for row in rows}

    def last_deliveries(self) -> list[dict[str, Any]]:
        """Per tool: the newest webhook delivery (SQLite takes its other columns from the MAX
        row) and how many were received in all."""
        return self._rows(
            "SELECT tool, MAX(received_at) AS received_at, status, events, error,"
            " COUNT(*) AS deliveries FROM webhook_deliveries GROUP BY tool ORDER BY tool"
        )

    def find_customers(self, text: str, limit: int) -> list[dict[str, Any]]:
        """Customers whose name, email or domain, or a linked record's email or domain,
        contains `text`; every customer when it is empty."""
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        match = " LIKE ? ESCAPE '\\'"
        return self._rows(
            f"SELECT c.*, (SELECT COUNT(*) FROM moments m WHERE m.customer_id = c.id) AS moments"
            f" FROM customers c WHERE c.name{match} OR c.email{match} OR c.domain{match}"
            f" OR c.id IN (SELECT l.customer_id FROM customer_links l JOIN records r"
            f" USING (tool, object_type, object_id) WHERE r.email{match} OR r.domain{match})"
            f" ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?",
            [like] * 5 + [limit],
        )

    def customer_actions(self, customer_id: int) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM actions WHERE customer_id = ? ORDER BY created_at, key", [customer_id]
        )
        return [_decoded(row, "payload") for row in rows]

    def actions_page(
        self, states: Iterable[str], offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the outbox, newest first, and how many actions match in all."""
        states = list(states)
        where = f"WHERE state IN ({','.join('?' * len(states))})" if states else ""
        rows = self._rows(
            f"SELECT * FROM actions {where} ORDER BY created_at DESC, key LIMIT ? OFFSET ?",
            [*states, limit, offset],
        )
        total = self._rows(f"SELECT COUNT(*) AS n FROM actions {where}", states)[0]["n"]
        return [_decoded(row, "payload") for row in rows], total

    def failed_runs(self, limit: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM workflow_runs WHERE error IS NOT NULL ORDER BY id DESC LIMIT ?", [limit]
        )

    def secret_stored_at(self, name: str) -> str | None:
        """When a secret was stored (its value never leaves `secret_token`)."""
        rows = self._rows("SELECT updated_at FROM secrets WHERE name = ?", [name])
        return rows[0]["updated_at"] if rows else None

    def names(self, tool: str, object_type: str) -> dict[str, str]:
        """Each object's newest name (else email) from its events: owners have no record."""
        rows = self._rows(
            "SELECT object_id, COALESCE(json_extract(data, '$.name'), json_extract(data,"
            " '$.email')) AS name FROM events WHERE tool = ? AND object_type = ?"
            " ORDER BY occurred_at, id",
            [tool, object_type],
        )
        return {row["object_id"]: row["name"] for row in rows if row["name"]}

    # Health and metrics (issue #11): indexed reads only, so /healthz and /metrics stay fast

    def pending_migrations(self) -> list[str]:
        """Migrations this code knows that the store has not applied (a restored old file)."""
        return [migration.name for migration in migrations.pending(self.db)]

    def overdue_actions(self, before: datetime) -> tuple[int, str | None]:
        """How many pending or retrying actions were due before `before`, and the oldest due
        time (the (state, next_attempt_at) index answers it)."""
        row = self._rows(
            "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM actions"
            " WHERE state IN ('pending', 'retry') AND next_attempt_at < ?",
            [_ts(before)],
        )[0]
        return row["n"], row["oldest"]

    def last_webhook_at(self, tool: str) -> str | None:
        """When the newest webhook delivery from `tool` was received, if any."""
        rows = self._rows(
            "SELECT MAX(received_at) AS at FROM webhook_deliveries WHERE tool = ?", [tool]
        )
        return rows[0]["at"]

    # Moments: record versions, related records, renormalize, timeline (issue #6) ----------

    # A full version of a record: HubSpot webhook events only name a record (no properties).
    _FULL = "(tool != 'hubspot' OR json_extract(data, '$.properties') IS NOT NULL)"
    _SAME_RECORD = "tool = ? AND object_type = ? AND object_id = ?"

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
            "previous": json.loads(previous[0]["data"]) if previous else None,
        }

    def customer_time_zone(self, tool: str, object_type: str, object_id: str) -> str | None:
        rows = self._rows(
            "SELECT c.time_zone FROM customer_links l JOIN customers c ON c.id = l.customer_id"
            " WHERE l.tool = ? AND l.object_type = ? AND l.object_id = ?",
            [tool, object_type, object_id],
        )
        return rows[0]["time_zone"] if rows else None

    def company_records(
        self, tool: str, object_type: str, company_id: str, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The newest live records of a type associated with a company (`company_ids`)."""
        rows = self._rows(
            "SELECT r.data FROM records r, json_each(r.data, '$.company_ids') c"
            " WHERE r.tool = ? AND r.object_type = ? AND c.value = ? AND r.deleted = 0"
            " ORDER BY r.occurred_at DESC LIMIT ?",
            [tool, object_type, company_id, limit],
        )
        return [json.loads(row["data"]) for row in rows]

    def withdraw_moments(
        self, tool: str, object_type: str, object_id: str, types: Iterable[str],
        after: datetime, keep: set[str],
    ) -> list[str]:  # fmt: skip
        """Delete a record's moments of `types` dated after `after` that are not in `keep`:
        predictions a newer version of the record no longer makes."""
        types = list(types)
        rows = self._rows(
            f"SELECT key FROM moments WHERE {self._SAME_RECORD} AND occurred_at > ?"
            f" AND type IN ({','.join('?' * len(types))})",
            [tool, object_type, object_id, _ts(after), *types],
        )
        gone = [row["key"] for row in rows if row["key"] not in keep]
        for key in gone:
            self.db.execute("DELETE FROM moments WHERE key = ?", [key])
        return gone

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

    _MOMENT_COLUMNS = ("key", "type", "customer_id", "person", "occurred_at", "tool",
                       "object_type", "object_id", "event_id", "link", "data")  # fmt: skip

    def stage_begin(self) -> None:
        """A scratch table (this connection only) for moments derived again from scratch."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_moments (key TEXT PRIMARY KEY, type TEXT,"
            " customer_id INTEGER, person TEXT, occurred_at TEXT, tool TEXT, object_type TEXT,"
            " object_id TEXT, event_id INTEGER, link TEXT, data TEXT)"
        )
        self.db.execute("DELETE FROM staged_moments")

    def stage_moment(self, moment: Any, event_id: int, customer_id: int | None) -> None:
        """The first event (in stored order) that yields a key keeps it, as in derive."""
        person = ":".join(moment.customer_ref) if moment.customer_ref else None
        self.db.execute(
            f"INSERT INTO staged_moments ({', '.join(self._MOMENT_COLUMNS)})"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
            [moment.key, moment.type, customer_id, person, _ts(moment.occurred_at), moment.tool,
             moment.object_type, moment.object_id, event_id, moment.link, _json(moment.data)],
        )  # fmt: skip

    def _differs(self) -> str:
        return " OR ".join(f"m.{c} IS NOT s.{c}" for c in self._MOMENT_COLUMNS[1:])

    def staged_changes(self, types: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Staged against stored moments of `types`: added, removed and changed (key, type)."""
        types = list(types)
        among = f"m.type IN ({','.join('?' * len(types))})"
        return {
            "added": self._rows(
                "SELECT s.key, s.type FROM staged_moments s LEFT JOIN moments m USING (key)"
                " WHERE m.key IS NULL ORDER BY s.key"
            ),
            "removed": self._rows(
                f"SELECT m.key, m.type FROM moments m LEFT JOIN staged_moments s USING (key)"
                f" WHERE s.key IS NULL AND {among} ORDER BY m.key",
                types,
            ),
            "changed": self._rows(
                f"SELECT m.key, m.type FROM moments m JOIN staged_moments s USING (key)"
                f" WHERE {self._differs()} ORDER BY m.key"
            ),
        }

    def apply_staged(self, types: Iterable[str], now: datetime) -> None:
        """Make the stored moments of `types` exactly the staged ones; keys already stored
        keep their row id and creation time."""
        types, columns = list(types), ", ".join(self._MOMENT_COLUMNS)
        self.db.execute(
            f"DELETE FROM moments WHERE type IN ({','.join('?' * len(types))})"
            " AND key NOT IN (SELECT key FROM staged_moments)",
            types,
        )
        sets = ", ".join(f"{c} = s.{c}" for c in self._MOMENT_COLUMNS[1:])
        self.db.execute(
            f"UPDATE moments AS m SET {sets} FROM staged_moments AS s"
            f" WHERE m.key = s.key AND ({self._differs()})"
        )
        self.db.execute(
            f"INSERT INTO moments ({columns}, created_at) SELECT {columns}, ? FROM staged_moments"
            " WHERE key NOT IN (SELECT key FROM moments)",
            [_ts(now)],
        )

    def stage_end(self) -> None:
        self.db.execute("DROP TABLE IF EXISTS staged_moments")

    def timeline(self, customer_id: int) -> list[dict[str, Any]]:
        """A customer's moments in order, each row once per linked action (or once, with
        null action columns, when nothing was planned for it)."""
        rows = self._rows(
            "SELECT m.key, m.type, m.occurred_at, m.tool, m.object_type, m.object_id,"
            " m.event_id, m.link, m.person, m.data, a.key AS action_key, a.workflow,"
            " a.tool AS action_tool, a.kind AS action_kind, a.state AS action_state,"
            " a.remote_url AS action_url, a.updated_at AS action_updated_at"
            " FROM moments m LEFT JOIN actions a ON a.moment_key = m.key"
            " WHERE m.customer_id = ? ORDER BY m.occurred_at, m.id, a.created_at, a.key",
            [customer_id],
        )
        return [_decoded(row, "data") for row in rows]

    def workflow_customers(self, workflow: str, since: datetime) -> set[int]:
        """Customers a workflow planned an action for since `since`, abandoned ones aside."""
        rows = self._rows(
            "SELECT DISTINCT customer_id FROM actions WHERE workflow = ? AND created_at >= ?"
            " AND customer_id IS NOT NULL AND state NOT IN ('failed', 'dismissed')",
            [workflow, _ts(since)],
        )
        return {row["customer_id"] for row in rows}

    def live_record(self, tool: str, object_type: str, object_id: str) -> dict[str, Any] | None:
        """The newest stored version of a record, or None if unknown or deleted."""
        rows = self._rows(
            "SELECT data FROM records WHERE tool = ? AND object_type = ? AND object_id = ?"
            " AND deleted = 0",
            [tool, object_type, object_id],
        )
        return json.loads(rows[0]["data"]) if rows else None

    # Surveys (issue #9): a survey's answer versions, and the wins feed ---------------------

    def event_versions(self, tool: str, object_type: str, object_id: str) -> list[dict]:
        """Every stored version of one record's data, oldest first (derived or not yet)."""
        rows = self._rows(
            f"SELECT data FROM events WHERE {self._SAME_RECORD} ORDER BY occurred_at, id",
            [tool, object_type, object_id],
        )
        return [json.loads(row["data"]) for row in rows]

    # A happy answer, judged on its newest version: a changed answer counts as it ended.
    _POSITIVE = (
        "CASE WHEN r.data IS NULL THEN json_extract(m.data, '$.sentiment') = 'positive'"
        " WHEN m.tool = 'zendesk' THEN json_extract(r.data, '$.score') = 'good'"
        " ELSE json_extract(r.data, '$.sentiment') = 'positive' END"
    )

    def wins(self, limit: int) -> list[dict[str, Any]]:
        """Happy survey answers and CSAT ratings, newest first: who, their words, the ticket
        and (when Zendesk says) the agent, for the UI's wins feed."""
        rows = self._rows(
            "SELECT m.key, m.occurred_at, m.link, m.tool, m.customer_id, c.name AS customer,"
            " COALESCE(r.data, m.data) AS answer, t.data AS ticket, a.data AS agent"
            " FROM moments m LEFT JOIN customers c ON c.id = m.customer_id"
            " LEFT JOIN records r ON r.tool = m.tool AND r.object_type = m.object_type"
            " AND r.object_id = m.object_id"
            " LEFT JOIN records t ON t.tool = 'zendesk' AND t.object_type = 'ticket'"
            " AND t.object_id = json_extract(m.data, '$.ticket_id')"
            " LEFT JOIN records a ON a.tool = 'zendesk' AND a.object_type = 'user' AND"
            " a.object_id = COALESCE(json_extract(r.data, '$.assignee_id'),"
            " json_extract(t.data, '$.assignee_id'))"
            f" WHERE m.type = 'survey_answered' AND {self._POSITIVE}"
            " ORDER BY m.occurred_at DESC, m.id DESC LIMIT ?",
            [limit],
        )
        return [_win(row) for row in rows]

    # Insights (issue #10): rollups the m005 triggers keep, and ranges of moments ---------

    def request_counts(self, since: datetime, until: datetime) -> Iterator[tuple]:
        """(UTC hour 'YYYY-MM-DDTHH', dimension, value, requests) for [since, until), streamed."""
        return self.db.execute(
            "SELECT hour, dimension, value, requests FROM request_counts"
            " WHERE hour >= ? AND hour < ?",
            [_hour(since), _hour(until + timedelta(minutes=59, seconds=59))],
        )

    def requests_with(self, dimension: str, value: str, since: datetime, until: datetime,
                      examples: int) -> dict[str, Any]:  # fmt: skip
        """Requests carrying a dimension's value in [since, until): how many, from how many
        customers (a person when the customer is not known yet), and the newest few."""
        matches, params = request_filter(dimension, value)
        where = (f"m.type = 'support_request' AND m.occurred_at >= ? AND m.occurred_at < ?"
                 f" AND {matches}")  # fmt: skip
        params = [_ts(since), _ts(until), *params]
        counts = self._rows(
            "SELECT COUNT(*) AS requests, COUNT(DISTINCT COALESCE(CAST(m.customer_id AS TEXT),"
            f" m.person)) AS customers FROM moments m WHERE {where}",
            params,
        )[0]
        newest = self._rows(
            f"SELECT m.key, m.link, m.occurred_at, json_extract(m.data, '$.subject') AS subject"
            f" FROM moments m WHERE {where} ORDER BY m.occurred_at DESC, m.id DESC LIMIT ?",
            [*params, examples],
        )
        return {**counts, "examples": newest}

    # Each answer's journey stage: the customer's latest other moment in the 30 days before.
    _STAGE = (
        "COALESCE((SELECT p.type FROM moments p WHERE p.customer_id = a.customer_id"
        " AND p.occurred_at < a.occurred_at AND p.occurred_at >= a.lookback"
        " AND p.type != 'survey_answered' AND NOT (p.tool = 'zendesk' AND"
        " p.object_type = 'ticket' AND p.object_id IS a.ticket)"
        " ORDER BY p.occurred_at DESC LIMIT 1), 'none')"
    )

    def answer_counts(self, since: datetime, until: datetime, offset: str) -> list[dict]:
        """Survey answers in [since, until) counted by local month (`offset` from UTC, such
        as '+60 minutes'), scale and sentiment, three ways (`by`): `all`; `type`, under each
        type of the rated ticket's moments; `stage`, under the customer's latest other
        moment type. One statement: each answer's JSON is read once."""
        group = "a.month, a.scale, a.sentiment"
        return self._rows(
            "WITH a AS MATERIALIZED (SELECT id, customer_id, occurred_at,"
            " strftime('%Y-%m', occurred_at, ?) AS month,"
            " strftime('%Y-%m-%dT%H:%M:%f', occurred_at, '-30 days') AS lookback,"
            " json_extract(data, '$.scale') AS scale, json_extract(data, '$.sentiment')"
            " AS sentiment, CAST(json_extract(data, '$.ticket_id') AS TEXT) AS ticket"
            " FROM moments WHERE type = 'survey_answered' AND occurred_at >= ?"
            " AND occurred_at < ?)"
            f" SELECT 'all' AS by, 'all' AS grp, {group}, COUNT(*) AS answers FROM a"
            f" GROUP BY {group}"
            f" UNION ALL SELECT 'type', t.type, {group}, COUNT(DISTINCT a.id) FROM a"
            " JOIN moments t ON t.tool = 'zendesk' AND t.object_type = 'ticket'"
            f" AND t.object_id = a.ticket AND t.type != 'survey_answered' GROUP BY 2, {group}"
            f" UNION ALL SELECT 'stage', {self._STAGE}, {group}, COUNT(*) FROM a"
            f" GROUP BY 2, {group}",
            [offset, _ts(since), _ts(until)],
        )

    def detractor_comments(self, since: datetime, until: datetime, limit: int) -> list[dict]:
        """Unhappy answers with a comment in [since, until), newest first, with the customer."""
        return self._rows(
            "SELECT m.key, m.occurred_at, m.link, m.customer_id, c.name AS customer,"
            " json_extract(m.data, '$.scale') AS scale, json_extract(m.data, '$.score') AS score,"
            " json_extract(m.data, '$.comment') AS comment, json_extract(m.data, '$.reason')"
            " AS reason FROM moments m LEFT JOIN customers c ON c.id = m.customer_id"
            " WHERE m.type = 'survey_answered' AND m.occurred_at >= ? AND m.occurred_at < ?"
            " AND json_extract(m.data, '$.sentiment') = 'negative'"
            " AND COALESCE(json_extract(m.data, '$.comment'), '') != ''"
            " ORDER BY m.occurred_at DESC, m.id DESC LIMIT ?",
            [_ts(since), _ts(until), limit],
        )

    def repeat_rates(self, since_month: str, until_month: str) -> list[dict[str, Any]]:
        """Per (dimension, value), months in [since_month, until_month): customers who asked,
        those who asked more than once, and their requests."""
        return self._rows(
            "SELECT dimension, value, COUNT(*) AS customers, SUM(n > 1) AS repeaters,"
            " SUM(n) AS requests FROM (SELECT dimension, value, who, SUM(requests) AS n"
            " FROM request_customers WHERE month >= ? AND month < ? GROUP BY 1, 2, 3)"
            " GROUP BY 1, 2 ORDER BY dimension, requests DESC, value",
            [since_month, until_month],
        )

    def top_requesters(self, since_month: str, until_month: str, limit: int) -> list[dict]:
        """The customers (or persons) who asked most in the months, with their names."""
        return self._rows(
            "SELECT r.who, SUM(r.requests) AS requests, c.id AS customer_id, c.name"
            " FROM request_customers r LEFT JOIN customers c ON r.who NOT LIKE '%:%'"
            " AND c.id = CAST(r.who AS INTEGER) WHERE r.dimension = 'all' AND r.value = ''"
            " AND r.month >= ? AND r.month < ? GROUP BY r.who ORDER BY requests DESC, r.who"
            " LIMIT ?",
            [since_month, until_month, limit],
        )

    def requests_by(self, whos: Iterable[str], since_month: str, until_month: str) -> list[dict]:
        """What each of these customers asked about, per (dimension, value), in the months."""
        whos = list(whos)
        return self._rows(
            f"SELECT who, dimension, value, SUM(requests) AS requests FROM request_customers"
            f" WHERE who IN ({','.join('?' * len(whos))}) AND dimension != 'all'"
            f" AND month >= ? AND month < ? GROUP BY 1, 2, 3 ORDER BY who, requests DESC",
            [*whos, since_month, until_month],
        )


def _fast_json(value: Any) -> str:
    """Compact and unsorted, by orjson: a poller's hot path stores two documents per event."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        # orjson refuses integers past 64 bits, which JSON allows (issue #12: a delivery
        # carrying one was a 500); the standard library writes them.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


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


def _win(row: dict[str, Any]) -> dict[str, Any]:
    answer = json.loads(row["answer"])
    ticket = json.loads(row["ticket"]) if row["ticket"] else {}
    agent = json.loads(row["agent"]) if row["agent"] else {}
    return {
        "key": row["key"],
        "answered_at": row["occurred_at"],
        "customer_id": row["customer_id"],
        "customer": row["customer"],
        "source": "zendesk" if row["tool"] == "zendesk" else "momentos",
        "scale": answer.get("scale") or "zendesk_csat",
        "score": answer.get("score"),
        "quote": (answer.get("comment") or "").strip(),
        "ticket_id": answer.get("ticket_id"),
        "ticket_subject": ticket.get("subject"),
        "ticket_url": row["link"],
        "agent_id": answer.get("assignee_id") or ticket.get("assignee_id"),
        "agent": agent.get("name"),
    }
