"""Everything the HubSpot sandbox holds: records, owners, properties, associations, webhooks.

No Flask here: routes translate HTTP into these calls and HubSpotError into error bodies.
The steps of each write live in `writes.py`.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.hubspot import schema, search, values
from sandbox.hubspot.associations import Links
from sandbox.hubspot.emitter import WebhookEmitter
from sandbox.hubspot.errors import not_found, validation
from sandbox.hubspot.index import SearchIndex
from sandbox.hubspot.owners import Owners
from sandbox.hubspot.properties import PropertyRegistry
from sandbox.hubspot.throttle import Throttle
from sandbox.hubspot.writes import API_SOURCE, UI_SOURCE, RecordWrites

FIRST_RECORD_ID = 101
__all__ = ["API_SOURCE", "UI_SOURCE", "HubSpotState"]


class HubSpotState(RecordWrites):
    def __init__(self, settings, clock, deliveries):
        self.settings = settings
        self.clock = clock
        now = lambda: self.clock.now()  # noqa: E731 - looked up per call: tests patch clock.now
        self.properties = PropertyRegistry(now)
        self.webhooks = WebhookEmitter(settings, now, deliveries)
        self.owners = Owners(now)
        self.throttle = Throttle(settings, now)
        self.links = Links()
        self.index = SearchIndex()
        self.reset()

    def reset(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in schema.OBJECT_TYPES}
        self.next_ids = {t: FIRST_RECORD_ID for t in schema.OBJECT_TYPES}
        for part in (
            self.properties,
            self.webhooks,
            self.owners,
            self.throttle,
            self.links,
            self.index,
        ):
            part.reset()

    def dump(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "next_ids": self.next_ids,
            "owners": self.owners.dump(),
            "properties": self.properties.dump(),
            "associations": self.links.data,
            "webhooks": self.webhooks.dump(),
        }

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        self.records.update(data["records"])
        self.next_ids.update(data["next_ids"])
        self.owners.load(data["owners"])
        self.properties.load(data["properties"])
        self.links.load(data["associations"])
        self.webhooks.load(data["webhooks"])
        for object_type, records in self.records.items():
            self.index.rebuild(object_type, records.values(), at_ms=0)

    # -- helpers for the seed, tests and the frame --------------------------------------

    def create_owner(
        self,
        email: str,
        first_name: str,
        last_name: str,
        type: str = "PERSON",
        teams: Iterable[str | Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        return self.owners.create(email, first_name, last_name, type, teams)

    def set_webhook_target(self, url: str | None) -> None:
        self.webhooks.subscriptions.set_target(url)

    def subscribe(
        self, event_type: str, property_name: str | None = None, object_type_id: str | None = None
    ) -> dict:
        """An active subscription (the API's start paused), e.g. `contact.creation`."""
        return self.webhooks.subscribe(event_type, property_name, object_type_id)

    def create_property(self, object_type: str, definition: Mapping[str, Any]) -> dict:
        return self.properties.create(self.resolve(object_type), definition)

    def objects(self, object_type: str, archived: bool = False) -> list[dict[str, Any]]:
        records = self.records[self.resolve(object_type)].values()
        return sorted((r for r in records if r["archived"] == archived), key=lambda r: int(r["id"]))

    def create_object(
        self,
        object_type: str,
        properties: Mapping[str, Any],
        associations: Iterable[tuple[str, str, int]] = (),
        created_at: dt.datetime | None = None,
        source: str = UI_SOURCE,
    ) -> dict[str, Any]:
        object_type = self.resolve(object_type)
        links = [(self.resolve(to), str(to_id), int(t)) for to, to_id, t in associations]
        cleaned = self.prepare_create(object_type, properties, links)
        record, events = self.commit_create(object_type, cleaned, links, source, created_at)
        self.webhooks.send(events)
        return record

    def update_object(
        self,
        object_type: str,
        id: str,
        properties: Mapping[str, Any],
        source: str = UI_SOURCE,
        id_property: str | None = None,
    ) -> dict:
        object_type = self.resolve(object_type)
        record, cleaned = self.prepare_update(object_type, id, properties, id_property)
        record, events = self.commit_update(object_type, record, cleaned, source)
        self.webhooks.send(events)
        return record

    def archive_object(self, object_type: str, id: str, source: str = UI_SOURCE) -> None:
        object_type = self.resolve(object_type)
        record, events = self.commit_archive(object_type, self.find(object_type, id), source)
        self.webhooks.send(events)

    def associate(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
        type_id: int,
        source: str = UI_SOURCE,
    ) -> None:
        """Link two records; a new link fires associationChange events both ways."""
        from_type, to_type = self.resolve(from_type), self.resolve(to_type)
        from_id, to_id = str(from_id), str(to_id)
        self.find(from_type, from_id)
        self.find(to_type, to_id)
        known = int(type_id) in self.links.of(from_type, from_id, to_type).get(to_id, [])
        self.links.add(from_type, from_id, to_type, to_id, int(type_id))
        if not known:
            ms = values.epoch_ms(self.clock.now())
            self.webhooks.send(
                self.webhooks.association_events(
                    from_type, from_id, to_type, to_id, [int(type_id)], ms, source
                )
            )

    def merge(
        self, object_type: str, primary_id: str, merged_id: str, source: str = UI_SOURCE
    ) -> dict[str, Any]:
        """Merge one record into another (see `commit_merge`); returns the primary."""
        object_type = self.resolve(object_type)
        record, events = self.commit_merge(object_type, str(primary_id), str(merged_id), source)
        self.webhooks.send(events)
        return record

    # -- reads -----------------------------------------------------------------------------

    def resolve(self, object_type: str) -> str:
        resolved = schema.resolve_type(str(object_type))
        if resolved is None:
            raise validation(f"Unable to infer object type from: {object_type}")
        return resolved

    def find(
        self, object_type: str, key: str, id_property: str | None = None, archived: bool = False
    ) -> dict[str, Any]:
        """A record by id or by a unique property; 404 if absent or not in that archive state."""
        if id_property and id_property != "hs_object_id":
            found = self._find_unique(object_type, id_property, str(key), archived)
        else:
            found = self.records[object_type].get(str(key))
        if found is None or found["archived"] != archived:
            raise not_found(
                "Object not found.  objectId are usually numeric.", context={"id": [str(key)]}
            )
        return found

    def _find_unique(
        self, object_type: str, id_property: str, key: str, archived: bool
    ) -> dict[str, Any] | None:
        definition = self.properties.all(object_type).get(id_property)
        if definition is None or not definition["hasUniqueValue"]:
            raise validation(f"{id_property} is not a unique identifier property of {object_type}")
        for record in self.records[object_type].values():
            value = record["properties"].get(id_property) or ""
            if value.lower() == key.lower() and record["archived"] == archived:
                return record
        return None

    def page(
        self, object_type: str, limit: int, after: str | None, archived: bool = False
    ) -> tuple[list[dict[str, Any]], str | None]:
        """List order is ascending id; `after` is the id the next page starts at."""
        start = int(after) if after and after.isdigit() else 0
        chosen = [r for r in self.objects(object_type, archived) if int(r["id"]) >= start]
        page = chosen[:limit]
        more = len(chosen) > limit
        return page, str(int(page[-1]["id"]) + 1) if more else None

    def view(
        self,
        object_type: str,
        record: dict[str, Any],
        wanted: list[str] | None = None,
        associations: Iterable[str] = (),
        full: bool = False,
    ) -> dict[str, Any]:
        """A record as the API shows it; asked-for properties without a value come as null."""
        known = self.properties.all(object_type)
        if full:
            names = list(record["properties"])
        elif wanted:
            names = [n for n in wanted if n in known] + [
                n for n in schema.always_returned(object_type) if n not in wanted
            ]
        else:
            names = list(schema.DEFAULT_RETURNED[object_type])
        shown = {
            "id": record["id"],
            "properties": {n: record["properties"].get(n) for n in names},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record["archived"]:
            shown["archivedAt"] = record["archivedAt"]
        for to_type in associations:
            results = self.links.v3_results(object_type, record["id"], to_type)
            if results:
                shown.setdefault("associations", {})[to_type] = {"results": results}
        return shown

    def search(self, object_type: str, body: Any) -> dict[str, Any]:
        """What `POST .../search` answers; records changed within the lag show as before."""
        object_type = self.resolve(object_type)
        now_ms = values.epoch_ms(self.clock.now())
        lag_ms = int(self.settings.hubspot_search_lag_seconds * 1000)
        visible = self.index.visible(object_type, now_ms, lag_ms)
        total, page, after = search.run(
            object_type, body, visible, self.properties.all(object_type)
        )
        wanted = body["properties"] if isinstance(body.get("properties"), list) else None
        answer: dict[str, Any] = {
            "total": total,
            "results": [self.view(object_type, r, wanted) for r in page],
        }
        if after is not None:
            answer["paging"] = {"next": {"after": after}}
        return answer
