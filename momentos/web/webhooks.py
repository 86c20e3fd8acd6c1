"""Signed webhook deliveries in: verify, parse, commit, acknowledge, then wake the worker."""

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify, request

from connectors.hubspot import webhooks as hubspot_webhooks
from connectors.zendesk import webhooks as zendesk_webhooks
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import get_ticket
from momentos import metrics
from momentos.model import Event
from momentos.secrets import zendesk_webhook_secret

logger = logging.getLogger(__name__)


def _body() -> bytes:
    """The raw body; 413 when it is over MAX_CONTENT_LENGTH, with or without a length.

    Werkzeug cuts a chunked body (no Content-Length) at the limit without an error, which
    would turn a too-large delivery into a 401: one more read past the limit raises the
    413 it should be (issue #12)."""
    body = request.get_data()
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(body) >= limit:
        request.stream.read(1)
    return body


def _read_zendesk_ticket(ticket_id: str) -> dict | None:
    """The ticket a trigger-based delivery names, read through the API (why: see
    connectors/zendesk/webhooks.py). One attempt and no waiting: Zendesk gives a delivery
    about 12 s, and what a failed read misses, the next poll brings."""
    settings, clock = current_app.config["SETTINGS"], current_app.config["CLOCK"]
    zendesk = settings.zendesk
    token = settings.secret("zendesk", "api_token_env")
    client = ZendeskClient(zendesk["base_url"], zendesk["email"], token, clock=clock,
                           max_attempts=1, max_wait=0.0)  # fmt: skip
    return get_ticket(client, ticket_id)


def blueprint(on_events: Callable[[], None]) -> Blueprint:
    bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

    def accept(tool: str, events: list[Event]):
        app = current_app
        store, clock = app.config["STORE"], app.config["CLOCK"]
        now = clock.now()
        new = store.add_events(events, source="webhook", received_at=now)
        store.log_delivery(tool, now, 200, len(events))
        metrics.count_events(tool, "webhook", new)
        logger.info("webhook from %s: %d events, %d new", tool, len(events), new)
        # Processing happens after the acknowledgement: the worker derives and plans.
        on_events()
        return jsonify({"received": len(events), "new": new})

    @bp.post("/zendesk")
    def zendesk():
        settings, clock = current_app.config["SETTINGS"], current_app.config["CLOCK"]
        body = _body()
        secret = zendesk_webhook_secret(current_app.config["STORE"], settings)
        zendesk_webhooks.verify(secret, request.headers, body, clock.now())
        return accept("zendesk", zendesk_webhooks.parse(body, _read_zendesk_ticket))

    @bp.post("/hubspot")
    def hubspot():
        settings, clock = current_app.config["SETTINGS"], current_app.config["CLOCK"]
        body = _body()
        # HubSpot signs the URL it called, so use the public URL, not the one behind a proxy.
        query = request.query_string.decode()
        uri = settings.web["public_url"].rstrip("/") + request.path + (f"?{query}" if query else "")
        secret = settings.secret("hubspot", "app_secret_env")
        hubspot_webhooks.verify(secret, request.method, uri, request.headers, body, clock.now())
        return accept("hubspot", hubspot_webhooks.parse(body))

    return bp
