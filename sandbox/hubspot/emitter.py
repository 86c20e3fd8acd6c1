"""Webhooks the sandbox sends as HubSpot does: JSON arrays of events, signed v1 and v3 (§6).

One write (a create, an update, a batch) makes one list of events, sent in deliveries of
at most 100. Each attempt is built afresh so retries carry a new timestamp, signature and
`attemptNumber`.
"""

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from connectors.hubspot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from sandbox.hubspot import values

MAX_EVENTS = 100
# HubSpot retries up to 10 times over 24 hours; the sandbox keeps the count, not the hours.
MAX_RETRIES = 10
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)
TIMEOUT = 5.0
# Legacy subscription names cover these types only (HUBSPOT.md §6.2).
SUBSCRIBABLE = {"contacts": "contact", "companies": "company", "deals": "deal"}
CHANGES = ("creation", "deletion", "propertyChange")
UNSUBSCRIBABLE = {"hs_lastmodifieddate", "num_unique_conversion_events"}
FIRST_SUBSCRIPTION_ID, FIRST_EVENT_ID = 686627, 3029365631


class WebhookEmitter:
    def __init__(self, settings, now: Callable[[], datetime], deliveries):
        self._settings = settings
        self._now = now
        self._deliveries = deliveries
        # Seconds before retry n+1; tests set zeros, the demo keeps these.
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.reset()

    def reset(self) -> None:
        self.target_url: str | None = None
        self.subscriptions: list[dict[str, Any]] = []
        self._event_ids = itertools.count(FIRST_EVENT_ID)

    def dump(self) -> dict[str, Any]:
        return {"target_url": self.target_url, "subscriptions": self.subscriptions}

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        self.target_url = data.get("target_url")
        self.subscriptions = list(data.get("subscriptions", []))

    def subscribe(self, subscription_type: str, property_name: str | None = None) -> dict:
        """Add an active subscription, e.g. `contact.propertyChange` on `lifecyclestage`."""
        object_name, _, change = subscription_type.partition(".")
        if object_name not in SUBSCRIBABLE.values() or change not in CHANGES:
            raise ValueError(f"unsupported subscription type {subscription_type!r}")
        if (change == "propertyChange") != (property_name is not None):
            raise ValueError("propertyChange subscriptions, and only they, name a property")
        if property_name in UNSUBSCRIBABLE:
            raise ValueError(f"HubSpot does not allow subscribing to {property_name}")
        subscription = {
            "id": FIRST_SUBSCRIPTION_ID + len(self.subscriptions),
            "subscriptionType": subscription_type,
            "propertyName": property_name,
            "active": True,
            "createdAt": values.iso_ms(self._now()),
        }
        self.subscriptions.append(subscription)
        return subscription

    def _matching(self, object_type: str, change: str, property_name: str | None = None):
        wanted = f"{SUBSCRIBABLE.get(object_type)}.{change}"
        return [
            s
            for s in self.subscriptions
            if s["active"]
            and s["subscriptionType"] == wanted
            and s["propertyName"] == property_name
        ]

    def events(
        self,
        object_type: str,
        record_id: str,
        change: str,
        changed: Mapping[str, str],
        occurred_ms: int,
        source: str,
    ) -> list[dict[str, Any]]:
        """Events for one record's write: the change itself, then subscribed properties."""
        found = []
        if change != "propertyChange":
            flag = "NEW" if change == "creation" else "DELETED"
            for subscription in self._matching(object_type, change):
                found.append(
                    self._event(subscription, record_id, occurred_ms, source, {"changeFlag": flag})
                )
        for name, value in changed.items():
            for subscription in self._matching(object_type, "propertyChange", name):
                found.append(
                    self._event(
                        subscription,
                        record_id,
                        occurred_ms,
                        source,
                        {"propertyName": name, "propertyValue": value},
                    )
                )
        return found

    def _event(
        self,
        subscription: dict,
        record_id: str,
        occurred_ms: int,
        source: str,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        event = {
            "eventId": next(self._event_ids),
            "subscriptionId": subscription["id"],
            "portalId": self._settings.hubspot_portal_id,
            "appId": self._settings.hubspot_app_id,
            "occurredAt": occurred_ms,
            "subscriptionType": subscription["subscriptionType"],
            "attemptNumber": 0,
            "objectId": int(record_id),
            **extra,
            "changeSource": source,
        }
        if source == "INTEGRATION":
            event["sourceId"] = str(self._settings.hubspot_app_id)
        return event

    def send(self, events: list[dict[str, Any]]) -> None:
        """Queue the events of one write, at most 100 per delivery."""
        url = self.target_url
        if not url or not events:
            return
        for start in range(0, len(events), MAX_EVENTS):
            chunk = events[start : start + MAX_EVENTS]
            self._deliveries.enqueue(
                "hubspot", url, self._builder(url, chunk), self._retry, timeout=TIMEOUT
            )

    def _builder(self, url: str, events: list[dict[str, Any]]):
        def build(attempt: int) -> tuple[dict[str, str], bytes]:
            payload = [{**event, "attemptNumber": attempt} for event in events]
            body = json.dumps(payload, separators=(",", ":")).encode()
            secret = self._settings.hubspot_client_secret
            timestamp = values.epoch_ms(self._now())
            v1 = hashlib.sha256(secret.encode() + body).hexdigest()
            return {
                "Content-Type": "application/json",
                "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/)",
                SIGNATURE_HEADER: sign(secret, "POST", url, body, timestamp),
                TIMESTAMP_HEADER: str(timestamp),
                "X-HubSpot-Signature": v1,
                "X-HubSpot-Signature-Version": "v1",
            }, body

        return build

    def _retry(self, status: int | None, headers: dict[str, str], attempt: int) -> float | None:
        """Any non-2xx or timeout is retried, up to MAX_RETRIES times (§6.4)."""
        if attempt >= MAX_RETRIES or not self.retry_delays:
            return None
        return self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
