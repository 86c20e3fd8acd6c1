"""The Momentos webhook in Zendesk: what it should be, what differs, and the Webhooks API.

One webhook named "Momentos" (ZENDESK.md §11.1-11.2), POST and JSON, connected one of two
ways: subscribed to the ticket and user events Momentos reads (`events`), or called by the
Momentos trigger (`triggers`, see `triggers.py`). A webhook cannot change its method, its
format or its connection method after creation, so such a difference means delete and
create again.
"""

from typing import Any

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.webhooks import EVENT_TYPE_PREFIX

WEBHOOK_NAME = "Momentos"
EVENTS = (
    "ticket.created",
    "ticket.status_changed",
    "ticket.priority_changed",
    "ticket.type_changed",
    "ticket.tags_changed",
    "ticket.subject_changed",
    "ticket.comment_added",
    "ticket.custom_field_changed",
    "ticket.agent_assignment_changed",
    "ticket.group_assignment_changed",
    "ticket.organization_changed",
    "ticket.requester_changed",
    "ticket.merged",
    "ticket.soft_deleted",
    "ticket.permanently_deleted",
    "ticket.undeleted",
    "user.created",
    "user.deleted",
    "user.merged",
    "user.active_changed",
    "user.name_changed",
    "user.identity_changed",
    "user.time_zone_changed",
    "user.custom_field_changed",
    "user.organization_membership_created",
)
SUBSCRIPTIONS = tuple(EVENT_TYPE_PREFIX + name for name in EVENTS)
# Connection methods; a webhook that triggers call subscribes to this instead of events.
EVENTS_CONNECTION = "events"
TRIGGERS_CONNECTION = "triggers"
CONNECTIONS = (EVENTS_CONNECTION, TRIGGERS_CONNECTION)
TRIGGER_SUBSCRIPTION = "conditional_ticket_events"
# Fields whose difference needs a new webhook rather than an update.
FIXED = ("http_method", "request_format")
PAGE_SIZE = 100


def desired_webhook(endpoint: str, connection: str = EVENTS_CONNECTION) -> dict[str, Any]:
    if connection not in CONNECTIONS:
        raise ValueError(f"No webhook connection method {connection!r}")
    events = connection == EVENTS_CONNECTION
    return {
        "name": WEBHOOK_NAME,
        "endpoint": endpoint,
        "http_method": "POST",
        "request_format": "json",
        "status": "active",
        "subscriptions": list(SUBSCRIPTIONS) if events else [TRIGGER_SUBSCRIPTION],
    }


def connection_of(webhook: dict[str, Any]) -> str | None:
    """How the webhook is connected; None when it has no subscription yet."""
    subscriptions = webhook.get("subscriptions") or []
    if TRIGGER_SUBSCRIPTION in subscriptions:
        return TRIGGERS_CONNECTION
    if any(str(name).startswith(EVENT_TYPE_PREFIX) for name in subscriptions):
        return EVENTS_CONNECTION
    return None


def replacements(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """What keeps `current` from becoming `desired` in place (nothing: an update will do)."""
    reasons = [name for name in FIXED if current.get(name) != desired.get(name)]
    have = connection_of(current)
    if have is not None and have != connection_of(desired):
        reasons.append("connection method")
    return reasons


def differences(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """The fields of `desired` that `current` does not match (subscriptions as a set)."""
    changed = []
    for name, wanted in desired.items():
        have = current.get(name)
        if name == "subscriptions":
            if set(have or []) != set(wanted):
                changed.append(name)
        elif have != wanted:
            changed.append(name)
    return changed


def find_webhooks(client: ZendeskClient, name: str = WEBHOOK_NAME) -> list[dict[str, Any]]:
    """Webhooks named exactly `name`, oldest first (ids sort by creation)."""
    params: dict[str, Any] = {"filter[name_contains]": name, "page[size]": PAGE_SIZE}
    found = []
    while True:
        body = client.request_json("GET", "/api/v2/webhooks", params=params)
        found += [hook for hook in body.get("webhooks") or [] if hook.get("name") == name]
        meta = body.get("meta") or {}
        if not meta.get("has_more") or not meta.get("after_cursor"):
            return sorted(found, key=lambda hook: str(hook["id"]))
        params = {**params, "page[after]": meta["after_cursor"]}


def create_webhook(client: ZendeskClient, webhook: dict[str, Any]) -> dict[str, Any]:
    # Not repeated blindly: a lost answer may have created it; the next run finds it by name.
    body = client.request_json("POST", "/api/v2/webhooks", json={"webhook": webhook},
                               idempotent=False)  # fmt: skip
    return body["webhook"]


def update_webhook(client: ZendeskClient, webhook_id: str, fields: dict[str, Any]) -> None:
    """PATCH only the given fields, so authentication and custom headers are kept."""
    client.request("PATCH", f"/api/v2/webhooks/{webhook_id}", json={"webhook": fields},
                   idempotent=True)  # fmt: skip


def delete_webhook(client: ZendeskClient, webhook_id: str) -> None:
    client.request("DELETE", f"/api/v2/webhooks/{webhook_id}")


def signing_secret(client: ZendeskClient, webhook_id: str) -> str:
    """The webhook's current signing secret (read, never reset)."""
    body = client.request_json("GET", f"/api/v2/webhooks/{webhook_id}/signing_secret")
    return body["signing_secret"]["secret"]
