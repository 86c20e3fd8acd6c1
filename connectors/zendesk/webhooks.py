"""Zendesk webhook signatures and payloads.

Zendesk signs `base64(HMAC-SHA256(secret, timestamp_header + raw_body))`, with the secret
used as text (never base64-decoded) and the timestamp as the ISO text of its header.
Two kinds of body arrive (ZENDESK.md §11.1): the fixed envelope of an event subscription
(§11.8), and TRIGGER_BODY, the one Momentos' trigger sends (`triggers.py` installs it).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.timefmt import parse_iso
from connectors.zendesk.records import to_event
from momentos.errors import MalformedPayload, SignatureError
from momentos.model import Event

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
MAX_SKEW = timedelta(minutes=5)
EVENT_TYPE_PREFIX = "zen:event-type:"
# Which event-type domains become which record type; others are acknowledged and dropped.
RECORD_TYPES = {"ticket": "ticket", "user": "user", "organization": "organization"}
# Event types that remove the record: it is kept, marked deleted.
DELETIONS = frozenset({"ticket.soft_deleted", "ticket.permanently_deleted", "user.deleted"})

# The body of Momentos' trigger, a Liquid template. Its marker key tells it from an event
# envelope (which has `type`); its value is the body's version. It only says *which* ticket
# changed, and when, and the ticket is then read through the API, because:
# - the `*_with_timestamp` placeholders render to the minute ("2013-12-12T05:35Z" is the
#   example in Zendesk's placeholder reference), while a ticket's version is its
#   `updated_at` to the second: a version built from the body would never meet the one
#   polling stores, and the same change would be stored twice;
# - placeholders cannot carry what polling stores (custom fields, REST ids and enums), and
#   with DO NOTHING on a repeated key the first arrival's data is the one kept.
# The API answers with the ticket exactly as the incremental export shows it, so a trigger
# delivery and a poll of the same version store one event. If the ticket changed again
# before the read, the newer version is stored: a version the poll would store as well.
TRIGGER_MARKER = "momentos_trigger"
TRIGGER_VERSION = "1"
TRIGGER_BODY = json.dumps(
    {
        TRIGGER_MARKER: TRIGGER_VERSION,
        "ticket_id": "{{ticket.id}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
    }
)
# Minute precision, as Zendesk renders it; seconds accepted too.
TRIGGER_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z")
MAX_ID_DIGITS = 20

# Reads a ticket through the API: its REST JSON, or None when it is gone.
FetchTicket = Callable[[str], dict[str, Any] | None]


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


def _load(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}") from exc


def parse(body: bytes, fetch_ticket: FetchTicket | None = None) -> list[Event]:
    """Events in one delivery: an event-type envelope (`zen:event-type:<domain>.<what>`),
    or Momentos' trigger body, whose ticket `fetch_ticket` reads from the API."""
    payload = _load(body)
    if isinstance(payload, dict) and TRIGGER_MARKER in payload:
        return _trigger_events(payload, fetch_ticket)
    return _envelope_events(payload)


def read_trigger(payload: dict[str, Any]) -> tuple[str, str]:
    """(ticket id, update time) from a trigger body; MalformedPayload when either is bad."""
    if payload[TRIGGER_MARKER] != TRIGGER_VERSION:
        raise MalformedPayload(f"unknown Momentos trigger body version {payload[TRIGGER_MARKER]!r}")
    ticket_id, updated_at = payload.get("ticket_id"), payload.get("updated_at")
    # Liquid renders a missing value as "": refuse it rather than guess.
    text = str(ticket_id).strip() if isinstance(ticket_id, str | int) else ""
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS or not int(text):
        raise MalformedPayload(f"Momentos trigger body has no ticket id (got {ticket_id!r})")
    if not isinstance(updated_at, str) or not TRIGGER_STAMP.fullmatch(updated_at.strip()):
        raise MalformedPayload(f"Momentos trigger body has no update time (got {updated_at!r})")
    try:
        parse_iso(updated_at)
    except ValueError as exc:
        raise MalformedPayload(f"Momentos trigger body has a bad update time: {exc}") from exc
    return str(int(text)), updated_at.strip()


def _trigger_events(payload: dict[str, Any], fetch_ticket: FetchTicket | None) -> list[Event]:
    ticket_id, updated_at = read_trigger(payload)
    if fetch_ticket is None:
        # Only a receiver without API access (a fuzzer, a benchmark) gets here.
        raise MalformedPayload("a Momentos trigger body needs the API to read its ticket")
    ticket = fetch_ticket(ticket_id)
    if ticket is None:
        # Deleted since it fired: the poll records the deletion.
        logger.info("trigger delivery for ticket %s: the ticket is gone", ticket_id)
        return []
    event = to_event("ticket", ticket)
    logger.debug("trigger delivery for ticket %s (changed %s) read at version %s",
                 ticket_id, updated_at, event.version)  # fmt: skip
    return [event]


def _envelope_events(payload: Any) -> list[Event]:
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
