"""Webhooks the sandbox sends as HubSpot does: JSON arrays of events, signed v1 and v3 (§6).

One write (a create, an update, a batch) makes one list of events, sent in deliveries of
at most 100. Each attempt is built afresh so retries carry a new timestamp, signature and
`attemptNumber`.
"""

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors.hubspot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from sandbox.hubspot import schema, values
from sandbox.hubspot.associations import PRIMARY
from sandbox.hubspot.subscriptions import LEGACY, Subscriptions

MAX_EVENTS = 100
# HubSpot retries up to 10 times over 24 hours; the sandbox keeps the count, not the hours.
MAX_RETRIES = 10
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)
TIMEOUT = 5.0
FIRST_EVENT_ID = 3029365631
FLAGS = {"creation": "NEW", "deletion": "DELETED"}


class WebhookEmitter:
    def __init__(self, settings, now: Callable[[], datetime], deliveries):
        self._settings = settings
        self._now = now
        self._deliveries = deliveries
        self.subscriptions = Subscriptions(now)
        # Seconds before retry n+1; tests set zeros, the demo keeps these.
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.reset()

    def reset(self) -> None:
        self.subscriptions.reset()
        self._event_ids = itertools.count(FIRST_EVENT_ID)

    def dump(self) -> dict[str, Any]:
        return self.subscriptions.dump()

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        self.subscriptions.load(data)

    def subscribe(self, event_type: str, property_name: str | None = None,
                  object_type_id: str | None = None) -> dict:  # fmt: skip
        """Add an active subscription, e.g. `contact.propertyChange` on `lifecyclestage`."""
        return self.subscriptions.create(event_type, property_name, True, object_type_id)

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
            extra = {"objectId": int(record_id), "changeFlag": FLAGS[change]}
            for subscription in self.subscriptions.matching(object_type, change):
                found.append(self._event(subscription, object_type, occurred_ms, source, extra))
        for name, value in changed.items():
            extra = {"objectId": int(record_id), "propertyName": name, "propertyValue": value}
            for subscription in self.subscriptions.matching(object_type, "propertyChange", name):
                found.append(self._event(subscription, object_type, occurred_ms, source, extra))
        return found

    def merge_events(self, object_type: str, primary_id: str, merged_ids: list[str],
                     moved: int, occurred_ms: int, source: str) -> list[dict]:  # fmt: skip
        """The primary record survives, so it is also the `newObjectId` (§6.3)."""
        extra = {
            "objectId": int(primary_id),
            "primaryObjectId": int(primary_id),
            "mergedObjectIds": [int(i) for i in merged_ids],
            "newObjectId": int(primary_id),
            "numberOfPropertiesMoved": moved,
        }
        return [
            self._event(subscription, object_type, occurred_ms, source, extra)
            for subscription in self.subscriptions.matching(object_type, "merge")
        ]

    def association_events(self, from_type: str, from_id: str, to_type: str, to_id: str,
                           type_ids: Iterable[int], occurred_ms: int,
                           source: str) -> list[dict[str, Any]]:  # fmt: skip
        """Events for a new link, one per direction (§6.3); legacy subscriptions fire only
        between the legacy types, as HubSpot's association events only cover those. Links
        are never removed on their own in the sandbox, so `associationRemoved` is false."""
        primary = any(t in PRIMARY for t in type_ids)
        found = []
        for (a_type, a_id), (b_type, b_id) in (
            ((from_type, from_id), (to_type, to_id)),
            ((to_type, to_id), (from_type, from_id)),
        ):
            extra = {
                "associationType": f"{_singular(a_type)}_TO_{_singular(b_type)}".upper(),
                "fromObjectId": int(a_id),
                "toObjectId": int(b_id),
                "associationRemoved": False,
                "isPrimaryAssociation": primary,
            }
            for subscription in self.subscriptions.matching(a_type, "associationChange"):
                if subscription["eventType"].startswith("object.") or b_type in LEGACY:
                    found.append(self._event(subscription, None, occurred_ms, source, extra))
        return found

    def _event(self, subscription: dict, object_type: str | None, occurred_ms: int,
               source: str, extra: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """Generic (`object.*`) events name the object type, except association events."""
        event: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "subscriptionId": subscription["id"],
            "portalId": self._settings.hubspot_portal_id,
            "appId": self._settings.hubspot_app_id,
            "occurredAt": occurred_ms,
            "subscriptionType": subscription["eventType"],
            "attemptNumber": 0,
        }
        if object_type and subscription["eventType"].startswith("object."):
            event["objectTypeId"] = schema.OBJECT_TYPES[object_type][0]
        event.update(extra)
        event["changeSource"] = source
        if source == "INTEGRATION":
            event["sourceId"] = str(self._settings.hubspot_app_id)
        return event

    def send(self, events: list[dict[str, Any]]) -> None:
        """Queue the events of one write, at most 100 per delivery."""
        url = self.subscriptions.target_url
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


def _singular(object_type: str) -> str:
    return schema.OBJECT_TYPES[object_type][1]
