"""Ticket triggers, as far as Momentos uses them: on a create or a change, send a webhook.

Conditions understood: `update_type` is Create | Change; `status`, `priority`, `type` with
is / is_not (status also less_than / greater_than); `current_tags` includes / not_includes.
Action understood: `notification_webhook` [webhook_id, body template]. Anything else is
refused with 422, so a trigger that would silently never fire here fails at creation.

Body templates are Liquid; only PLACEHOLDERS are filled and any other `{{...}}` renders
empty, as Liquid renders unknown variables. Values are escaped for the webhook's format so
a quote in a subject keeps a JSON body valid (inferred: Zendesk's escaping is undocumented).
"""

import json
import re
from typing import Any
from urllib.parse import quote_plus
from xml.sax.saxutils import escape as xml_escape

from connectors.timefmt import format_iso
from sandbox.zendesk.errors import RecordInvalid, RecordNotFound, ZendeskApiError
from sandbox.zendesk.shapes import STATUSES, api_url

PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*(?:\|[^}]*)?\}\}")
PLACEHOLDERS = (
    "ticket.id",
    "ticket.title",
    "ticket.description",
    "ticket.status",
    "ticket.priority",
    "ticket.ticket_type",
    "ticket.tags",
    "ticket.external_id",
    "ticket.created_at_with_timestamp",
    "ticket.updated_at_with_timestamp",
    "ticket.requester.email",
    "ticket.requester.name",
)
OPERATORS = {
    "update_type": ("is", "is_not"),
    "status": ("is", "is_not", "less_than", "greater_than"),
    "priority": ("is", "is_not"),
    "type": ("is", "is_not"),
    "current_tags": ("includes", "not_includes"),
}
ESCAPES = {
    "json": lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    "xml": xml_escape,
    "form_encoded": quote_plus,
}
WRITABLE = ("title", "active", "position", "conditions", "actions", "description")
# Zendesk's Triggers API: updating conditions or actions replaces both arrays, clearing
# whichever is not sent.
RULES = ("conditions", "actions")


def placeholders(ticket: dict[str, Any], requester: dict[str, Any]) -> dict[str, str]:
    """Placeholder values: enums as the agent UI shows them ("Open"), tags space-separated."""

    def title(value: str | None) -> str:
        return (value or "").capitalize()

    return {
        "ticket.id": str(ticket["id"]),
        "ticket.title": ticket["subject"] or "",
        "ticket.description": ticket["description"],
        "ticket.status": title(ticket["status"]),
        "ticket.priority": title(ticket["priority"]),
        "ticket.ticket_type": title(ticket["type"]),
        "ticket.tags": " ".join(ticket["tags"]),
        "ticket.external_id": ticket["external_id"] or "",
        # Zendesk renders these to the minute ("2013-12-12T05:35Z"), not to the second.
        "ticket.created_at_with_timestamp": ticket["created_at"][:16] + "Z",
        "ticket.updated_at_with_timestamp": ticket["updated_at"][:16] + "Z",
        "ticket.requester.email": requester.get("email") or "",
        "ticket.requester.name": requester.get("name") or "",
    }


def render_template(template: str, values: dict[str, str], request_format: str) -> str:
    escape = ESCAPES.get(request_format, str)
    return PLACEHOLDER.sub(lambda match: escape(values.get(match.group(1), "")), template)


def _refuse(description: str) -> RecordInvalid:
    return RecordInvalid({"base": [{"description": description, "error": "InvalidValue"}]})


def _check_condition(condition: Any) -> None:
    if not isinstance(condition, dict):
        raise _refuse("Conditions: each condition is an object")
    field, operator = condition.get("field"), condition.get("operator")
    if operator not in OPERATORS.get(field, ()):
        raise _refuse(f"Conditions: {field} {operator} is not supported by the sandbox")


def _check_action(action: Any, hooks) -> None:
    if not isinstance(action, dict) or action.get("field") != "notification_webhook":
        raise _refuse("Actions: only notification_webhook is supported by the sandbox")
    value = action.get("value")
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise _refuse("Actions: notification_webhook takes [webhook_id, body]")
    try:
        hook = hooks.get(value[0])
    except ZendeskApiError as exc:
        raise _refuse(f"Actions: webhook {value[0]} does not exist") from exc
    if "conditional_ticket_events" not in hook.get("subscriptions", []):
        raise _refuse("Actions: the webhook is not connected to triggers")


def check(trigger: dict[str, Any], hooks) -> None:
    """Refuse (422) what a real account refuses, and what the sandbox does not run."""
    if not trigger.get("title"):
        raise _refuse("Title: cannot be blank")
    conditions = trigger.get("conditions")
    if not isinstance(conditions, dict) or not (conditions.get("all") or conditions.get("any")):
        raise _refuse("Conditions: at least one condition is needed")
    for condition in [*(conditions.get("all") or []), *(conditions.get("any") or [])]:
        _check_condition(condition)
    actions = trigger.get("actions")
    if not isinstance(actions, list) or not actions:
        raise _refuse("Actions: at least one action is needed")
    for action in actions:
        _check_action(action, hooks)


def _holds(condition: dict, update_type: str, ticket: dict) -> bool:
    field, operator, value = condition["field"], condition["operator"], condition.get("value")
    if field == "update_type":
        return (update_type == value) == (operator == "is")
    if field == "current_tags":
        hit = bool(set(str(value or "").split()) & set(ticket["tags"]))
        return hit == (operator == "includes")
    current = ticket[field]
    if operator in ("less_than", "greater_than"):
        if value not in STATUSES:
            return False
        order = STATUSES.index(current) - STATUSES.index(value)
        return order < 0 if operator == "less_than" else order > 0
    return (current == value) == (operator == "is")


def matches(trigger: dict[str, Any], update_type: str, ticket: dict[str, Any]) -> bool:
    every = trigger["conditions"].get("all") or []
    some = trigger["conditions"].get("any") or []
    return all(_holds(c, update_type, ticket) for c in every) and (
        not some or any(_holds(c, update_type, ticket) for c in some)
    )


class TriggerBook:
    """Triggers by id; `fired` lists the webhook sends a ticket event causes, in order."""

    def __init__(self) -> None:
        self.records: dict[int, dict[str, Any]] = {}

    def get(self, trigger_id: int) -> dict[str, Any]:
        if trigger_id not in self.records:
            raise RecordNotFound()
        return self.records[trigger_id]

    def ordered(self) -> list[dict[str, Any]]:
        return sorted(self.records.values(), key=lambda t: (t["position"], t["id"]))

    def save(self, trigger_id: int, fields: dict, hooks, when: str, old: dict | None) -> dict:
        """Create (old is None) or update a trigger from an API body."""
        trigger = dict(old) if old else {"id": trigger_id, "created_at": when, "active": True}
        if old and any(name in fields for name in RULES):
            trigger.update(conditions={}, actions=[])
        trigger.update({k: fields[k] for k in WRITABLE if k in fields})
        trigger.setdefault("description", None)
        trigger.setdefault("position", 1 + max((t["position"] for t in self.ordered()), default=0))
        check(trigger, hooks)
        trigger["updated_at"] = when
        self.records[trigger_id] = trigger
        return trigger

    def delete(self, trigger_id: int) -> None:
        self.get(trigger_id)
        del self.records[trigger_id]

    def fired(self, update_type: str, ticket: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (action["value"][0], action["value"][1])
            for trigger in self.ordered()
            if trigger["active"] and matches(trigger, update_type, ticket)
            for action in trigger["actions"]
        ]


def render_trigger(trigger: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "url": api_url(base, f"triggers/{trigger['id']}.json"),
        "id": trigger["id"],
        "title": trigger["title"],
        "raw_title": trigger["title"],
        "active": trigger["active"],
        "position": trigger["position"],
        "conditions": trigger["conditions"],
        "actions": trigger["actions"],
        "description": trigger["description"],
        "default": False,
        "created_at": trigger["created_at"],
        "updated_at": trigger["updated_at"],
    }


class Triggering:
    """Trigger API and trigger runs (a `ZendeskState` mixin)."""

    def save_trigger(self, fields: dict[str, Any], trigger_id: int | None = None) -> dict:
        old = self.triggers.get(trigger_id) if trigger_id is not None else None
        new_id = trigger_id if trigger_id is not None else self.next_id("trigger")
        trigger = self.triggers.save(new_id, fields, self.hooks, format_iso(self.now()), old)
        return render_trigger(trigger, self.base)

    def run_triggers(self, update_type: str, ticket: dict[str, Any]) -> None:
        """Send each matching trigger's webhook, its body rendered from the ticket."""
        fired = self.triggers.fired(update_type, ticket)
        if not fired:
            return
        values = placeholders(ticket, self.users.get(ticket["requester_id"], {}))
        for hook_id, template in fired:
            hook = self.hooks.hooks.get(hook_id)
            if hook is not None:
                body = render_template(template, values, hook["request_format"])
                self.hooks.send(hook_id, body.encode())
