"""Associations between records, stored in both directions with HubSpot's type ids (§4.1)."""

from collections.abc import Mapping
from typing import Any

from sandbox.hubspot import schema
from sandbox.hubspot.errors import validation

CATEGORY = "HUBSPOT_DEFINED"
# (from, to) -> type ids HubSpot defines for that direction; HUBSPOT.md §4.1 and their reverses.
TYPES = {
    ("contacts", "companies"): (1, 279),
    ("companies", "contacts"): (2, 280),
    ("deals", "companies"): (5, 341),
    ("companies", "deals"): (6, 342),
    ("deals", "contacts"): (3,),
    ("contacts", "deals"): (4,),
    ("tasks", "contacts"): (204,),
    ("contacts", "tasks"): (203,),
    ("tasks", "companies"): (192,),
    ("companies", "tasks"): (191,),
    ("tasks", "deals"): (216,),
    ("deals", "tasks"): (215,),
    ("notes", "contacts"): (202,),
    ("contacts", "notes"): (201,),
    ("notes", "companies"): (190,),
    ("companies", "notes"): (189,),
    ("notes", "deals"): (214,),
    ("deals", "notes"): (213,),
    ("invoices", "contacts"): (177,),
    ("contacts", "invoices"): (178,),
    ("invoices", "companies"): (179,),
    ("companies", "invoices"): (180,),
    ("invoices", "deals"): (175,),
    ("deals", "invoices"): (176,),
}
PAIRS = {type_id: pair for pair, ids in TYPES.items() for type_id in ids}
REVERSE = {
    type_id: TYPES[(to, from_)][ids.index(type_id)]
    for (from_, to), ids in TYPES.items()
    for type_id in ids
}
PRIMARY = {1, 2, 5, 6}
# HubSpot adds the unlabeled association whenever it makes a primary one.
IMPLIED = {1: 279, 2: 280, 5: 341, 6: 342}
UNLABELED = set(IMPLIED.values())


def label(type_id: int) -> str | None:
    return "Primary" if type_id in PRIMARY else None


def v3_name(type_id: int) -> str:
    """`contact_to_company`, `contact_to_company_unlabeled`: the v3 `type` of an association."""
    from_, to = PAIRS[type_id]
    name = f"{schema.OBJECT_TYPES[from_][1]}_to_{schema.OBJECT_TYPES[to][1]}"
    return f"{name}_unlabeled" if type_id in UNLABELED else name


def parse_spec(from_type: str, spec: Any) -> list[tuple[str, str, int]]:
    """(to type, to id, type id) for each type of a create input's `{to: {id}, types}`."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("to"), Mapping):
        raise validation("each association needs `to: {id}` and `types`")
    types = spec.get("types")
    if not isinstance(types, list) or not types:
        raise validation("each association needs at least one entry in `types`")
    to_id = str(spec["to"].get("id", ""))
    found = []
    for entry in types:
        category = entry.get("associationCategory") if isinstance(entry, Mapping) else None
        type_id = entry.get("associationTypeId") if isinstance(entry, Mapping) else None
        pair = PAIRS.get(type_id) if isinstance(type_id, int) else None
        if category != CATEGORY or pair is None or pair[0] != from_type:
            raise validation(f"association type {category} {type_id} is not valid from {from_type}")
        found.append((pair[1], to_id, type_id))
    return found


class Links:
    """`data[from_type][from_id][to_type][to_id]` = sorted type ids; JSON as it stands."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, dict[str, dict[str, list[int]]]]] = {}

    def reset(self) -> None:
        self.data = {t: {} for t in schema.OBJECT_TYPES}

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        self.data.update(data)

    def add(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        """Store a type and its implied unlabeled twin, in both directions."""
        if PAIRS.get(type_id) != (from_type, to_type):
            raise validation(
                f"association type {type_id} does not go from {from_type} to {to_type}"
            )
        for type_ in (type_id, IMPLIED.get(type_id)):
            if type_ is None:
                continue
            self._put(from_type, from_id, to_type, to_id, type_)
            self._put(to_type, to_id, from_type, from_id, REVERSE[type_])

    def _put(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        ids = self.data[from_type].setdefault(from_id, {}).setdefault(to_type, {})
        ids[to_id] = sorted(set(ids.get(to_id, [])) | {type_id})

    def drop(self, from_type: str, from_id: str) -> dict[str, dict[str, list[int]]]:
        """Remove every association of a record, both directions; return what it had."""
        had = self.data[from_type].pop(from_id, {})
        for to_type, targets in had.items():
            for to_id in targets:
                self.data[to_type].get(to_id, {}).get(from_type, {}).pop(from_id, None)
        return had

    def of(self, from_type: str, from_id: str, to_type: str) -> dict[str, list[int]]:
        """to id -> type ids, in ascending numeric id order."""
        found = self.data[from_type].get(from_id, {}).get(to_type, {})
        return dict(sorted(found.items(), key=lambda item: int(item[0])))

    def v4_entries(self, from_type: str, from_id: str, to_type: str) -> list[dict[str, Any]]:
        return [
            {
                "toObjectId": int(to_id),
                "associationTypes": [
                    {"category": CATEGORY, "typeId": t, "label": label(t)} for t in type_ids
                ],
            }
            for to_id, type_ids in self.of(from_type, from_id, to_type).items()
        ]

    def v3_results(self, from_type: str, from_id: str, to_type: str) -> list[dict[str, str]]:
        return [
            {"id": to_id, "type": v3_name(t)}
            for to_id, type_ids in self.of(from_type, from_id, to_type).items()
            for t in type_ids
        ]
