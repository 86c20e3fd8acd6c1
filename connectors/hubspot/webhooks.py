"""HubSpot webhook signatures (v3, else v1) and payloads (JSON arrays of events).

A merge gives the survivor's event and one deleted event per merged-away record, with
`merged_into` naming the survivor, so identity can follow it.

v3 is `base64(HMAC-SHA256(client_secret, METHOD + URI + raw_body + timestamp_ms))`, where
URI is the full URL HubSpot called with twelve escapes decoded; deliveries older than
five minutes are rejected. HubSpot promises v3 headers to OAuth apps only; a private app's
deliveries may carry only v1, `hex(SHA-256(client_secret + raw_body))` (HUBSPOT.md §6.5:
accept v3, fall back to v1). v1 has no timestamp, so an old delivery can be replayed; it
is then one more copy of events already stored under their natural keys, never new work.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from connectors.hubspot import TOOL
from connectors.timefmt import from_epoch_ms, to_epoch_ms
from momentos.errors import MalformedPayload, SignatureError
from momentos.model import Event

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
V1_SIGNATURE_HEADER = "X-HubSpot-Signature"
V1_VERSION_HEADER = "X-HubSpot-Signature-Version"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE = timedelta(minutes=5)
# HubSpot decodes exactly these escapes before hashing; every other escape stays as sent.
URI_DECODES = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
# `contact.creation` and generic `object.creation` with objectTypeId both name a record type.
OBJECT_TYPE_IDS = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-53": "invoice"}
SUBSCRIPTION_OBJECTS = {"contact", "company", "deal"}


def decode_uri(uri: str) -> str:
    out, i = [], 0
    while i < len(uri):
        chunk = uri[i : i + 3].upper()
        if uri[i] == "%" and chunk in URI_DECODES:
            out.append(URI_DECODES[chunk])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def sign(secret: str, method: str, uri: str, body: bytes, timestamp_ms: int | str) -> str:
    message = method.upper().encode() + decode_uri(uri).encode() + body + str(timestamp_ms).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return headers.get(name.lower()) if value is None else value


def sign_v1(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


def _verify_v1(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    signature = _header(headers, V1_SIGNATURE_HEADER)
    if not signature or (_header(headers, V1_VERSION_HEADER) or "").lower() != "v1":
        raise SignatureError("missing HubSpot v3 signature headers")
    if not hmac.compare_digest(sign_v1(secret, body).encode(), signature.strip().encode()):
        raise SignatureError("HubSpot signature does not match")


def verify(
    secret: str, method: str, uri: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> None:
    """Raise SignatureError unless the delivery carries a valid, fresh v3 signature, or
    only a valid v1 one."""
    signature = _header(headers, SIGNATURE_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if not signature and not timestamp:
        _verify_v1(secret, headers, body)
        return
    if not signature or not timestamp:
        raise SignatureError("missing HubSpot v3 signature headers")
    if not timestamp.isdigit():
        raise SignatureError("HubSpot request timestamp is not epoch milliseconds")
    expected = sign(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("HubSpot signature does not match")
    age_ms = to_epoch_ms(now) - int(timestamp)
    if age_ms > MAX_AGE.total_seconds() * 1000 or age_ms < -MAX_AGE.total_seconds() * 1000:
        raise SignatureError("HubSpot request timestamp is outside the 5-minute window")


def _object_type(item: dict[str, Any]) -> str | None:
    subscription = str(item.get("subscriptionType") or item.get("eventType") or "")
    prefix = subscription.split(".", 1)[0]
    if prefix == "object":
        return OBJECT_TYPE_IDS.get(str(item.get("objectTypeId")))
    return prefix if prefix in SUBSCRIPTION_OBJECTS else None


def _id(value: Any, name: str) -> str:
    """A record id as text: HubSpot sends whole numbers; anything else is a bad `name`."""
    text = str(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or not text.isascii()
        or not text.isdigit()
    ):
        raise ValueError(name)
    return text


def _to_event(item: dict[str, Any]) -> Event | None:
    object_type = _object_type(item)
    if object_type is None:
        return None
    subscription = str(item.get("subscriptionType") or item.get("eventType"))
    change = subscription.split(".", 1)[1] if "." in subscription else subscription
    occurred_ms = _id(item["occurredAt"], "occurredAt")
    occurred_at = from_epoch_ms(occurred_ms)
    merged = item.get("mergedObjectIds") or []
    if not isinstance(merged, list):
        raise ValueError("mergedObjectIds")
    data = {
        "id": _id(item["objectId"], "objectId"),
        "change": change,
        "property": item.get("propertyName"),
        "value": item.get("propertyValue"),
        "merged_ids": [_id(i, "mergedObjectIds") for i in merged],
        "primary_id": _survivor(item),
        "change_source": item.get("changeSource"),
    }
    return Event(
        tool=TOOL,
        object_type=object_type,
        object_id=data["id"],
        # A record's version is the millisecond of its change, as for polled records, so a
        # change seen both ways is one event.
        version=occurred_ms,
        occurred_at=occurred_at,
        data=data,
        raw=item,
        deleted=change in ("deletion", "privacyDeletion"),
    )


def _survivor(item: dict[str, Any]) -> str | None:
    """The record a merge leaves: `newObjectId` when the merge made a new one, else the
    primary (HUBSPOT.md §6.3)."""
    survivor = item.get("newObjectId") or item.get("primaryObjectId")
    return _id(survivor, "primaryObjectId") if survivor else None


def _merged_away(event: Event) -> list[Event]:
    """For a merge, one deleted event per record that no longer exists, pointing at the
    survivor in `merged_into`; the primary is among them when the merge made a new record."""
    survivor, raw = event.data["primary_id"], event.raw
    gone = [*event.data["merged_ids"], str(raw.get("primaryObjectId") or survivor)]
    events = []
    for record_id in dict.fromkeys(gone):
        if record_id == survivor:
            continue
        data = {**event.data, "id": record_id, "merged_into": survivor}
        events.append(replace(event, object_id=record_id, data=data, deleted=True))
    return events


def _events(item: dict[str, Any]) -> list[Event]:
    event = _to_event(item)
    if event is None:
        return []
    if event.data["change"] != "merge" or not event.data["primary_id"]:
        return [event]
    gone = _merged_away(event)
    kept = [] if event.object_id in {e.object_id for e in gone} else [event]
    return kept + gone


def parse(body: bytes) -> list[Event]:
    """Events in one delivery; HubSpot sends a JSON array of up to 100."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, list):
        raise MalformedPayload("HubSpot webhook body must be a JSON array of events")
    events = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise MalformedPayload(f"event {index} is not an object")
        try:
            events += _events(item)
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            # OverflowError, OSError: an occurredAt no date can hold.
            raise MalformedPayload(f"event {index} is missing or has a bad {exc}") from exc
    return events
