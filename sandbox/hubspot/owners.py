"""Owners: the users and queues records are assigned to (`hubspot_owner_id`), read-only in
the API (HUBSPOT.md §2.2)."""

import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sandbox.hubspot import values
from sandbox.hubspot.errors import not_found, validation

# Shaped like real ids: owner ids are the strings stored in `hubspot_owner_id`, user ids
# are other numbers, so code that mixes them up fails against the sandbox too.
FIRST_OWNER_ID, FIRST_USER_ID = 64492917, 1000001
DEFAULT_LIMIT, MAX_LIMIT = 100, 500


class Owners:
    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self.data: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        self.data = {}

    def dump(self) -> dict[str, Any]:
        return self.data

    def load(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def ids(self) -> set[str]:
        return {owner_id for owner_id, owner in self.data.items() if not owner["archived"]}

    def create(
        self,
        email: str,
        first_name: str,
        last_name: str,
        type_: str = "PERSON",
        teams: Iterable[str | Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        if type_ not in ("PERSON", "QUEUE"):
            raise ValueError(f"owner type must be PERSON or QUEUE (got {type_!r})")
        number = len(self.data)
        stamp = values.iso_ms(self._now())
        owner: dict[str, Any] = {
            "id": str(FIRST_OWNER_ID + number),
            "email": email,
            "type": type_,
            "firstName": first_name,
            "lastName": last_name,
        }
        if type_ == "PERSON":
            # Queues are not users, so they carry no user id.
            owner["userId"] = owner["userIdIncludingInactive"] = FIRST_USER_ID + number
        owner.update(
            {
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
                "teams": [_team(team, i) for i, team in enumerate(teams)],
            }
        )
        self.data[owner["id"]] = owner
        return owner

    def page(
        self, limit: int, after: str | None, email: str | None, archived: bool
    ) -> tuple[list[dict[str, Any]], str | None]:
        if not 1 <= limit <= MAX_LIMIT:
            raise validation(f"limit must be between 1 and {MAX_LIMIT} (got {limit})")
        start = int(after) if after and after.isdigit() else 0
        chosen = [
            o
            for o in self.data.values()
            if o["archived"] == archived and (email is None or o["email"].lower() == email.lower())
        ]
        page = chosen[start : start + limit]
        more = start + limit < len(chosen)
        return page, str(start + limit) if more else None

    def get(self, key: str, id_property: str = "id") -> dict[str, Any]:
        if id_property not in ("id", "userId"):
            raise validation(f"idProperty must be id or userId (got {id_property!r})")
        field = "id" if id_property == "id" else "userId"
        found = next((o for o in self.data.values() if str(o.get(field)) == str(key)), None)
        if found is None:
            raise not_found(f"Owner {key} not found")
        return found


def _team(team: str | Mapping[str, Any], order: int) -> dict[str, Any]:
    if isinstance(team, Mapping):
        return {
            "id": str(team["id"]),
            "name": team["name"],
            "primary": bool(team.get("primary", order == 0)),
        }
    # A stable id from the name, so reloading or reseeding gives the same team ids.
    return {"id": str(zlib.crc32(team.encode()) % 10_000_000), "name": team, "primary": order == 0}
