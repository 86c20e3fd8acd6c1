"""Issue #12: four processes write to one store at once (the web app taking webhooks, and
worker steps: sync, derive and renormalize, plan and dispatch); none of them shows a user
`database is locked`, and the store ends consistent."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests

from momentos.clock import FrozenClock, SystemClock
from momentos.config import load_settings
from momentos.serving import BackgroundServer
from momentos.store import Store
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from server import create_app
from tests.conftest import TEST_SECRETS
from tests.reliability.helpers import duplicate_keys, integrity_ok, zendesk_headers
from tests.reliability.helpers import zendesk_ticket_body as ticket_body
from tests.reliability.world import build_world, momentos, write_config

DELIVERIES = 200
# Each a process of its own, beside the web app: four writers at once.
STEPS = {
    "sync": [("sync",), ("sync",)],
    "derive": [("renormalize",)],
    "plan and dispatch": [("run", "complaint_followup"), ("dispatch",)],
}


def _run_steps(config, steps, outcomes: list, lock: threading.Lock) -> None:
    for args in steps:
        process = momentos(config, *args)
        _, err = process.communicate(timeout=300)
        with lock:
            outcomes.append((args, process.returncode, err.decode()))


def test_four_writers_at_once_show_no_database_is_locked(tmp_path, monkeypatch):
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    box = SandboxSettings(
        zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        rate_limits=False,
        hubspot_search_lag_seconds=0,
    )
    with SandboxServer(box) as sandbox:
        build_world(sandbox.state, customers=30, bulk_tickets=100)
        config = write_config(tmp_path, sandbox.url)
        settings = load_settings(config)
        store = Store(settings.store["path"])
        requesters = [u["id"] for u in sandbox.state.zendesk.dump()["users"]][:30]
        now = datetime.now(UTC)
        bodies = [
            ticket_body(
                900_000 + i, requesters[i % len(requesters)], now - timedelta(minutes=1, seconds=i)
            )
            for i in range(DELIVERIES)
        ]
        with BackgroundServer(create_app(settings, store, SystemClock())) as web:
            outcomes: list = []
            lock = threading.Lock()
            workers = [
                threading.Thread(target=_run_steps, args=(config, steps, outcomes, lock))
                for steps in STEPS.values()
            ]
            for worker in workers:
                worker.start()
            with requests.Session() as session, ThreadPoolExecutor(8) as pool:
                statuses = list(
                    pool.map(
                        lambda body: session.post(
                            web.url + "/webhooks/zendesk",
                            data=body,
                            headers=zendesk_headers(body, now),
                            timeout=60,
                        ),
                        bodies,
                    )
                )
            for worker in workers:
                worker.join(timeout=300)
        answers = [(r.status_code, r.text) for r in statuses]

        # Whatever the interleaving, one more pass converges without doubles.
        for args in (("renormalize",), ("run", "complaint_followup"), ("dispatch", "--drain")):
            last = momentos(config, *args)
            _, err = last.communicate(timeout=300)
            outcomes.append((args, last.returncode, err.decode()))

    locked = [(args, err[-300:]) for args, _code, err in outcomes if "locked" in err.lower()]
    failed = [(args, code, err[-300:]) for args, code, err in outcomes if code != 0]
    assert locked == [] and failed == []
    assert [s for s, _ in answers] == [200] * DELIVERIES
    assert not any("locked" in text for _, text in answers)
    assert len(outcomes) == sum(len(s) for s in STEPS.values()) + 3
    assert integrity_ok(settings.store["path"])
    assert duplicate_keys(store, "events", "tool, object_type, object_id, version") == []
    assert duplicate_keys(store, "moments", "key") == []
    assert store.pending_events() == []
    assert set(store.counts("actions", "state")) == {"done"}


def test_a_store_locked_past_the_busy_timeout_is_a_5xx_that_says_nothing_of_sqlite(
    make_settings, monkeypatch
):
    """Past the busy timeout a delivery is refused with a 5xx, which both tools retry, whose
    body does not show `database is locked`."""
    from momentos import store as store_module
    from tests.reliability.helpers import NOW

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    settings = make_settings()
    store = store_module.Store(settings.store["path"])
    app = create_app(settings, store, FrozenClock(NOW))
    holder = store_module.Store(settings.store["path"])
    holder.db.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        body = ticket_body(1, 501, NOW - timedelta(minutes=1))
        response = app.test_client().post(
            "/webhooks/zendesk", data=body, headers=zendesk_headers(body)
        )
    finally:
        holder.db.execute("ROLLBACK")
    assert response.status_code in (500, 503), response.get_json()
    assert "locked" not in response.get_data(as_text=True)
