"""Moments of truth: inserted once by key, adopted when their customer becomes known,
withdrawn or changed through the staging table that renormalization compares."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from momentos.store.base import Connection, _decoded, _json, _ts


class Moments(Connection):
    _MOMENT_COLUMNS = ("key", "type", "customer_id", "person", "occurred_at", "tool",
                       "object_type", "object_id", "event_id", "link", "data")  # fmt: skip

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

    def put_moment(
        self, moment: Any, event_id: int, customer_id: int | None, now: datetime
    ) -> str | None:
        """Insert a moment, or update its stored row in place (same key, same id and creation
        time) where it differs: "added", "changed", or None when it was already so."""
        if self.insert_moment(moment, event_id, customer_id, now):
            return "added"
        person = ":".join(moment.customer_ref) if moment.customer_ref else None
        values = {"customer_id": customer_id, "person": person,
                  "occurred_at": _ts(moment.occurred_at), "event_id": event_id,
                  "link": moment.link, "data": _json(moment.data)}  # fmt: skip
        cur = self.db.execute(
            f"UPDATE moments SET {', '.join(f'{c} = ?' for c in values)} WHERE key = ?"
            f" AND ({' OR '.join(f'{c} IS NOT ?' for c in values)})",
            [*values.values(), moment.key, *values.values()],
        )
        return "changed" if cur.rowcount else None

    def moment_keys(
        self, tool: str, object_type: str, object_id: str, types: Iterable[str]
    ) -> list[str]:
        """The keys of a record's stored moments of `types`."""
        types = list(types)
        rows = self._rows(
            f"SELECT key FROM moments WHERE {self._SAME_RECORD}"
            f" AND type IN ({','.join('?' * len(types))}) ORDER BY key",
            [tool, object_type, object_id, *types],
        )
        return [row["key"] for row in rows]

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
        customers: Iterable[int] | None = None,
        shard: tuple[int, int] | None = None,
        created_since: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Moments by type and date, oldest first; only these customers' with `customers`
        (at most a few thousand: each is a bound parameter); with `shard` (k, n), only
        the k-th of n shards of customers, shard 0 adding the moments of nobody."""
        clauses, params = ["1 = 1"], []
        types = list(types)
        if types:
            # With customers, `+type` keeps SQLite off the (type, occurred_at) index: for one
            # type it chose that and read every moment of the type (38 ms a call at 10,000
            # customers, against 0.07 by the customer's index; bench/planning.py).
            column = "+type" if customers is not None else "type"
            clauses.append(f"{column} IN ({','.join('?' * len(types))})")
            params += types
        for clause, value in (
            ("occurred_at >= ?", since),
            ("occurred_at < ?", until),
            ("created_at >= ?", created_since),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(_ts(value))
        if customers is not None:
            # Placeholders, not json_each: for one customer SQLite then reads its index in
            # date order (31 µs a call, against 98 with a temporary sort).
            ids = sorted(set(customers))
            clauses.append(f"customer_id IN ({','.join('?' * len(ids))})")
            params += ids
        if shard is not None:
            # By a hash of the id (MINSTD: no product past 2^47), not the id itself: ids
            # that a pattern picks (every tenth customer) would all land in one shard.
            index, count = shard
            nobody = " OR customer_id IS NULL" if index == 0 else ""
            clauses.append(f"((customer_id % 2147483647) * 48271 % 2147483647 % ? = ?{nobody})")
            params += [count, index]
        rows = self._rows(
            f"SELECT * FROM moments WHERE {' AND '.join(clauses)} ORDER BY occurred_at, id", params
        )
        return [_decoded(row, "data") for row in rows]

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
        self.withdraw(gone, after)
        return gone

    def withdraw(self, keys: Iterable[str], now: datetime) -> None:
        """Delete moments by key, dismissing the work still waiting for them."""
        for key in keys:
            self.db.execute("DELETE FROM moments WHERE key = ?", [key])
            # Work for a moment that will not happen (a renewal moved, a birthday corrected)
            # must not reach the rep; what was already sent stays as it is.
            self.db.execute(
                "UPDATE actions SET state = 'dismissed', error = ?, updated_at = ?"
                " WHERE moment_key = ? AND state IN ('pending', 'retry')",
                [f"its moment was withdrawn: {key}", _ts(now), key],
            )

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
