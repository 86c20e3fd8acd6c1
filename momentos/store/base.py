"""The connection: one per thread, WAL, BEGIN IMMEDIATE transactions; the helpers that
turn Python values into the text SQLite keeps; and the store's housekeeping."""

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlite_utils import Database
from sqlite_utils.utils import dedupe_keys

from momentos.migrations import migrations

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


def _fast_json(value: Any) -> str:
    """Compact and unsorted, by orjson: a poller's hot path stores two documents per event."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        # orjson refuses integers past 64 bits, which JSON allows (issue #12: a delivery
        # carrying one was a 500); the standard library writes them.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _loads(text: str) -> Any:
    """A stored document, by orjson (planning decodes one per record it reads); the
    standard library for what orjson refuses, integers past 64 bits (see `_fast_json`)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _decoded(row: dict[str, Any], column: str) -> dict[str, Any]:
    return {**row, column: _loads(row[column]) if row[column] else None}


class Connection:
    # The natural key of a record, as a WHERE clause.
    _SAME_RECORD = "tool = ? AND object_type = ? AND object_id = ?"

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
        # Straight to sqlite3: sqlite-utils' query() wraps each statement in a savepoint (to
        # refuse ones that return no rows), three statements per read; planning reads
        # hundreds of thousands of rows one customer at a time (bench/planning.py).
        cursor = self.db.conn.execute(sql, list(params))
        names = [column[0] for column in cursor.description]
        if len(set(names)) < len(names):  # a join's twin columns: id, id_2
            names = dedupe_keys(names)
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def counts(self, table: str, column: str) -> dict[str, int]:
        if (table, column) not in {("moments", "type"), ("actions", "state"), ("events", "tool")}:
            raise ValueError(f"no counts for {table}.{column}")
        rows = self._rows(f"SELECT {column} AS k, COUNT(*) AS n FROM {table} GROUP BY {column}")
        return {row["k"]: row["n"] for row in rows}

    def total(self, table: str) -> int:
        if table not in {"events", "moments", "actions", "customers"}:
            raise ValueError(f"no total for {table}")
        return self._rows(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]

    def ping(self) -> None:
        self.db.execute("SELECT 1")

    def integrity_ok(self) -> bool:
        return self._rows("PRAGMA integrity_check")[0]["integrity_check"] == "ok"

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

    def secret_stored_at(self, name: str) -> str | None:
        """When a secret was stored (its value never leaves `secret_token`)."""
        rows = self._rows("SELECT updated_at FROM secrets WHERE name = ?", [name])
        return rows[0]["updated_at"] if rows else None

    def pending_migrations(self) -> list[str]:
        """Migrations this code knows that the store has not applied (a restored old file)."""
        return [migration.name for migration in migrations.pending(self.db)]
