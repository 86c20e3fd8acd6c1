"""The outbox (DESIGN.md's protocol: pending, in_flight with a lease, done, retry, failed,
needs_review) and the record of workflow runs."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from connectors.timefmt import parse_iso
from momentos.model import Action
from momentos.store.base import (
    Connection,
    _decoded,
    _fast_json,
    _json,
    _loads,
    _ts,
)


class Outbox(Connection):
    # A happy answer, judged on its newest version: a changed answer counts as it ended.
    _POSITIVE = (
        "CASE WHEN r.data IS NULL THEN json_extract(m.data, '$.sentiment') = 'positive'"
        " WHEN m.tool = 'zendesk' THEN json_extract(r.data, '$.score') = 'good'"
        " ELSE json_extract(r.data, '$.sentiment') = 'positive' END"
    )

    def enqueue(self, actions: Iterable[Action], now: datetime) -> list[str]:
        """Add planned actions as `pending`; a key already in the outbox is left alone."""
        added, stamp = [], _ts(now)
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
                        _fast_json(action.payload),  # a planning run writes 100,000s
                        _ts(action.not_before),
                        _ts(action.not_before) if action.not_before else stamp,
                        stamp,
                        stamp,
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

    def recent_actions(self, since: datetime, customers: Iterable[int]) -> list[dict[str, Any]]:
        """These customers' actions created since `since` that were not abandoned."""
        return self._rows(
            "SELECT key, workflow, customer_id, created_at FROM actions WHERE created_at >= ?"
            " AND customer_id IN (SELECT value FROM json_each(?))"
            " AND state NOT IN ('failed', 'dismissed') ORDER BY created_at",
            [_ts(since), _json(sorted(set(customers)))],
        )

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

    def overdue_actions(self, before: datetime) -> tuple[int, str | None]:
        """How many pending or retrying actions were due before `before`, and the oldest due
        time (the (state, next_attempt_at) index answers it)."""
        row = self._rows(
            "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM actions"
            " WHERE state IN ('pending', 'retry') AND next_attempt_at < ?",
            [_ts(before)],
        )[0]
        return row["n"], row["oldest"]

    def workflow_customers(self, workflow: str, since: datetime) -> set[int]:
        """Customers a workflow planned an action for since `since`, abandoned ones aside."""
        rows = self._rows(
            "SELECT DISTINCT customer_id FROM actions WHERE workflow = ? AND created_at >= ?"
            " AND customer_id IS NOT NULL AND state NOT IN ('failed', 'dismissed')",
            [workflow, _ts(since)],
        )
        return {row["customer_id"] for row in rows}

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


def _win(row: dict[str, Any]) -> dict[str, Any]:
    answer = _loads(row["answer"])
    ticket = _loads(row["ticket"]) if row["ticket"] else {}
    agent = _loads(row["agent"]) if row["agent"] else {}
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
