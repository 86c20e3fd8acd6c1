"""The app's webhook settings and subscriptions, as the webhooks v3 API keeps them (§6.1-6.2).

Legacy event types (`contact.creation`) cover contacts, companies and deals; generic ones
(`object.creation` with an `objectTypeId`) cover every type the sandbox serves.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sandbox.hubspot import schema, values
from sandbox.hubspot.errors import not_found, validation

LEGACY = {"contacts": "contact", "companies": "company", "deals": "deal"}
CHANGES = ("creation", "deletion", "propertyChange", "merge", "associationChange")
UNSUBSCRIBABLE = {"hs_lastmodifieddate", "num_unique_conversion_events"}
MAX_SUBSCRIPTIONS = 1000
FIRST_SUBSCRIPTION_ID = 686627
# HubSpot's cap for public apps is 10 in flight; the setting must be above 5 (§6.3).
DEFAULT_CONCURRENCY, MIN_CONCURRENCY = 10, 6


class Subscriptions:
    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self.reset()

    def reset(self) -> None:
        self.target_url: str | None = None
        self.max_concurrent_requests = DEFAULT_CONCURRENCY
        self.settings_dates: list[str] | None = None  # [created, updated], JSON as it stands
        self.items: list[dict[str, Any]] = []

    def dump(self) -> dict[str, Any]:
        return {
            "target_url": self.target_url,
            "max_concurrent_requests": self.max_concurrent_requests,
            "settings_dates": self.settings_dates,
            "subscriptions": self.items,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        self.target_url = data.get("target_url")
        self.max_concurrent_requests = data.get("max_concurrent_requests", DEFAULT_CONCURRENCY)
        self.settings_dates = data.get("settings_dates")
        for item in data.get("subscriptions", []):
            # Files written before the API existed name the type `subscriptionType`.
            item.setdefault("eventType", item.pop("subscriptionType", None))
            self.items.append(item)

    # -- settings ----------------------------------------------------------------------

    def set_target(self, url: str | None, max_concurrent: int | None = None) -> None:
        stamp = values.iso_ms(self._now())
        created = self.settings_dates[0] if self.settings_dates else stamp
        self.target_url = url
        self.max_concurrent_requests = max_concurrent or self.max_concurrent_requests
        self.settings_dates = [created, stamp] if url else None

    def settings(self) -> dict[str, Any]:
        if self.target_url is None or self.settings_dates is None:
            raise not_found("No webhook settings found for this app")
        return {
            "targetUrl": self.target_url,
            "throttling": {"maxConcurrentRequests": self.max_concurrent_requests},
            "createdAt": self.settings_dates[0],
            "updatedAt": self.settings_dates[1],
        }

    def configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT settings: `{targetUrl, throttling: {maxConcurrentRequests}}`, both required."""
        url, throttling = body.get("targetUrl"), body.get("throttling")
        if not isinstance(throttling, Mapping):
            throttling = {}
        concurrent = throttling.get("maxConcurrentRequests")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise validation(f"targetUrl must be an http(s) URL (got {url!r})")
        if type(concurrent) is not int or concurrent < MIN_CONCURRENCY:
            raise validation(
                f"throttling.maxConcurrentRequests must be an integer greater than "
                f"{MIN_CONCURRENCY - 1} (got {concurrent!r})"
            )
        self.set_target(url, concurrent)
        return self.settings()

    # -- subscriptions -----------------------------------------------------------------

    def create(self, event_type: Any, property_name: Any = None, active: Any = False,
               object_type_id: Any = None) -> dict[str, Any]:  # fmt: skip
        """A new subscription; through the API it starts paused unless `active` is true."""
        _check(event_type, property_name, object_type_id)
        key = (event_type, property_name, object_type_id)
        if any((s["eventType"], s.get("propertyName"), s.get("objectTypeId")) == key
               for s in self.items):  # fmt: skip
            raise validation(f"A subscription for {event_type} {property_name or ''} exists")
        if len(self.items) >= MAX_SUBSCRIPTIONS:
            raise validation(
                f"Couldn't create another subscription. You've reached the maximum number "
                f"allowed per application ({MAX_SUBSCRIPTIONS})."
            )
        stamp = values.iso_ms(self._now())
        item = {
            "id": max((s["id"] for s in self.items), default=FIRST_SUBSCRIPTION_ID - 1) + 1,
            "eventType": event_type,
            "propertyName": property_name,
            "objectTypeId": object_type_id,
            "active": bool(active),
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        self.items.append(item)
        return item

    def get(self, subscription_id: Any) -> dict[str, Any]:
        for item in self.items:
            if str(item["id"]) == str(subscription_id):
                return item
        raise not_found(f"Subscription {subscription_id} not found")

    def set_active(self, subscription_id: Any, active: Any) -> dict[str, Any]:
        if not isinstance(active, bool):
            raise validation(f"active must be true or false (got {active!r})")
        item = self.get(subscription_id)
        if item["active"] != active:
            item["active"] = active
            item["updatedAt"] = values.iso_ms(self._now())
        return item

    def delete(self, subscription_id: Any) -> None:
        self.items.remove(self.get(subscription_id))

    def matching(self, object_type: str, change: str, property_name: str | None = None):
        """Active subscriptions an event of this type and change fires."""
        legacy = f"{LEGACY[object_type]}.{change}" if object_type in LEGACY else None
        generic = (f"object.{change}", schema.OBJECT_TYPES[object_type][0])
        return [
            s for s in self.items
            if s["active"] and s.get("propertyName") == property_name
            and (s["eventType"] == legacy or (s["eventType"], s.get("objectTypeId")) == generic)
        ]  # fmt: skip


def view(item: Mapping[str, Any]) -> dict[str, Any]:
    """A subscription as the API shows it: string id, no empty fields."""
    shown = {key: value for key, value in item.items() if value is not None}
    return {**shown, "id": str(item["id"])}


def _check(event_type: Any, property_name: Any, object_type_id: Any) -> None:
    prefix, _, change = str(event_type).partition(".")
    if not isinstance(event_type, str) or change not in CHANGES:
        raise validation(f"Unsupported eventType {event_type!r}")
    if prefix == "object":
        if schema.resolve_type(str(object_type_id)) is None or "-" not in str(object_type_id):
            raise validation(
                f"object.* subscriptions need a known objectTypeId (got {object_type_id!r})"
            )
    elif prefix not in LEGACY.values() or object_type_id is not None:
        raise validation(f"Unsupported eventType {event_type!r}")
    if (change == "propertyChange") != isinstance(property_name, str):
        raise validation("propertyChange subscriptions, and only they, name a propertyName")
    if property_name in UNSUBSCRIBABLE:
        raise validation(f"Subscriptions to {property_name} are not allowed")
