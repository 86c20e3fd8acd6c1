"""Zendesk webhook signatures and payloads.

Zendesk signs `base64(HMAC-SHA256(secret, timestamp_header + raw_body))`, with the secret
used as text (never base64-decoded) and the timestamp as the ISO text of its header.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from connectors.timefmt import parse_iso
from connectors.zendesk.records import to_event
from momentos.errors import MalformedPayload, SignatureError
from momentos.model import Event

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
MAX_SKEW = timedelta(minutes=5)
EVENT_TYPE_PREFIX = "zen:event-type:"
# Which event-type domains become which record type; others are acknowledged and dropped.
RECORD_TYPES = {"ticket": "ticket", "user": "user", "organization": "organization"}
# Event types that remove the record: it is kept, marked deleted.
DELETIONS = frozenset({"ticket.soft_deleted", "ticket.permanently_deleted", "user.deleted"})


def _removes(kind: str, event: object) -> bool:
    if kind in DELETIONS:
        return True
    # `user.active_changed` with `current: false` is how a deactivated user shows.
    deactivated = isinstance(event, dict) and event.get("current") is False
    return kind == "user.active_changed" and deactivated


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """Raise SignatureError unless the delivery is signed with `secret` and recent."""
    signature = _header(headers, SIGNATURE_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise SignatureError("missing Zendesk signature headers")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("Zendesk signature does not match")
    try:
        sent_at = parse_iso(timestamp)
    except ValueError as exc:
        raise SignatureError("Zendesk signature timestamp is not a date") from exc
    if abs(now - sent_at) > MAX_SKEW:
        raise SignatureError("Zendesk signature timestamp is outside the 5-minute window")


def parse(body: bytes) -> list[Event]:
    """Events in one delivery of an event-type webhook (`zen:event-type:<domain>.<what>`)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise MalformedPayload("body is not a Zendesk event envelope (no `type`)")
    detail = payload.get("detail")
    if not isinstance(detail, dict):
        raise MalformedPayload("Zendesk event has no `detail` object")
    kind = payload["type"].removeprefix(EVENT_TYPE_PREFIX)
    record_type = RECORD_TYPES.get(kind.split(".", 1)[0])
    if record_type is None:
        return []
    try:
        deleted = _removes(kind, payload.get("event"))
        event = to_event(record_type, detail, raw=payload, deleted=deleted)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedPayload(f"Zendesk {record_type} event is missing {exc}") from exc
    # An id of 0, "" or null names no record: storing it would break the natural key.
    if event.object_id is None:
        raise MalformedPayload(f"Zendesk {record_type} event has no id")
    return [event]
