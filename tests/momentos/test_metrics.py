"""/metrics after real work: webhooks in and refused, polls, 429s, dispatch, store gauges.

Counters are process-wide (as in one gunicorn worker), so each test reads them before and
after; the store gauges come from a fresh store and are checked whole.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.paging import Page
from momentos import engine as engine_module
from momentos.clock import FrozenClock
from momentos.engine import Engine
from momentos.metrics import rejection_reason
from momentos.store import Store
from momentos.streams import Stream
from server import create_app
from tests.factories import zendesk_ticket
from tests.test_server import HUBSPOT_EVENTS, TICKET_CREATED, hubspot_post, zendesk_post

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TASKS = "https://api.hubapi.com/crm/v3/objects/tasks"


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def engine(make_settings, clock):
    settings = make_settings()
    engine = Engine(settings, Store(settings.store["path"]), clock)
    engine.senders["hubspot"]._provisioned.update({"tasks", "notes"})
    return engine


@pytest.fixture
def client(engine, clock):
    return create_app(engine.settings, engine.store, clock).test_client()


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before, after, name, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_webhooks_in_and_refused_are_counted_by_tool_source_and_reason(client):
    before = scrape(client)
    body = json.dumps(TICKET_CREATED).encode()
    assert zendesk_post(client, body).status_code == 200
    assert zendesk_post(client, body).status_code == 200  # the same change: stored once
    assert zendesk_post(client, body, secret="wrong").status_code == 401
    assert zendesk_post(client, body, sent_at=NOW - timedelta(minutes=6)).status_code == 401
    assert zendesk_post(client, body, headers={}).status_code == 401
    assert hubspot_post(client, json.dumps(HUBSPOT_EVENTS).encode(), secret="x").status_code == 401
    after = scrape(client)
    stored = "momentos_events_stored_total"
    assert delta(before, after, stored, tool="zendesk", source="webhook") == 1
    refused = "momentos_webhook_rejections_total"
    assert delta(before, after, refused, tool="zendesk", reason="mismatch") == 1
    assert delta(before, after, refused, tool="zendesk", reason="stale") == 1
    assert delta(before, after, refused, tool="zendesk", reason="missing") == 1
    assert delta(before, after, refused, tool="hubspot", reason="mismatch") == 1


def test_a_refused_delivery_keeps_the_one_error_shape(client):
    response = zendesk_post(client, json.dumps(TICKET_CREATED).encode(), secret="wrong")
    assert response.get_json() == {
        "error": {"status": 401, "message": "Zendesk signature does not match"}
    }


@pytest.mark.parametrize(
    "message, reason",
    [
        ("missing HubSpot v3 signature headers", "missing"),
        ("HubSpot request timestamp is not epoch milliseconds", "bad_timestamp"),
        ("Zendesk signature timestamp is outside the 5-minute window", "stale"),
        ("something new", "other"),
    ],
)
def test_rejection_reasons_stay_a_small_set(message, reason):
    assert rejection_reason(message) == reason


def test_dispatch_latency_429s_and_actions_by_state(engine, client, ordered, clock):
    from tests.momentos.test_dispatcher import created, task

    engine.store.enqueue([task(1), task(2)], NOW)
    before = scrape(client)
    ordered.post(f"{TASKS}/batch/create", status=429, headers={"Retry-After": "600"},
                 json={"status": "error", "errorType": "RATE_LIMIT"})  # fmt: skip
    engine.dispatcher.run_once()
    assert value(scrape(client), "momentos_actions", state="retry") == 2
    clock.advance(600)
    ordered.post(f"{TASKS}/batch/create", status=201, json=created(1, 2))
    engine.dispatcher.run_once()
    after = scrape(client)
    limited = "momentos_rate_limited_total"
    assert delta(before, after, limited, tool="hubspot", family="default") == 1
    batches = "momentos_dispatch_duration_seconds_count"
    assert delta(before, after, batches, tool="hubspot") == 2
    assert value(after, "momentos_actions", state="done") == 2
    assert value(after, "momentos_actions", state="retry") == 0


def test_polled_events_count_and_each_streams_lag_comes_from_its_cursor(
    engine, client, clock, monkeypatch
):
    def one_page(stream, sources, cursor):
        yield Page([zendesk_ticket(101), zendesk_ticket(102)], "c-1", True)

    stream = Stream("zendesk:tickets", "zendesk", "ticket", one_page)
    monkeypatch.setattr(engine_module.streams, "select", lambda tool=None, off=(): (stream,))
    before = scrape(client)
    assert engine.sync("zendesk") == {"zendesk:tickets": 2}
    clock.advance(90)
    after = scrape(client)
    assert delta(before, after, "momentos_events_stored_total", tool="zendesk", source="poll") == 2
    assert value(after, "momentos_poll_lag_seconds", stream="zendesk:tickets") == 90


def test_moments_by_type_come_from_the_store(engine, client):
    assert zendesk_post(client, json.dumps(TICKET_CREATED).encode()).status_code == 200
    engine.derive()
    samples = scrape(client)
    moments = {
        dict(labels)["type"]: count
        for (name, labels), count in samples.items()
        if name == "momentos_moments"
    }
    assert moments == engine.store.counts("moments", "type")
    assert moments["complaint"] == 1
