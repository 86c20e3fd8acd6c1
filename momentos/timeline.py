"""One customer's moments across both tools, in order, with what Momentos did about each.

The outcome of a moment is, for now, the actions planned for it (linked by moment key):
their state in the outbox and their page in the tool once created.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from connectors.timefmt import parse_iso
from momentos.moments.dates import local_date, zone
from momentos.store import Store


@dataclass(frozen=True)
class Outcome:
    action_key: str
    workflow: str
    tool: str
    kind: str
    state: str
    remote_url: str | None


@dataclass(frozen=True)
class Entry:
    key: str
    type: str
    day: str  # the local day, YYYY-MM-DD
    occurred_at: datetime
    tool: str
    object_type: str
    object_id: str
    link: str | None
    event_id: int | None
    data: dict[str, Any]
    outcomes: tuple[Outcome, ...] = ()


def local_day(row: dict[str, Any], time_zone: str) -> str:
    """A dated moment's own day (never shifted through UTC), else its instant's local day."""
    data = row.get("data") or {}
    if data.get("date"):
        return data["date"]
    return local_date(parse_iso(row["occurred_at"]), time_zone).isoformat()


def _outcome(row: dict[str, Any]) -> Outcome:
    return Outcome(action_key=row["action_key"], workflow=row["workflow"],
                   tool=row["action_tool"], kind=row["action_kind"],
                   state=row["action_state"], remote_url=row["action_url"])  # fmt: skip


def entries(rows: list[dict[str, Any]], time_zone: str) -> list[Entry]:
    """Group the store's rows (one per moment and action) into entries, keeping their order."""
    grouped: dict[str, Entry] = {}
    for row in rows:
        entry = grouped.get(row["key"])
        if entry is None:
            entry = grouped[row["key"]] = Entry(
                key=row["key"], type=row["type"], day=local_day(row, time_zone),
                occurred_at=parse_iso(row["occurred_at"]), tool=row["tool"],
                object_type=row["object_type"], object_id=row["object_id"], link=row["link"],
                event_id=row["event_id"], data=row["data"] or {},
            )  # fmt: skip
        if row["action_key"]:
            grouped[row["key"]] = replace(entry, outcomes=(*entry.outcomes, _outcome(row)))
    return list(grouped.values())


def timeline(store: Store, customer_id: int, default_time_zone: str) -> list[Entry]:
    """The customer's moments from Zendesk and HubSpot, oldest first, with their outcomes."""
    customer = store.customer(customer_id) or {}
    time_zone = zone(customer.get("time_zone"), default_time_zone)
    return entries(store.timeline(customer_id), time_zone)
