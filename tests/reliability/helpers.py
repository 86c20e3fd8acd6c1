"""What the reliability and security tests share: signed deliveries, a virtual clock, a
request recorder for the sandbox, Momentos' app on a real socket, and store checks."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.hubspot import webhooks as hubspot_webhooks
from connectors.timefmt import format_iso, to_epoch_ms
from connectors.zendesk import webhooks as zendesk_webhooks
from momentos.serving import BackgroundServer
from momentos.store import Store
from server import create_app
from tests.conftest import TEST_SECRETS

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning
ZENDESK_SECRET = TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"]
HUBSPOT_SECRET = TEST_SECRETS["HUBSPOT_APP_SECRET"]
# The public URL make_settings' demo configuration names: HubSpot signs it.
PUBLIC_URL = "http://127.0.0.1:8000"


# Deliveries ---------------------------------------------------------------------------


def zendesk_ticket_body(
    ticket_id: int,
    requester_id: int,
    updated_at: datetime,
    tags=("queja",),
    subject: str = "La factura está duplicada",
) -> bytes:
    """A `ticket.created` event-type delivery, shaped as Zendesk sends it."""
    stamp = format_iso(updated_at)
    payload = {
        "type": "zen:event-type:ticket.created",
        "account_id": 88888888,
        "id": f"evt-{ticket_id}-{stamp}",
        "time": stamp,
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {
            "id": str(ticket_id),
            "subject": subject,
            "status": "OPEN",
            "priority": "LOW",
            "type": "TASK",
            "tags": list(tags),
            "requester_id": str(requester_id),
            "submitter_id": str(requester_id),
            "organization_id": None,
            "form_id": "1",
            "via": {"channel": "web_service"},
            "created_at": format_iso(updated_at - timedelta(minutes=5)),
            "updated_at": stamp,
            "external_id": None,
            "brand_id": "2",
        },
        "event": {},
    }
    return json.dumps(payload).encode()


def zendesk_headers(body: bytes, sent_at: datetime = NOW, secret: str = ZENDESK_SECRET) -> dict:
    timestamp = format_iso(sent_at)
    return {
        zendesk_webhooks.SIGNATURE_HEADER: zendesk_webhooks.sign(secret, timestamp, body),
        zendesk_webhooks.TIMESTAMP_HEADER: timestamp,
        "Content-Type": "application/json",
    }


def hubspot_body(
    object_id: int,
    occurred_at: datetime,
    event_id: int | None = None,
    kind: str = "contact.propertyChange",
) -> bytes:
    """A one-event HubSpot v3 delivery (a JSON array)."""
    item = {
        "eventId": event_id or object_id,
        "subscriptionId": 12345,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": to_epoch_ms(occurred_at),
        "subscriptionType": kind,
        "attemptNumber": 0,
        "objectId": object_id,
        "changeSource": "CRM",
        "propertyName": "email",
        "propertyValue": f"p{object_id}@example.com",
    }
    return json.dumps([item]).encode()


def hubspot_headers(
    body: bytes,
    sent_at: datetime = NOW,
    secret: str = HUBSPOT_SECRET,
    public_url: str = PUBLIC_URL,
    path: str = "/webhooks/hubspot",
) -> dict:
    timestamp = to_epoch_ms(sent_at)
    return {
        hubspot_webhooks.SIGNATURE_HEADER: hubspot_webhooks.sign(
            secret, "POST", public_url + path, body, timestamp
        ),
        hubspot_webhooks.TIMESTAMP_HEADER: str(timestamp),
        "Content-Type": "application/json",
    }


# Clocks and recorders --------------------------------------------------------------------


class VirtualClock:
    """A clock that every thread shares and that `sleep` moves on at once: the client's
    waits (budgets, Retry-After, backoff, leases) take no real time, and the sandbox's
    recorder stamps requests on the same clock, so waits can be checked exactly."""

    def __init__(self, start: datetime):
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=max(0.0, seconds))
            self.slept += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


@dataclass(frozen=True)
class Seen:
    """One tool request the sandbox answered: when (on the virtual clock), what, how."""

    at: datetime
    method: str
    path: str
    status: int
    retry_after: float | None


class Recorder:
    """WSGI middleware in front of the sandbox: records each request it answers."""

    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        at = self.clock.now()
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")

        def recording_start(status, headers, exc_info=None):
            retry = next((v for k, v in headers if k.lower() == "retry-after"), None)
            with self._lock:
                self.seen.append(
                    Seen(at, method, path, int(status.split()[0]), float(retry) if retry else None)
                )
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start)


# Momentos on a real socket -----------------------------------------------------------------


@contextmanager
def serve_momentos(make_settings, clock, **overrides) -> Iterator[tuple[str, Store, object]]:
    """(url, store, app): Momentos' Flask app on 127.0.0.1:<free port>, its public URL set
    to where it listens (HubSpot signs that URL)."""
    built = {}
    with BackgroundServer(lambda environ, start: built["app"](environ, start)) as web:
        settings = make_settings(
            web={"host": "127.0.0.1", "port": 0, "public_url": web.url}, **overrides
        )
        store = Store(settings.store["path"])
        built["app"] = create_app(settings, store, clock)
        try:
            yield web.url, store, built["app"]
        finally:
            store.close()


# Checks on the store ---------------------------------------------------------------------


def duplicate_keys(store: Store, table: str, columns: str) -> list[dict]:
    """Rows of `table` sharing `columns` (a natural key); [] when there are none."""
    return list(
        store.db.query(
            f"SELECT {columns}, COUNT(*) AS n FROM {table} GROUP BY {columns} HAVING n > 1"
        )
    )


def integrity_ok(path: str) -> bool:
    store = Store(path)
    try:
        return store.integrity_ok()
    finally:
        store.close()
