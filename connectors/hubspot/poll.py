"""HubSpot records polled through the CRM search API, and the reads workflows need.

Search is sorted ascending on the modified date and filtered from the stored high-water
mark minus a lag buffer, because search indexes changes a little late (HUBSPOT.md §3).
One query pages through at most 10,000 results, so before `after` reaches that a new
query starts from the last modified date seen. Duplicates are harmless (events have
natural keys) but the boundary of a restart is skipped anyway.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from connectors.batches import chunks
from connectors.hubspot.client import ASSOCIATIONS_VERSION, SEARCH, HubSpotClient, crm_path
from connectors.hubspot.records import (
    modified_property,
    owner_event,
    plural,
    to_event,
    with_associations,
)
from connectors.paging import Page
from connectors.timefmt import to_epoch_ms
from momentos.errors import FatalApiError
from momentos.model import Event

DEFAULT_LAG_MS = 60_000
SEARCH_LIMIT = 200
SEARCH_CAP = 10_000
BATCH_LIMIT = 100
OWNERS_PAGE = 100


def search_body(prop: str, lower: int, upper: int | None, properties: list[str],
                after: str | None) -> dict[str, Any]:  # fmt: skip
    filters = [{"propertyName": prop, "operator": "GTE", "value": str(lower)}]
    if upper is not None:
        filters.append({"propertyName": prop, "operator": "LTE", "value": str(upper)})
    body = {"filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
            "properties": properties, "limit": SEARCH_LIMIT}  # fmt: skip
    if after is not None:
        body["after"] = after
    return body


class _Window:
    """The newest modified date of the current query and the records carrying it."""

    def __init__(self, lower: int, skip: frozenset = frozenset()):
        self.lower, self.top, self.skip = lower, lower, skip
        self.at_top: set[tuple] = set(skip)

    def take(self, events: list[Event]) -> list[Event]:
        fresh = [event for event in events if event.key not in self.skip]
        for event in fresh:
            version = int(event.version)
            if version > self.top:
                self.top, self.at_top = version, {event.key}
            elif version == self.top:
                self.at_top.add(event.key)
        return fresh

    def restart(self, path: str) -> "_Window":
        if self.top <= self.lower:
            raise FatalApiError(f"POST {path}: over {SEARCH_CAP} records share modified date "
                                f"{self.top}; the search window cannot move")  # fmt: skip
        return _Window(self.top, frozenset(self.at_top))


def poll_objects(
    client: HubSpotClient,
    object_type: str,
    cursor: str | None,
    properties: Iterable[str],
    lag_ms: int = DEFAULT_LAG_MS,
    now: datetime | None = None,
    associations: Sequence[str] = (),
) -> Iterator[Page]:
    """Records changed since the cursor (epoch ms of the newest change seen, as text).

    `associations` names the types whose ids each record should carry (`companies` gives
    `company_ids`); search returns none, so they are read in batches as records arrive.
    """
    kind = plural(object_type)
    prop = modified_property(kind)
    path = crm_path("objects", f"{kind}/search")
    wanted = list(dict.fromkeys([*properties, prop]))
    high = int(cursor) if cursor else 0
    upper = to_epoch_ms(now) if now is not None else None
    window, after, earlier = _Window(max(0, high - lag_ms)), None, 0
    while True:
        query = search_body(prop, window.lower, upper, wanted, after)
        body = client.request_json("POST", path, family=SEARCH, idempotent=True, json=query)
        events = window.take([to_event(kind, obj) for obj in body.get("results") or []])
        events = _associate(client, kind, events, associations)
        high = max(high, window.top)
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        total = earlier + body["total"] if isinstance(body.get("total"), int) else None
        yield Page(events, str(high), after is None, total)
        if after is None:
            return
        if int(after) + SEARCH_LIMIT > SEARCH_CAP:
            # The new query counts from its own lower bound: what came before adds up.
            earlier += int(after)
            window, after = window.restart(path), None


def _associate(client: HubSpotClient, kind: str, events: list[Event],
               to_types: Sequence[str]) -> list[Event]:  # fmt: skip
    """The events with the ids of their associated records of each type in `to_types`."""
    if not events:
        return events
    for to_type in to_types:
        found = get_associations(client, kind, [e.object_id for e in events], to_type)
        events = [with_associations(e, to_type, found.get(e.object_id, [])) for e in events]
    return events


def poll_owners(client: HubSpotClient, cursor: str | None) -> Iterator[Page]:
    """Every owner, each time: the owners API has no filter, and owners are few. Events
    dedupe on `updatedAt`; the cursor records the newest one seen."""
    high = int(cursor) if cursor else 0
    params: dict[str, Any] = {"limit": OWNERS_PAGE}
    while True:
        body = client.request_json("GET", crm_path("owners", ""), params=params)
        events = [owner_event(owner) for owner in body.get("results") or []]
        high = max([high, *(int(e.version) for e in events)])
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        yield Page(events, str(high), not after)
        if not after:
            return
        params = {"limit": OWNERS_PAGE, "after": after}


def batch_read(client: HubSpotClient, object_type: str, ids: Iterable[str | int],
               properties: Iterable[str]) -> list[Event]:  # fmt: skip
    """Current state of the given records, 100 per call."""
    kind = plural(object_type)
    wanted = list(dict.fromkeys([*properties, modified_property(kind)]))
    path = crm_path("objects", f"{kind}/batch/read")
    events = []
    for batch in chunks([str(i) for i in ids], BATCH_LIMIT):
        body = client.request_json("POST", path, idempotent=True, json={
            "inputs": [{"id": i} for i in batch], "properties": wanted})  # fmt: skip
        events += [to_event(kind, obj) for obj in body.get("results") or []]
    return events


def get_associations(client: HubSpotClient, from_type: str, ids: Iterable[str | int],
                     to_type: str) -> dict[str, list[str]]:  # fmt: skip
    """Associated record ids per given id (v4 batch read, 100 per call)."""
    path = crm_path("associations", f"{plural(from_type)}/{plural(to_type)}/batch/read",
                    ASSOCIATIONS_VERSION)  # fmt: skip
    found: dict[str, list[str]] = {}
    for batch in chunks([str(i) for i in ids], BATCH_LIMIT):
        body = client.request_json("POST", path, idempotent=True,
                                   json={"inputs": [{"id": i} for i in batch]})  # fmt: skip
        for result in body.get("results") or []:
            targets = [str(t["toObjectId"]) for t in result.get("to") or []]
            found.setdefault(str(result["from"]["id"]), []).extend(targets)
    return {key: list(dict.fromkeys(values)) for key, values in found.items()}


def get_owners(client: HubSpotClient) -> list[dict[str, Any]]:
    """Every owner: `id` is the value of `hubspot_owner_id` (never `userId`)."""
    owners, params = [], {"limit": OWNERS_PAGE}
    while True:
        body = client.request_json("GET", crm_path("owners", ""), params=params)
        for owner in body.get("results") or []:
            name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p)
            owners.append({"id": str(owner["id"]), "email": (owner.get("email") or "").lower(),
                           "name": name, "type": owner.get("type"),
                           "archived": bool(owner.get("archived"))})  # fmt: skip
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return owners
        params = {"limit": OWNERS_PAGE, "after": after}
