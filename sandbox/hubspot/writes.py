"""The steps of every write, mixed into HubSpotState.

Writes are split in `prepare_*` (every check, no change) and `commit_*` (stores, stamps,
indexes, returns the webhook events) so a batch without trace ids can refuse as a whole
before anything is stored, and a batch with them can write the good inputs only.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.hubspot import schema, values
from sandbox.hubspot.associations import PAIRS, PRIMARY, parse_spec
from sandbox.hubspot.errors import HubSpotError, validation

# `changeSource` of webhook events: API calls come from an integration, helpers (seed,
# tests) stand for people working in HubSpot's UI.
API_SOURCE, UI_SOURCE = "INTEGRATION", "CRM_UI"
# HubSpot merges these (and tickets, custom objects); activities and invoices it does not.
MERGEABLE = {"contacts", "companies", "deals"}
MERGED_IDS = "hs_merged_object_ids"


def _merged_ids(record: dict[str, Any]) -> list[str]:
    return [i for i in (record["properties"].get(MERGED_IDS) or "").split(";") if i]


class RecordWrites:
    """Needs `records`, `next_ids`, `properties`, `owners`, `links`, `index`, `webhooks`,
    `settings` and `clock` on the instance (HubSpotState has them)."""

    def links_from_specs(self, object_type: str, specs: Any) -> list[tuple[str, str, int]]:
        if specs is None:
            return []
        if not isinstance(specs, list):
            raise validation("associations must be a list")
        return [link for spec in specs for link in parse_spec(object_type, spec)]

    def prepare_create(
        self,
        object_type: str,
        properties: Any,
        links: list[tuple[str, str, int]],
        pending: Iterable[Mapping[str, str]] = (),
    ) -> dict[str, str]:
        """Cleaned values of a new record, or HubSpotError; changes nothing."""
        cleaned = self.properties.clean(object_type, properties or {}, self.owners.ids())
        cleaned = {name: value for name, value in cleaned.items() if value != ""}
        missing = [n for n in schema.REQUIRED_ON_CREATE.get(object_type, ()) if n not in cleaned]
        if missing:
            singular = schema.OBJECT_TYPES[object_type][1].upper()
            raise validation(
                f"Error creating {singular}. Some required properties were not set.",
                context={"properties": missing},
            )
        for to_type, to_id, type_id in links:
            if PAIRS.get(type_id) != (object_type, to_type):
                raise validation(
                    f"association type {type_id} does not go from {object_type} to {to_type}"
                )
            if to_id not in self.records[to_type] or self.records[to_type][to_id]["archived"]:
                raise validation(
                    f"Cannot associate with {to_type} {to_id}: it does not exist",
                    context={"id": [to_id]},
                )
        self._check_unique(object_type, cleaned, None, pending)
        return cleaned

    def commit_create(
        self,
        object_type: str,
        cleaned: Mapping[str, str],
        links: list[tuple[str, str, int]],
        source: str = API_SOURCE,
        created_at: dt.datetime | None = None,
    ) -> tuple[dict, list]:
        moment, ms = self._stamp(created_at)
        record_id = str(self.next_ids[object_type])
        self.next_ids[object_type] += 1
        stamp = values.iso_ms(moment)
        properties = {
            **cleaned,
            schema.created_property(object_type): stamp,
            "hs_object_id": record_id,
        }
        record = {
            "id": record_id,
            "properties": properties,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }
        self.records[object_type][record_id] = record
        self._touch(object_type, record, moment, ms)
        for to_type, to_id, type_id in links:
            self.links.add(object_type, record_id, to_type, to_id, type_id)
        events = self.webhooks.events(object_type, record_id, "creation", cleaned, ms, source)
        targets: dict[tuple[str, str], list[int]] = {}
        for to_type, to_id, type_id in links:
            targets.setdefault((to_type, to_id), []).append(type_id)
        for (to_type, to_id), type_ids in targets.items():
            events += self.webhooks.association_events(
                object_type, record_id, to_type, to_id, type_ids, ms, source
            )
        return record, events

    def prepare_update(
        self,
        object_type: str,
        key: str,
        properties: Any,
        id_property: str | None = None,
        pending: Iterable[Mapping[str, str]] = (),
    ) -> tuple[dict, dict]:
        record = self.find(object_type, key, id_property)
        cleaned = self.properties.clean(object_type, properties or {}, self.owners.ids())
        self._check_unique(object_type, cleaned, record["id"], pending)
        return record, cleaned

    def commit_update(
        self,
        object_type: str,
        record: dict[str, Any],
        cleaned: Mapping[str, str],
        source: str = API_SOURCE,
    ) -> tuple[dict, list]:
        """Apply changed values; a write that changes nothing leaves the dates alone."""
        properties = record["properties"]
        changed = {n: v for n, v in cleaned.items() if (properties.get(n) or "") != v}
        if not changed:
            return record, []
        for name, value in changed.items():
            if value == "":
                properties.pop(name, None)
            else:
                properties[name] = value
        moment, ms = self._stamp()
        self._touch(object_type, record, moment, ms)
        events = self.webhooks.events(
            object_type, record["id"], "propertyChange", changed, ms, source
        )
        return record, events

    def commit_archive(
        self, object_type: str, record: dict[str, Any], source: str = API_SOURCE
    ) -> tuple[dict, list]:
        """Move to the recycle bin; the archive time is also the last modification."""
        moment, ms = self._stamp()
        record["archived"] = True
        record["archivedAt"] = values.iso_ms(moment)
        self._touch(object_type, record, moment, ms)
        events = self.webhooks.events(object_type, record["id"], "deletion", {}, ms, source)
        return record, events

    def commit_merge(
        self, object_type: str, primary_id: str, merged_id: str, source: str = API_SOURCE
    ) -> tuple[dict, list]:
        """Merge `merged_id` into `primary_id`: the primary keeps its values and takes the
        merged record's values where it has none, and its associations; the merged record
        is archived and its id listed in the primary's `hs_merged_object_ids`."""
        if object_type not in MERGEABLE:
            raise validation(f"Merging {object_type} is not supported")
        if str(primary_id) == str(merged_id):
            raise validation("A record cannot be merged with itself")
        primary = self.find(object_type, str(primary_id))
        merged = self.find(object_type, str(merged_id))
        definitions = self.properties.all(object_type)
        moved = {
            name: value
            for name, value in merged["properties"].items()
            if name in definitions
            and not definitions[name]["modificationMetadata"]["readOnlyValue"]
            and not primary["properties"].get(name)
        }
        earlier = [i for p in (primary, merged) for i in _merged_ids(p)]
        primary["properties"].update(moved)
        primary["properties"][MERGED_IDS] = ";".join([*earlier, merged["id"]])
        self._move_links(object_type, merged["id"], primary["id"])
        moment, ms = self._stamp()
        merged["archived"], merged["archivedAt"] = True, values.iso_ms(moment)
        self._touch(object_type, merged, moment, ms)
        self._touch(object_type, primary, moment, ms)
        events = self.webhooks.merge_events(
            object_type, primary["id"], [merged["id"]], len(moved), ms, source
        )
        return primary, events

    def _move_links(self, object_type: str, from_id: str, to_id: str) -> None:
        """The merged record's associations go to the primary, which keeps its own
        primary-labelled ones: a record has one primary company."""
        for other_type, targets in self.links.drop(object_type, from_id).items():
            kept = self.links.of(object_type, to_id, other_type)
            has_primary = any(t in PRIMARY for ids in kept.values() for t in ids)
            for other_id, type_ids in targets.items():
                for type_id in type_ids:
                    if not (has_primary and type_id in PRIMARY):
                        self.links.add(object_type, to_id, other_type, other_id, type_id)

    def _stamp(self, at: dt.datetime | None = None) -> tuple[dt.datetime, int]:
        """A write's time, cut to whole milliseconds: HubSpot's dates and occurredAt are ms."""
        ms = values.epoch_ms(at or self.clock.now())
        return values.from_ms(ms), ms

    def _touch(
        self, object_type: str, record: dict[str, Any], moment: dt.datetime, ms: int
    ) -> None:
        stamp = values.iso_ms(moment)
        record["updatedAt"] = stamp
        for name in schema.modified_properties(object_type):
            record["properties"][name] = stamp
        lag_ms = int(self.settings.hubspot_search_lag_seconds * 1000)
        self.index.add(object_type, record, ms, lag_ms)

    def _check_unique(
        self,
        object_type: str,
        cleaned: Mapping[str, str],
        own_id: str | None,
        pending: Iterable[Mapping[str, str]],
    ) -> None:
        pending = list(pending)
        for name in self.properties.unique_names(object_type):
            value = (cleaned.get(name) or "").lower()
            if not value:
                continue
            holders = [
                r["id"]
                for r in self.records[object_type].values()
                if not r["archived"]
                and r["id"] != own_id
                and (r["properties"].get(name) or "").lower() == value
            ]
            if holders or any((p.get(name) or "").lower() == value for p in pending):
                existing = holders[0] if holders else "(earlier in this batch)"
                singular = schema.OBJECT_TYPES[object_type][1]
                what = "Contact" if name == "email" else f"A {singular} with this {name}"
                raise HubSpotError(
                    409, "CONFLICT", f"{what} already exists. Existing ID: {existing}"
                )
