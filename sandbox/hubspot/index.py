"""What CRM search sees: each record as it was `lag` seconds ago (HUBSPOT.md §3.2).

HubSpot indexes writes for search a few moments after they happen, so a poller that trusts
search alone misses fresh changes. Every write adds a version stamped with its time; search
reads, per record, the newest version old enough to be indexed.
"""

import copy
from collections.abc import Iterable
from typing import Any

from sandbox.hubspot import schema


class SearchIndex:
    def __init__(self) -> None:
        # type -> id -> [(written at ms, record, or None once archived)], oldest first
        self._versions: dict[str, dict[str, list[tuple[int, dict[str, Any] | None]]]] = {}

    def reset(self) -> None:
        self._versions = {t: {} for t in schema.OBJECT_TYPES}

    def rebuild(self, object_type: str, records: Iterable[dict[str, Any]], at_ms: int) -> None:
        """After a load: every stored record as already indexed."""
        for record in records:
            kept = None if record["archived"] else copy.deepcopy(record)
            self._versions[object_type][record["id"]] = [(at_ms, kept)]

    def add(self, object_type: str, record: dict[str, Any], written_ms: int, lag_ms: int) -> None:
        """Record a write; versions already superseded by an indexed one are dropped."""
        kept = None if record["archived"] else copy.deepcopy(record)
        versions = self._versions[object_type].setdefault(record["id"], [])
        versions.append((written_ms, kept))
        versions.sort(key=lambda version: version[0])
        indexed = [i for i, (at, _) in enumerate(versions) if at <= written_ms - lag_ms]
        if indexed:
            del versions[: indexed[-1]]

    def visible(self, object_type: str, now_ms: int, lag_ms: int) -> list[dict[str, Any]]:
        """Records as search sees them at `now_ms`: indexed and not archived."""
        found = []
        for versions in self._versions[object_type].values():
            seen = [record for at, record in versions if at <= now_ms - lag_ms]
            if seen and seen[-1] is not None:
                found.append(seen[-1])
        return found
