"""Webhooks: the registry behind the Webhooks API, and the signed deliveries of events."""

import base64
import json
import os
import uuid
from collections.abc import Mapping
from typing import Any

from connectors.timefmt import format_iso
from connectors.zendesk.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from sandbox.zendesk.errors import WebhookInvalid, WebhookNotFound

EVENT_VERSION = "2022-11-06"
USER_AGENT = "Zendesk Webhook"
TIMEOUT_SECONDS = 12
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUIRED = ("name", "endpoint", "http_method", "request_format", "status")
WRITABLE = (
    *REQUIRED,
    "subscriptions",
    "description",
    "authentication",
    "custom_headers",
    "external_source",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FORMATS = ("json", "xml", "form_encoded")
CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "form_encoded": "application/x-www-form-urlencoded",
}
# Webhooks that triggers and automations call, instead of event subscriptions.
TRIGGER_SUBSCRIPTION = "conditional_ticket_events"
# Retry rules published for Zendesk webhooks: timeouts 5 times, 409 3 times, 429/503 only
# with a Retry-After under a minute. Backoff between them is not published (ours).
TIMEOUT_RETRIES = 5
CONFLICT_RETRIES = 3
THROTTLED_RETRIES = 5
BACKOFF_SECONDS = 1.0


def ulid_value(epoch_ms: int) -> int:
    """A ULID as a number: 48 bits of milliseconds, then 80 random bits."""
    return (epoch_ms << 80) | int.from_bytes(os.urandom(10), "big")


def ulid_text(value: int) -> str:
    """26 Crockford base32 characters, the shape of webhook ids."""
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


def retry_delay(status: int | None, headers: Mapping[str, str], attempt: int) -> float | None:
    """Seconds until the next attempt, or None to give up (Zendesk's published rules)."""
    if status is None:
        return BACKOFF_SECONDS * 2**attempt if attempt < TIMEOUT_RETRIES else None
    if status == 409:
        return BACKOFF_SECONDS * 2**attempt if attempt < CONFLICT_RETRIES else None
    if status in (429, 503):
        wait = _retry_after(headers)
        if wait is not None and 0 <= wait < 60 and attempt < THROTTLED_RETRIES:
            return wait
    return None


def auth_headers(webhook: dict[str, Any]) -> dict[str, str]:
    """Headers for the webhook's configured authentication and custom headers."""
    headers = {str(k): str(v) for k, v in (webhook.get("custom_headers") or {}).items()}
    auth = webhook.get("authentication") or {}
    data = auth.get("data") or {}
    if auth.get("type") == "basic_auth":
        pair = f"{data.get('username', '')}:{data.get('password', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif auth.get("type") == "bearer_token":
        headers["Authorization"] = f"Bearer {data.get('token', '')}"
    elif auth.get("type") == "api_key" and data.get("name"):
        headers[str(data["name"])] = str(data.get("value", ""))
    return headers


def connection(webhook: dict[str, Any]) -> str | None:
    """`triggers`, `events`, or None while the webhook subscribes to nothing."""
    subscriptions = webhook.get("subscriptions") or []
    if TRIGGER_SUBSCRIPTION in subscriptions:
        return "triggers"
    return "events" if subscriptions else None


def _check(webhook: dict[str, Any]) -> None:
    for name in REQUIRED:
        if not webhook.get(name):
            raise WebhookInvalid(name, f"{name} is required")
    checks = (
        ("http_method", METHODS),
        ("request_format", FORMATS),
        ("status", ("active", "inactive")),
    )
    for name, allowed in checks:
        if webhook[name] not in allowed:
            raise WebhookInvalid(name, f"{name} must be one of {', '.join(allowed)}")
    if not str(webhook["endpoint"]).startswith(("http://", "https://")):
        raise WebhookInvalid("endpoint", "endpoint must be an http(s) URL")
    for name in ("authentication", "custom_headers"):
        if webhook.get(name) is not None and not isinstance(webhook[name], dict):
            raise WebhookInvalid(name, f"{name} must be an object")
    subscriptions = webhook.get("subscriptions") or []
    if not isinstance(subscriptions, list):
        raise WebhookInvalid("subscriptions", "subscriptions must be a list")
    events = [s for s in subscriptions if str(s).startswith("zen:event-type:")]
    if events and TRIGGER_SUBSCRIPTION in subscriptions:
        raise WebhookInvalid("subscriptions", "a webhook connects to events or to triggers")
    if events and (webhook["http_method"] != "POST" or webhook["request_format"] != "json"):
        raise WebhookInvalid("http_method", "event subscriptions need POST and json")


class WebhookRegistry:
    """Webhooks by id, each with its signing secret; `fire` queues signed deliveries."""

    def __init__(self, settings, clock, deliveries):
        self.settings = settings
        self.clock = clock
        self.deliveries = deliveries
        self.reset()

    def reset(self) -> None:
        self.hooks: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, str] = {}
        self.next_invocation = 8350205582
        self._last_id = 0

    def dump(self) -> dict[str, Any]:
        return {
            "hooks": list(self.hooks.values()),
            "secrets": self.secrets,
            "next_invocation": self.next_invocation,
        }

    def load(self, data: dict[str, Any]) -> None:
        self.hooks = {hook["id"]: hook for hook in data["hooks"]}
        self.secrets = dict(data["secrets"])
        self.next_invocation = data["next_invocation"]

    def create(
        self, fields: dict[str, Any], actor_id: int, signing_secret: str | None = None
    ) -> dict[str, Any]:
        now = self.clock.now()
        # Monotonic within a millisecond (as ULIDs allow), so id order is creation order.
        self._last_id = max(ulid_value(int(now.timestamp() * 1000)), self._last_id + 1)
        hook = {"id": ulid_text(self._last_id), "subscriptions": []}
        hook.update({k: fields[k] for k in WRITABLE if k in fields})
        _check(hook)
        stamp = format_iso(now)
        hook.update(
            created_at=stamp, created_by=str(actor_id), updated_at=stamp, updated_by=str(actor_id)
        )
        self.hooks[hook["id"]] = hook
        self.secrets[hook["id"]] = signing_secret or new_secret()
        return self.render(hook)

    def render(self, hook: dict[str, Any]) -> dict[str, Any]:
        shown = dict(hook)
        if "authentication" in shown:
            # Credentials are write-only: the API shows the kind, never the secret data.
            shown["authentication"] = {
                k: v for k, v in hook["authentication"].items() if k != "data"
            }
        return shown

    def get(self, hook_id: str) -> dict[str, Any]:
        if hook_id not in self.hooks:
            raise WebhookNotFound(f"Webhook {hook_id} not found")
        return self.hooks[hook_id]

    def listing(self, status: str | None, name_contains: str | None) -> list[dict[str, Any]]:
        """Webhooks in id (= creation) order, filtered like `filter[status]`/`[name_contains]`."""
        return [
            self.render(hook)
            for _, hook in sorted(self.hooks.items())
            if (not status or hook["status"] == status)
            and (not name_contains or name_contains.lower() in hook["name"].lower())
        ]

    def update(self, hook_id: str, fields: dict[str, Any], actor_id: int, replace: bool) -> None:
        """PUT replaces every writable field; PATCH changes only the ones sent."""
        hook = self.get(hook_id)
        kept = {k: v for k, v in hook.items() if k not in WRITABLE} if replace else dict(hook)
        kept.update({k: fields[k] for k in WRITABLE if k in fields})
        kept.setdefault("subscriptions", [])
        _check(kept)
        # Zendesk: "You can't change an existing webhook's connection method" (§11.1).
        before, after = connection(hook), connection(kept)
        if before and after and before != after:
            raise WebhookInvalid("subscriptions", "a webhook cannot change its connection method")
        kept.update(updated_at=format_iso(self.clock.now()), updated_by=str(actor_id))
        self.hooks[hook_id] = kept

    def delete(self, hook_id: str) -> None:
        self.get(hook_id)
        del self.hooks[hook_id]
        del self.secrets[hook_id]

    def secret(self, hook_id: str, reset: bool = False) -> str:
        self.get(hook_id)
        if reset:
            self.secrets[hook_id] = new_secret()
        return self.secrets[hook_id]

    def fire(
        self, event_type: str, subject: str, detail: dict[str, Any], event: dict[str, Any]
    ) -> None:
        """Queue one delivery of the event to every active webhook subscribed to it."""
        now = self.clock.now()
        envelope = {
            "type": event_type,
            "account_id": self.settings.zendesk_account_id,
            "id": str(uuid.uuid4()),
            # Zendesk stamps events with nanoseconds; Python has microseconds.
            "time": now.strftime("%Y-%m-%dT%H:%M:%S.%f000Z"),
            "zendesk_event_version": EVENT_VERSION,
            "subject": subject,
            "detail": detail,
            "event": event,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        for hook_id, hook in self.hooks.items():
            if hook["status"] == "active" and event_type in hook["subscriptions"]:
                self.deliveries.enqueue(
                    "zendesk",
                    hook["endpoint"],
                    self._builder(hook_id, body),
                    retry_delay,
                    timeout=TIMEOUT_SECONDS,
                )

    def send(self, hook_id: str, body: bytes) -> None:
        """Queue a trigger's request to a webhook connected to triggers, if it is active."""
        hook = self.hooks.get(hook_id)
        if hook and hook["status"] == "active" and TRIGGER_SUBSCRIPTION in hook["subscriptions"]:
            content_type = CONTENT_TYPES[hook["request_format"]]
            self.deliveries.enqueue(
                "zendesk",
                hook["endpoint"],
                self._builder(hook_id, body, content_type),
                retry_delay,
                timeout=TIMEOUT_SECONDS,
            )

    def _builder(self, hook_id: str, body: bytes, content_type: str = "application/json"):
        hook = self.hooks[hook_id]
        invocation = str(self.next_invocation)
        self.next_invocation += 1

        def build(_attempt: int) -> tuple[dict[str, str], bytes]:
            # Signed at each attempt, with the secret current then (it may have been reset).
            stamp = format_iso(self.clock.now())
            secret = self.secrets.get(hook_id, "")
            headers = {
                "Content-Type": content_type,
                "User-Agent": USER_AGENT,
                "X-Zendesk-Account-Id": str(self.settings.zendesk_account_id),
                "X-Zendesk-Webhook-Id": hook_id,
                "X-Zendesk-Webhook-Invocation-Id": invocation,
                SIGNATURE_HEADER: sign(secret, stamp, body),
                TIMESTAMP_HEADER: stamp,
            }
            return {**auth_headers(self.hooks.get(hook_id, hook)), **headers}, body

        return build
