"""What the pages and the API show, assembled from the store's reads as plain data.

Every function returns dicts of strings and numbers, so the same data renders as HTML and
serialises as JSON. Nothing here writes.
"""

import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.timefmt import parse_iso
from momentos import timeline as customer_timeline
from momentos.config import Settings
from momentos.model import Action
from momentos.secrets import ZENDESK_WEBHOOK_SECRET
from momentos.store import Store
from momentos.view import category_labels

TOOLS = ("zendesk", "hubspot")
# Every state an action can be in, in the order of the outbox protocol (DESIGN.md).
STATES = ("pending", "in_flight", "done", "retry", "failed", "needs_review", "dismissed")
REVIEW_STATES = ("needs_review", "failed")
SUMMARY_CHARS = 120


def week_start(now: datetime, time_zone: str) -> datetime:
    """Monday 00:00 of this week in the company's timezone."""
    local = now.astimezone(ZoneInfo(time_zone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=local.tzinfo)


def names(store: Store, customer_ids: set[int]) -> dict[int, str]:
    found = {i: store.customer(i) for i in customer_ids if i is not None}
    return {i: (row["name"] or f"#{i}") for i, row in found.items() if row}


def labels(store: Store, settings: Settings) -> dict[str, dict[str, str]]:
    """Each category of `moments.category_fields`: its drop-down labels by value (`app_movil`
    -> `App Móvil`), from the stored Zendesk ticket fields; none for a field never read."""
    return category_labels(store, settings.moments["category_fields"].items())


def summary(payload: dict[str, Any]) -> str:
    """What an action says in one line: its subject, else (notes, comments) its body's start,
    else (a survey by mail) whom it goes to and what it asks about."""
    if payload.get("subject"):
        return payload["subject"]
    if payload.get("to"):
        return " · ".join(part for part in (payload["to"], payload.get("service")) if part)
    first = (payload.get("body") or "").strip().split("\n", 1)[0]
    return first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"


def action_row(
    row: dict[str, Any] | Action, customers: dict[int, str], owners: dict[str, str]
) -> dict[str, Any]:
    """Who, what, when and where of one action, stored (a row) or only planned (an Action)."""
    planned = isinstance(row, Action)
    data = (
        {**row.__dict__, "state": "planned", "remote_url": None, "error": None} if planned else row
    )
    payload = data["payload"] or {}
    owner_id = payload.get("owner_id") or payload.get("assignee_id")
    not_before = data.get("not_before")
    return {
        "key": data["key"],
        "workflow": data["workflow"],
        "tool": data["tool"],
        "kind": data["kind"],
        "state": data["state"],
        "customer_id": data["customer_id"],
        "customer": customers.get(data["customer_id"]),
        "subject": summary(payload),
        "owner_id": owner_id,
        "owner": owners.get(str(owner_id)) if owner_id else None,
        "due_at": payload.get("due_at"),
        "timestamp": payload.get("timestamp"),  # a note's time
        "not_before": not_before.isoformat() if isinstance(not_before, datetime) else not_before,
        "moment_key": data.get("moment_key"),
        "remote_url": data.get("remote_url"),
        "error": data.get("error"),
        "attempts": data.get("attempts", 0),
        "created_at": data.get("created_at"),
        "updated_at": data.get("updated_at"),
    }


def action_rows(store: Store, rows: list) -> list[dict[str, Any]]:
    ids = {r.customer_id if isinstance(r, Action) else r["customer_id"] for r in rows}
    customers = names(store, ids)
    owners = store.names("hubspot", "owner")
    return [action_row(row, customers, owners) for row in rows]


def _outcome_row(outcome: customer_timeline.Outcome) -> dict[str, Any]:
    """An action the customer's own list lacks (planned for another customer's record)."""
    return {"key": outcome.action_key, "workflow": outcome.workflow, "tool": outcome.tool,
            "kind": outcome.kind, "state": outcome.state, "remote_url": outcome.remote_url,
            "subject": "", "error": None}  # fmt: skip


def timeline(store: Store, settings: Settings, customer_id: int) -> dict[str, Any] | None:
    """A customer, their moments oldest first (momentos.timeline), each with the actions it
    led to; actions that no moment led to (scheduled ones) come last."""
    # An id past SQLite's integers names nobody (and would overflow the query).
    customer = store.customer(customer_id) if 0 < customer_id < 2**63 else None
    if customer is None:
        return None
    actions = {a["key"]: a for a in action_rows(store, store.customer_actions(customer_id))}
    moments = [
        {
            "key": entry.key,
            "type": entry.type,
            "occurred_at": entry.occurred_at.isoformat(),
            # Birthdays and renewals are dates: shown as the day, never shifted through UTC.
            "day": entry.day if entry.data.get("date") else None,
            "tool": entry.tool,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "subject": entry.data.get("subject") or "",
            "link": entry.link,
            "actions": [actions.pop(o.action_key, None) or _outcome_row(o) for o in entry.outcomes],
        }
        for entry in customer_timeline.timeline(store, customer_id, settings.timezone)
    ]
    return {
        "customer": customer,
        "records": [
            {k: r[k] for k in ("tool", "object_type", "object_id")}
            for r in store.customer_records(customer_id)
        ],
        "moments": moments,
        "other_actions": list(actions.values()),
    }


def dashboard(store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    since = week_start(now, settings.timezone)
    review, review_total = store.actions_page(REVIEW_STATES, 0, 10)
    return {
        "week_start": since.isoformat(),
        "moments": store.counts_since("moments", "type", since),
        "actions": store.counts_since("actions", "state", since),
        "review": action_rows(store, review),
        "review_total": review_total,
        "deliveries": deliveries(store),
        "streams": streams(store, settings, now),
    }


def deliveries(store: Store) -> dict[str, dict[str, Any] | None]:
    found = {row["tool"]: row for row in store.last_deliveries()}
    return {tool: found.get(tool) for tool in TOOLS}


def streams(store: Store, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Each polled stream with its last poll and whether it lags behind the schedule."""
    # The same bound /healthz reports a stream by.
    limit = timedelta(seconds=settings.polling["max_lag_seconds"])
    rows = []
    for cursor in store.cursors():
        polled = parse_iso(cursor["updated_at"]) if cursor["updated_at"] else None
        rows.append(
            {
                "stream": cursor["stream"],
                "tool": cursor["stream"].split(":", 1)[0],
                "polled_at": cursor["updated_at"],
                "lag_seconds": (now - polled).total_seconds() if polled else None,
                "lagging": polled is None or now - polled > limit,
            }
        )
    return rows


def webhook_status(store: Store, delivery: dict[str, Any] | None, tool: str) -> str:
    """What the store knows about a tool's webhooks: `receiving`, `secret_stored`, `unknown`."""
    if delivery is not None:
        return "receiving"
    if tool == "zendesk" and store.secret_stored_at(ZENDESK_WEBHOOK_SECRET):
        return "secret_stored"
    return "unknown"


def connectors(store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    found = deliveries(store)
    failed, failed_total = store.actions_page(["failed"], 0, 10)
    return {
        "tools": [
            {
                "tool": tool,
                "last_webhook": found[tool],
                "webhooks": webhook_status(store, found[tool], tool),
            }
            for tool in TOOLS
        ],
        "streams": streams(store, settings, now),
        "interval_seconds": settings.polling["interval_seconds"],
        "lag_limit_seconds": settings.polling["max_lag_seconds"],
        "failed_actions": action_rows(store, failed),
        "failed_actions_total": failed_total,
        "failed_runs": store.failed_runs(10),
    }


def reviews(store: Store) -> list[dict[str, Any]]:
    """Open identity reviews, each candidate customer with its name."""
    rows = store.reviews()
    candidates = {i for row in rows for i in json.loads(row["candidates"] or "[]")}
    known = names(store, candidates)
    return [
        {
            **row,
            "candidates": [
                {"id": i, "name": known.get(i)} for i in json.loads(row["candidates"] or "[]")
            ],
        }
        for row in rows
    ]
