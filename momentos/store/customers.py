"""Records (the newest known state of each tool object) and the customers they are linked
to, with the identity review list."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from momentos.model import Event
from momentos.moments.links import customer_ref
from momentos.store.base import (
    SQLITE_MAX_INT,
    SQLITE_MIN_INT,
    Connection,
    _json,
    _loads,
    _ts,
)


class Customers(Connection):
    def upsert_record(self, event: Event, email: str | None, domain: str | None) -> bool:
        """Keep the newest version of a record; return True if this event was the newest."""
        ref = customer_ref(event)
        cur = self.db.execute(
            "INSERT INTO records (tool, object_type, object_id, version, occurred_at, email,"
            " domain, deleted, data, person) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(tool, object_type, object_id) DO UPDATE SET version = excluded.version,"
            " occurred_at = excluded.occurred_at, email = excluded.email,"
            " domain = excluded.domain, deleted = excluded.deleted, data = excluded.data,"
            " person = excluded.person WHERE excluded.occurred_at >= records.occurred_at",
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
                ":".join(ref) if ref else None,
            ],
        )
        return cur.rowcount > 0

    def record_version(
        self, tool: str, object_type: str, object_id: str
    ) -> tuple[dict[str, Any] | None, bool]:
        """The newest stored version of a record and whether it was deleted ((None, True)
        when unknown)."""
        rows = self._rows(
            "SELECT data, deleted FROM records WHERE tool = ? AND object_type = ?"
            " AND object_id = ?",
            [tool, object_type, object_id],
        )
        return (_loads(rows[0]["data"]), bool(rows[0]["deleted"])) if rows else (None, True)

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

    def create_customer(
        self,
        *,
        name: str,
        email: str | None,
        domain: str | None,
        language: str | None,
        now: datetime,
        time_zone: str | None = None,
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

    def customer_time_zones(self, customer_ids: Iterable[int], default: str) -> dict[int, str]:
        """Each customer's time zone, `default` where it is unknown."""
        rows = self._rows(
            "SELECT id, time_zone FROM customers WHERE id IN (SELECT value FROM json_each(?))",
            [_json(sorted(set(customer_ids)))],
        )
        zones = {row["id"]: row["time_zone"] or default for row in rows}
        return {customer_id: zones.get(customer_id, default) for customer_id in customer_ids}

    def customer_records(self, customer_id: int) -> list[dict[str, Any]]:
        """The live tool records linked to a customer, with their data."""
        rows = self._rows(
            "SELECT r.tool, r.object_type, r.object_id, r.data FROM customer_links l JOIN records r"
            " USING (tool, object_type, object_id) WHERE l.customer_id = ? AND r.deleted = 0"
            " ORDER BY r.occurred_at DESC",
            [customer_id],
        )
        return [{**row, "data": _loads(row["data"])} for row in rows]

    def customer_with_records(
        self, customer_id: int, kinds: Iterable[tuple[str, str]]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """A customer's row and its live records of `kinds` ((tool, object type) pairs),
        newest first, in one read: planning asks for a customer per moment, and only for
        its people (three records, where its tickets may be thousands)."""
        if not SQLITE_MIN_INT <= customer_id <= SQLITE_MAX_INT:
            return None, []
        kinds = list(kinds)
        rows = self._rows(
            "SELECT c.*, r.tool AS r_tool, r.object_type AS r_object_type, r.data AS r_data"
            " FROM customers c LEFT JOIN customer_links l ON l.customer_id = c.id"
            f" AND (l.tool, l.object_type) IN (VALUES {','.join(['(?, ?)'] * len(kinds))})"
            " LEFT JOIN records r ON (r.tool, r.object_type, r.object_id)"
            " = (l.tool, l.object_type, l.object_id) AND r.deleted = 0"
            " WHERE c.id = ? ORDER BY r.occurred_at DESC",
            [*(value for kind in kinds for value in kind), customer_id],
        )
        if not rows:
            return None, []
        customer = {k: v for k, v in rows[0].items() if not k.startswith("r_")}
        records = [{"tool": row["r_tool"], "object_type": row["r_object_type"],
                    "data": _loads(row["r_data"])} for row in rows if row["r_data"]]  # fmt: skip
        return customer, records

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

    def names(self, tool: str, object_type: str) -> dict[str, str]:
        """Each object's newest name (else email) from its events: owners have no record."""
        rows = self._rows(
            "SELECT object_id, COALESCE(json_extract(data, '$.name'), json_extract(data,"
            " '$.email')) AS name FROM events WHERE tool = ? AND object_type = ?"
            " ORDER BY occurred_at, id",
            [tool, object_type],
        )
        return {row["object_id"]: row["name"] for row in rows if row["name"]}

    def customer_time_zone(self, tool: str, object_type: str, object_id: str) -> str | None:
        rows = self._rows(
            "SELECT c.time_zone FROM customer_links l JOIN customers c ON c.id = l.customer_id"
            " WHERE l.tool = ? AND l.object_type = ? AND l.object_id = ?",
            [tool, object_type, object_id],
        )
        return rows[0]["time_zone"] if rows else None

    def customer_and_zone(
        self, tool: str, object_type: str, object_id: str
    ) -> tuple[int | None, str | None]:
        """The customer a record is linked to and that customer's time zone, in one read."""
        rows = self._rows(
            "SELECT l.customer_id, c.time_zone FROM customer_links l JOIN customers c"
            " ON c.id = l.customer_id WHERE l.tool = ? AND l.object_type = ? AND l.object_id = ?",
            [tool, object_type, object_id],
        )
        return (rows[0]["customer_id"], rows[0]["time_zone"]) if rows else (None, None)

    def time_zones(self, customer_id: int) -> list[str]:
        """The time zones the customer's live records give, the longest-known record's first
        (its `created_at` in the tool; records without one last, then by id)."""
        rows = self._rows(
            "SELECT json_extract(r.data, '$.time_zone') AS time_zone FROM customer_links l"
            " JOIN records r USING (tool, object_type, object_id) WHERE l.customer_id = ?"
            " AND r.deleted = 0 AND json_extract(r.data, '$.time_zone') IS NOT NULL"
            " ORDER BY json_extract(r.data, '$.created_at') IS NULL,"
            " json_extract(r.data, '$.created_at'), r.tool, r.object_type, r.object_id",
            [customer_id],
        )
        return [row["time_zone"] for row in rows]

    def set_time_zone(self, customer_id: int, time_zone: str | None) -> None:
        self.db.execute("UPDATE customers SET time_zone = ? WHERE id = ?", [time_zone, customer_id])

    def records_about(
        self, kinds: Iterable[tuple[str, str]], *, customer_id: int | None = None,
        person: tuple[str, str, str] | None = None,
    ) -> list[tuple[str, str, str]]:  # fmt: skip
        """Records of `kinds` (deleted ones too) whose customer is known by `person`, or by
        any record linked to `customer_id`: the records themselves, their deals, invoices."""
        names = [f"{tool}:{object_type}" for tool, object_type in kinds]
        if customer_id is not None:
            persons = ("SELECT tool || ':' || object_type || ':' || object_id"
                       " FROM customer_links WHERE customer_id = ?")  # fmt: skip
            params: list[Any] = [customer_id]
        else:
            persons, params = "?", [":".join(person or ())]
        rows = self._rows(
            f"SELECT tool, object_type, object_id FROM records WHERE person IN ({persons})"
            f" AND tool || ':' || object_type IN ({','.join('?' * len(names))})"
            " ORDER BY tool, object_type, object_id",
            [*params, *names],
        )
        return [(row["tool"], row["object_type"], row["object_id"]) for row in rows]

    def company_records(
        self, tool: str, object_type: str, company_id: str, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The newest live records of a type associated with a company (`company_ids`)."""
        rows = self._rows(
            "SELECT r.data FROM record_companies c JOIN records r USING (tool, object_type,"
            " object_id) WHERE c.tool = ? AND c.object_type = ? AND c.company_id = ?"
            " AND r.deleted = 0 ORDER BY r.occurred_at DESC LIMIT ?",
            [tool, object_type, str(company_id), limit],
        )
        return [_loads(row["data"]) for row in rows]

    def live_record(self, tool: str, object_type: str, object_id: str) -> dict[str, Any] | None:
        """The newest stored version of a record, or None if unknown or deleted."""
        data, deleted = self.record_version(tool, object_type, object_id)
        return None if deleted else data
