"""The Momentos trigger in Zendesk: what it should be, what differs, and the Triggers API.

With `webhook_connection: triggers`, one trigger titled TRIGGER_TITLE fires on every ticket
create and change and calls the "Momentos" webhook with TRIGGER_BODY (ZENDESK.md §11.3):
`notification_webhook` takes [webhook id, body template as a string].
"""

import json
from typing import Any

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.webhooks import TRIGGER_BODY

TRIGGER_TITLE = "Momentos: ticket changes"
CONDITIONS = {
    "all": [],
    "any": [
        {"field": "update_type", "operator": "is", "value": "Create"},
        {"field": "update_type", "operator": "is", "value": "Change"},
    ],
}
COMPARED = ("title", "active", "conditions", "actions")
# Zendesk replaces both lists when either is sent, so they always travel together.
RULES = ("conditions", "actions")
PAGE_SIZE = 100


def desired_trigger(webhook_id: str) -> dict[str, Any]:
    return {
        "title": TRIGGER_TITLE,
        "active": True,
        "conditions": CONDITIONS,
        "actions": [{"field": "notification_webhook", "value": [webhook_id, TRIGGER_BODY]}],
    }


def _condition(condition: dict[str, Any]) -> tuple:
    return condition.get("field"), condition.get("operator"), json.dumps(condition.get("value"))


def _conditions(trigger: dict[str, Any]) -> tuple[frozenset, ...]:
    conditions = trigger.get("conditions") or {}
    return tuple(frozenset(map(_condition, conditions.get(part) or [])) for part in ("all", "any"))


def _body(text: Any) -> Any:
    """A body template as data, so that Zendesk re-spacing the JSON is no difference."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _actions(trigger: dict[str, Any]) -> list[tuple]:
    actions = []
    for action in trigger.get("actions") or []:
        value = action.get("value")
        if action.get("field") == "notification_webhook" and isinstance(value, list):
            value = [value[0], *map(_body, value[1:])]
        actions.append((action.get("field"), json.dumps(value, sort_keys=True)))
    return actions


def differences(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """The fields of `desired` that `current` does not match (conditions as sets)."""
    changed = [name for name in ("title", "active") if current.get(name) != desired[name]]
    if _conditions(current) != _conditions(desired):
        changed.append("conditions")
    if _actions(current) != _actions(desired):
        changed.append("actions")
    return changed


def update_fields(desired: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """What to send for `changed`: conditions and actions both, when either changed."""
    names = set(changed) | (set(RULES) if set(RULES) & set(changed) else set())
    return {name: desired[name] for name in COMPARED if name in names}


def find_triggers(client: ZendeskClient, title: str = TRIGGER_TITLE) -> list[dict[str, Any]]:
    """Triggers titled exactly `title`, oldest first."""
    params: dict[str, Any] = {"page[size]": PAGE_SIZE}
    found = []
    while True:
        body = client.request_json("GET", "/api/v2/triggers", params=params)
        found += [rule for rule in body.get("triggers") or [] if rule.get("title") == title]
        meta = body.get("meta") or {}
        if not meta.get("has_more") or not meta.get("after_cursor"):
            return sorted(found, key=lambda rule: int(rule["id"]))
        params = {**params, "page[after]": meta["after_cursor"]}


def create_trigger(client: ZendeskClient, trigger: dict[str, Any]) -> dict[str, Any]:
    # Not repeated blindly: a lost answer may have created it; the next run finds it by title.
    body = client.request_json("POST", "/api/v2/triggers", json={"trigger": trigger},
                               idempotent=False)  # fmt: skip
    return body["trigger"]


def update_trigger(client: ZendeskClient, trigger_id: int, fields: dict[str, Any]) -> None:
    client.request("PUT", f"/api/v2/triggers/{int(trigger_id)}", json={"trigger": fields})


def delete_trigger(client: ZendeskClient, trigger_id: int) -> None:
    client.request("DELETE", f"/api/v2/triggers/{int(trigger_id)}")
