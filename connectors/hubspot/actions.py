"""Tasks and notes created in HubSpot, each carrying its outbox key in `momentos_key`.

HubSpot has no idempotency key for CRM writes (HUBSPOT.md §4.4): the key goes in a
property Momentos creates on first use, and a lost answer is resolved by a CRM search on
that property, trusted only once the search index has caught up (`SEARCH_LAG`).
"""

import html
from datetime import timedelta
from typing import Any

from connectors.batches import chunks, failed, send_batches
from connectors.http import parse_json
from connectors.hubspot.client import SEARCH, HubSpotClient, crm_path
from connectors.timefmt import parse_iso, to_epoch_ms
from momentos.errors import FatalApiError
from momentos.model import Action, ActionResult

SEARCH_LAG = timedelta(seconds=60)
KEY_PROPERTY = "momentos_key"
BATCH_LIMIT = 100
LOOKUP_LIMIT = 100
OBJECTS = {"task": "tasks", "note": "notes"}
OBJECT_TYPE_IDS = {"task": "0-27", "note": "0-46"}
# HubSpot-defined association type ids, from the activity to the record (HUBSPOT.md §4.1).
ASSOCIATION_TYPES = {
    "task": {"contact_ids": 204, "company_ids": 192, "deal_ids": 216},
    "note": {"contact_ids": 202, "company_ids": 190, "deal_ids": 214},
}
# Default property groups of tasks and notes (inferred; HubSpot requires a group).
PROPERTY_GROUPS = {"tasks": "task_information", "notes": "note_information"}
RETRIABLE_CATEGORIES = frozenset({"RATE_LIMITS", "RATE_LIMIT", "LOCKED", "TIMEOUT",
                                  "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"})  # fmt: skip
RECORD_URL = "{app_url}/contacts/{portal_id}/record/{type_id}/{id}"


def _timestamp(value: Any) -> str:
    """HubSpot datetimes as epoch ms, which it accepts for every datetime property."""
    return str(to_epoch_ms(parse_iso(value)))


def rich_text(text: str | None) -> str | None:
    """Plain text as the HTML HubSpot shows task and note bodies in: escaped, with paragraphs
    and line breaks kept (HubSpot's editor collapses bare newlines)."""
    if not text:
        return text
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.strip().split("\n")) + "</p>"
        for p in paragraphs
    )


def properties(action: Action) -> dict[str, str]:
    """The properties of one task or note (docs/contracts.md payloads)."""
    payload = action.payload
    if action.kind == "task":
        props = {"hs_timestamp": _timestamp(payload["due_at"]),
                 "hs_task_subject": payload.get("subject"),
                 "hs_task_body": rich_text(payload.get("body")),
                 "hs_task_status": "NOT_STARTED", "hs_task_priority": payload.get("priority"),
                 "hs_task_type": payload.get("task_type")}  # fmt: skip
    else:
        props = {"hs_timestamp": _timestamp(payload["timestamp"]),
                 "hs_note_body": rich_text(payload.get("body"))}  # fmt: skip
    props.update(hubspot_owner_id=payload.get("owner_id"), **{KEY_PROPERTY: action.key})
    return {name: str(value) for name, value in props.items() if value not in (None, "")}


def associations(action: Action) -> list[dict[str, Any]]:
    return [
        {"to": {"id": str(record_id)},
         "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}
        for field, type_id in ASSOCIATION_TYPES[action.kind].items()
        for record_id in action.payload.get(field) or []
    ]  # fmt: skip


def key_property(objects: str) -> dict[str, Any]:
    """The definition of `momentos_key`: plain text, not unique (tasks cannot have those)."""
    return {
        "name": KEY_PROPERTY,
        "label": "Momentos key",
        "type": "string",
        "fieldType": "text",
        "groupName": PROPERTY_GROUPS[objects],
        "hasUniqueValue": False,
        "description": "Written by Momentos to find its own tasks and notes again.",
    }


def payload_problem(action: Action) -> str | None:
    if action.kind not in OBJECTS:
        return f"HubSpot cannot create a {action.kind!r}"
    when = "due_at" if action.kind == "task" else "timestamp"
    try:
        _timestamp(action.payload[when])
    except (KeyError, TypeError, ValueError, AttributeError):
        return f"a HubSpot {action.kind} needs an ISO {when} (got {action.payload.get(when)!r})"
    return None


class HubSpotActions:
    LOOKUP_LAG = SEARCH_LAG

    def __init__(self, client: HubSpotClient, app_url: str, portal_id: int | str,
                 record_url: str = RECORD_URL):  # fmt: skip
        self.client = client
        self.app_url = app_url.rstrip("/")
        self.portal_id = portal_id
        self.record_url = record_url
        self._provisioned: set[str] = set()

    def url(self, kind: str, remote_id: str) -> str:
        return self.record_url.format(app_url=self.app_url, portal_id=self.portal_id,
                                      type_id=OBJECT_TYPE_IDS[kind], id=remote_id)  # fmt: skip

    def ensure_key_property(self) -> None:
        """Create `momentos_key` on tasks and notes unless it exists; once per process."""
        for objects in OBJECTS.values():
            if objects in self._provisioned:
                continue
            try:
                self.client.request("GET", crm_path("properties", f"{objects}/{KEY_PROPERTY}"))
            except FatalApiError as exc:
                if exc.status_code != 404:
                    raise
                self._create_key_property(objects)
            self._provisioned.add(objects)

    def _create_key_property(self, objects: str) -> None:
        try:
            self.client.request("POST", crm_path("properties", objects), json=key_property(objects))
        except FatalApiError as exc:
            if exc.status_code != 409:  # created meanwhile by another worker
                raise

    def create(self, actions: list[Action]) -> list[ActionResult]:
        """Tasks and notes through `batch/create`, 100 per call; one result per action."""
        problems = {a.key: problem for a in actions if (problem := payload_problem(a))}
        results = [failed(a, problems[a.key]) for a in actions if a.key in problems]
        valid = [a for a in actions if a.key not in problems]
        if valid:
            self.ensure_key_property()
        batches = [
            batch
            for kind in OBJECTS
            for batch in chunks([a for a in valid if a.kind == kind], BATCH_LIMIT)
        ]
        results += send_batches(batches, self._create_batch)
        order = {a.key: index for index, a in enumerate(actions)}
        return sorted(results, key=lambda r: order[r.key])

    def _create_batch(self, batch: list[Action]) -> list[ActionResult]:
        inputs = [{"properties": properties(a), "associations": associations(a),
                   "objectWriteTraceId": a.key} for a in batch]  # fmt: skip
        path = crm_path("objects", f"{OBJECTS[batch[0].kind]}/batch/create")
        response = self.client.request("POST", path, json={"inputs": inputs}, idempotent=False)
        body = parse_json(response, f"POST {path}")
        created = {}
        for obj in body.get("results") or []:
            key = (obj.get("properties") or {}).get(KEY_PROPERTY) or obj.get("objectWriteTraceId")
            created[key] = str(obj["id"])
        errors = {}
        for error in body.get("errors") or []:
            for key in (error.get("context") or {}).get("objectWriteTraceId") or []:
                errors[key] = error
        return [self._result(a, created.get(a.key), errors.get(a.key), response.status_code)
                for a in batch]  # fmt: skip

    def _result(self, action: Action, remote_id: str | None, error: dict | None,
                status: int) -> ActionResult:  # fmt: skip
        if remote_id is not None or (error is None and status == 201):
            # A 201 means every input was created, even one the answer did not name.
            url = self.url(action.kind, remote_id) if remote_id else None
            return ActionResult(key=action.key, ok=True, remote_id=remote_id, remote_url=url)
        if error is None:
            return failed(action, "HubSpot reported neither a result nor an error for it",
                          retriable=True)  # fmt: skip
        category = str(error.get("category") or "")
        message = f"{category}: {error.get('message') or ''}".strip(": ")
        return failed(action, message, retriable=category in RETRIABLE_CATEGORIES)

    def lookup(self, actions: list[Action]) -> dict[str, tuple[str, str]]:
        """Where each action already exists: key -> (id, URL), by a search on `momentos_key`.

        The search index lags: an absent key proves nothing until `SEARCH_LAG` has passed
        since the create; the caller decides.
        """
        # A first send that failed before making the key property leaves nothing to find,
        # but searching a missing property is a 400: make it, and the search says "absent".
        self.ensure_key_property()
        found: dict[str, tuple[str, str]] = {}
        for kind, objects in OBJECTS.items():
            keys = sorted({a.key for a in actions if a.kind == kind})
            for batch in chunks(keys, LOOKUP_LIMIT):
                for key, remote_id in self._search_keys(objects, batch):
                    if key not in found or int(remote_id) < int(found[key][0]):
                        found[key] = (remote_id, self.url(kind, remote_id))
        return found

    def _search_keys(self, objects: str, keys: list[str]) -> list[tuple[str, str]]:
        path, after, matches = crm_path("objects", f"{objects}/search"), None, []
        while True:
            query = {"filterGroups": [{"filters": [
                        {"propertyName": KEY_PROPERTY, "operator": "IN", "values": keys}]}],
                     "properties": [KEY_PROPERTY], "limit": LOOKUP_LIMIT}  # fmt: skip
            if after is not None:
                query["after"] = after
            body = self.client.request_json("POST", path, json=query, family=SEARCH,
                                            idempotent=True)  # fmt: skip
            matches += [((obj.get("properties") or {}).get(KEY_PROPERTY), str(obj["id"]))
                        for obj in body.get("results") or []]  # fmt: skip
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if after is None:
                return [(key, remote_id) for key, remote_id in matches if key in keys]

    def created(self) -> list[dict[str, Any]]:
        """Every task and note Momentos created (`momentos_key` set), read from the list API.

        The list API does not lag like search does, so a summary right after sending is
        complete. It reads every task and note: meant for the demo and checks, not a hot path.
        """
        fields = {"task": "hs_task_subject", "note": "hs_note_body"}
        found = []
        for kind, objects in OBJECTS.items():
            params = {"limit": 100, "properties": f"{KEY_PROPERTY},{fields[kind]},hubspot_owner_id"}
            path = crm_path("objects", objects)
            while True:
                body = self.client.request_json("GET", path, params=params)
                for obj in body.get("results") or []:
                    props = obj.get("properties") or {}
                    if props.get(KEY_PROPERTY):
                        found.append({"kind": kind, "id": str(obj["id"]),
                                      "key": props[KEY_PROPERTY],
                                      "subject": (props.get(fields[kind]) or "")[:120],
                                      "owner_id": props.get("hubspot_owner_id")})  # fmt: skip
                after = ((body.get("paging") or {}).get("next") or {}).get("after")
                if after is None:
                    break
                params = {**params, "after": after}
        return found
