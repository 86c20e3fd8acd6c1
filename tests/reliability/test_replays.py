"""Issue #12: replays and order. Each delivery sent three times, shuffled, ten at a time, to
the app on a real socket, stores one event and has one effect; updates of a record that
arrive in any order leave the record at its newest version."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from momentos.clock import FrozenClock
from momentos.engine import Engine
from momentos.planner import run_workflow
from sandbox.app import create_sandbox_app
from sandbox.state import SandboxSettings, SandboxState
from tests.conftest import TEST_SECRETS
from tests.factories import zendesk_user
from tests.reliability.helpers import (
    NOW,
    duplicate_keys,
    hubspot_body,
    hubspot_headers,
    serve_momentos,
    zendesk_headers,
    zendesk_ticket_body,
)
from tests.reliability.inprocess import SANDBOX_URL, WSGIAdapter, plug
from tests.reliability.world import OWNERS

DELIVERIES = 500
COPIES = 3
CONCURRENCY = 10
SEQUENCES = 200
WORKFLOW = "complaint_followup"


def deliver_all(
    url: str, deliveries: list[tuple[str, bytes, dict]], seed: int, copies: int = COPIES
) -> dict[int, int]:
    """POST every (path, body, headers) `copies` times in shuffled order, CONCURRENCY at once;
    returns {status: count}."""
    sends = deliveries * copies
    random.Random(seed).shuffle(sends)
    statuses: dict[int, int] = {}
    with requests.Session() as session:
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=CONCURRENCY))

        def send(item):
            path, body, headers = item
            return session.post(url + path, data=body, headers=headers, timeout=30).status_code

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            for status in pool.map(send, sends):
                statuses[status] = statuses.get(status, 0) + 1
    return statuses


def test_each_delivery_three_times_shuffled_gives_one_event_and_one_action(make_settings):
    """500 deliveries per tool, each sent three times, shuffled, ten at a time: 500 events
    per tool, and for Zendesk's complaints 500 actions, dispatched (with every delivery
    sent once more in between) as 500 tasks in HubSpot. A HubSpot delivery only names the
    record that changed, so it has no effect of its own to count (momentos/derive.py)."""
    clock = FrozenClock(NOW)
    urls = {"zendesk_url": SANDBOX_URL, "hubspot_url": SANDBOX_URL}
    with serve_momentos(make_settings, clock, **urls) as (url, store, _app):
        # The complaining customers are known (one each, so no guard merges their work).
        users = [
            zendesk_user(user_id=10_000 + i, email=f"cliente{i}@empresa{i}.es")
            for i in range(DELIVERIES)
        ]
        store.add_events(users, source="poll", received_at=NOW)
        tickets = [
            zendesk_ticket_body(20_000 + i, 10_000 + i, NOW - timedelta(minutes=30 + i))
            for i in range(DELIVERIES)
        ]
        hubspot = [hubspot_body(30_000 + i, NOW - timedelta(seconds=i)) for i in range(DELIVERIES)]
        deliveries = [("/webhooks/zendesk", body, zendesk_headers(body)) for body in tickets]
        deliveries += [
            ("/webhooks/hubspot", body, hubspot_headers(body, public_url=url)) for body in hubspot
        ]

        statuses = deliver_all(url, deliveries, seed=12)

        assert statuses == {200: 2 * DELIVERIES * COPIES}
        assert store.counts("events", "tool") == {"zendesk": DELIVERIES * 2, "hubspot": DELIVERIES}
        assert duplicate_keys(store, "events", "tool, object_type, object_id, version") == []
        engine = Engine(store=store, settings=_settings(_app), clock=clock)
        engine.derive()
        assert store.counts("moments", "type")["complaint"] == DELIVERIES
        first = run_workflow(store, engine.settings, WORKFLOW, now=NOW)
        assert (len(first.actions), len(first.enqueued), first.error) == (
            DELIVERIES,
            DELIVERIES,
            None,
        )

        # Every delivery once more, after processing: nothing new anywhere.
        assert deliver_all(url, deliveries, seed=13, copies=1) == {200: 2 * DELIVERIES}
        engine.derive()
        again = run_workflow(store, engine.settings, WORKFLOW, now=NOW)
        assert store.counts("events", "tool") == {"zendesk": DELIVERIES * 2, "hubspot": DELIVERIES}
        assert store.counts("moments", "type")["complaint"] == DELIVERIES
        assert (store.total("actions"), again.enqueued) == (DELIVERIES, [])
        assert duplicate_keys(store, "moments", "key") == []
        assert store.pending_events() == []

        # The side effects, in the tool: one task per complaint, whatever was replayed.
        tasks = _dispatch(engine, store)
        assert (sum(tasks.values()), len(tasks)) == (DELIVERIES, DELIVERIES)
        assert store.counts("actions", "state") == {"done": DELIVERIES}


def _dispatch(engine: Engine, store) -> Counter:
    """Send the outbox to an in-process sandbox; its tasks counted by `momentos_key`."""
    box = SandboxSettings(
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"], rate_limits=False, hubspot_search_lag_seconds=0
    )
    state = SandboxState(box)
    for email, first, last in OWNERS:  # the first is the configuration's fallback owner
        state.hubspot.create_owner(email, first, last)
    adapter = WSGIAdapter(create_sandbox_app(state))
    plug(engine.hubspot.session, adapter)
    report = engine.dispatcher.drain()
    assert report.done == store.total("actions")
    return Counter(
        (task.get("properties") or {}).get("momentos_key")
        for task in state.hubspot.objects("tasks")
    )


def _settings(app):
    return app.config["SETTINGS"]


def _ticket_version(ticket_id: int, n: int, at) -> tuple:
    """The n-th update of one ticket: its subject names the update."""
    from tests.factories import zendesk_ticket

    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return zendesk_ticket(
        ticket_id=ticket_id,
        tags=("vip",),
        subject=f"update {n}",
        updated=stamp,
        created_at="2026-11-01T00:00:00Z",
    )


def test_shuffled_updates_of_a_record_end_at_its_newest_version(make_settings):
    """200 records, each updated 2 to 8 times; the versions arrive shuffled, some twice, and
    some updates share a second with another (Zendesk's updated_at has whole seconds)."""
    rng = random.Random(2026)
    settings = make_settings()
    from momentos.store import Store

    store = Store(settings.store["path"])
    engine = Engine(settings, store, FrozenClock(NOW))
    expected, ties = {}, 0
    for record in range(SEQUENCES):
        ticket_id = 40_000 + record
        count = rng.randint(2, 8)
        seconds = sorted(rng.sample(range(0, 600), count))
        if rng.random() < 0.25:  # a tie: the last two updates share a second
            seconds[-2] = seconds[-1]
            ties += 1
        versions = [
            _ticket_version(ticket_id, n, NOW - timedelta(hours=1) + timedelta(seconds=s))
            for n, s in enumerate(seconds)
        ]
        arrivals = versions + rng.sample(versions, rng.randint(0, count))
        rng.shuffle(arrivals)
        # On a tie the natural key (record, updated_at) is one event: the first to arrive
        # is the one kept, whichever update it was; a replay never replaces it.
        newest = max(v.occurred_at for v in versions)
        kept = next(v for v in arrivals if v.occurred_at == newest)
        expected[str(ticket_id)] = kept.data["subject"]
        # Arrivals come as separate deliveries, derived between some of them.
        for event in arrivals:
            store.add_events([event], source="webhook", received_at=NOW)
            if rng.random() < 0.3:
                engine.derive()
    engine.derive()

    rows = store.db.query("SELECT object_id, data FROM records WHERE object_type = 'ticket'")
    import json

    final = {row["object_id"]: json.loads(row["data"])["subject"] for row in rows}
    assert len(final) == SEQUENCES and ties > 20
    assert final == expected
