"""Issue #12: four processes write to one store at once (the web app taking webhooks, and
worker steps: sync, derive and renormalize, plan and dispatch); none of them shows a user
`database is locked`, and the store ends consistent."""

import logging
import threading
import time
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

logger = logging.getLogger(__name__)

DELIVERIES = 200
# Each a process of its own, beside the web app: four writers at once.
STEPS = {
    "sync": [("sync",), ("sync",)],
    "derive": [("renormalize",)],
    "plan and dispatch": [("run", "complaint_followup"), ("dispatch",)],
}


def _run_steps(config, steps, outcomes: list, lock: threading.Lock) -> None:
    for args in steps:
        started = time.monotonic()
        process = momentos(config, *args)
        _, err = process.communicate(timeout=300)
        with lock:
            outcomes.append((args, process.returncode, err.decode(), (started, time.monotonic())))


def most_writers_at_once(deliveries: list[float], spans: list[tuple[float, float]]) -> int:
    """The web app (one writer while it takes a delivery) plus the worker processes running
    at that moment, at the busiest delivery."""
    return max(1 + sum(1 for start, end in spans if start <= at <= end) for at in deliveries)


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

        def deliver(i: int):
            body = ticket_body(
                900_000 + i, requesters[i % len(requesters)], now - timedelta(minutes=1, seconds=i)
            )
            answer = session.post(web.url + "/webhooks/zendesk", data=body,
                                  headers=zendesk_headers(body, now), timeout=60)  # fmt: skip
            return answer.status_code, answer.text, time.monotonic()

        with (
            BackgroundServer(create_app(settings, store, SystemClock())) as web,
            requests.Session() as session,
            ThreadPoolExecutor(8) as pool,
        ):
            outcomes: list = []
            lock = threading.Lock()
            workers = [
                threading.Thread(target=_run_steps, args=(config, steps, outcomes, lock))
                for steps in STEPS.values()
            ]
            for worker in workers:
                worker.start()
            # Deliveries keep coming for as long as the workers write (and at least 200).
            answers, sent = [], 0
            while sent < DELIVERIES or any(worker.is_alive() for worker in workers):
                answers += pool.map(deliver, range(sent, sent + 8))
                sent += 8
            for worker in workers:
                worker.join(timeout=300)
        spans = [span for *_, span in outcomes]
        at_once = most_writers_at_once([at for *_, at in answers], spans)
        outcomes = [outcome[:3] for outcome in outcomes]
        logger.info("deliveries: %d, writers at once: %d, worker runs: %d", len(answers),
                    at_once, len(outcomes))  # fmt: skip

        # Whatever the interleaving, one more pass converges without doubles.
        for args in (("renormalize",), ("run", "complaint_followup"), ("dispatch", "--drain")):
            last = momentos(config, *args)
            _, err = last.communicate(timeout=300)
            outcomes.append((args, last.returncode, err.decode()))

    locked = [(args, err[-300:]) for args, _code, err in outcomes if "locked" in err.lower()]
    failed = [(args, code, err[-300:]) for args, code, err in outcomes if code != 0]
    assert locked == [] and failed == []
    assert at_once == 4  # the web app and three worker processes, all writing
    assert len(answers) >= DELIVERIES
    assert [s for s, *_ in answers] == [200] * len(answers)
    assert not any("locked" in text for _, text, _ in answers)
    assert len(outcomes) == sum(len(s) for s in STEPS.values()) + 3
    assert integrity_ok(settings.store["path"])
    assert duplicate_keys(store, "events", "tool, object_type, object_id, version") == []
    assert duplicate_keys(store, "moments", "key") == []
    assert store.pending_events() == []
    assert set(store.counts("actions", "state")) == {"done"}


def test_a_store_locked_past_the_busy_timeout_is_a_503_that_says_nothing_of_sqlite(
    make_settings, monkeypatch
):
    """Past the busy timeout a delivery, a survey answer or an admin form is refused with a
    503 and a Retry-After (both tools retry it), whose body does not show `database is
    locked`; the same request once the lock is gone goes through. Regression: a previous
    run answered 500 (the catch-all handler) where 503 was expected (issue #12)."""
    from momentos.model import Action
    from momentos.store import base
    from momentos.surveys.tokens import Survey, Tokens
    from tests.reliability.helpers import NOW, hubspot_body, hubspot_headers
    from tests.web.conftest import UI_SECRETS, csrf_token, login

    for name, value in UI_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", "busy-survey-key-0123456789abcdef")
    monkeypatch.setattr(base, "BUSY_TIMEOUT_MS", 100)
    settings = make_settings(surveys={"rate_limit": "100000 per minute"})
    store = Store(settings.store["path"])
    clock = FrozenClock(NOW)
    app = create_app(settings, store, clock)
    client = app.test_client()
    assert login(client).status_code == 302
    survey = Survey("survey_mail:zendesk:ticket:1", None, "1", ("zendesk", "user", "501"), "nps",
                    "es")  # fmt: skip
    token = Tokens("busy-survey-key-0123456789abcdef", clock, timedelta(days=30)).sign(survey)
    review = Action("busy:1", "complaint_followup", "hubspot", "task", {"subject": "x"})
    store.enqueue([review], NOW)
    store.settle(review.key, "needs_review", NOW, error="unknown")
    form = {"key": review.key, "verb": "dismiss", "csrf_token": csrf_token(client)}
    zendesk = ticket_body(1, 501, NOW - timedelta(minutes=1))
    hubspot = hubspot_body(7, NOW - timedelta(minutes=1))
    public_url = settings.web["public_url"]
    requests_ = {
        "zendesk webhook": lambda: client.post(
            "/webhooks/zendesk", data=zendesk, headers=zendesk_headers(zendesk)
        ),
        "hubspot webhook": lambda: client.post(
            "/webhooks/hubspot",
            data=hubspot,
            headers=hubspot_headers(hubspot, public_url=public_url),
        ),
        "survey answer": lambda: client.post(f"/survey/{token}", data={"score": "9"}),
        "admin form": lambda: client.post("/admin/outbox/move", data=form),
    }
    holder = Store(settings.store["path"])
    holder.db.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        refused = {name: send() for name, send in requests_.items()}
    finally:
        holder.db.execute("ROLLBACK")
    for name, response in refused.items():
        assert response.status_code == 503, (name, response.status_code)
        assert response.headers["Retry-After"].isdigit(), name
        assert "locked" not in response.get_data(as_text=True).lower(), name
    assert store.total("events") == 0
    assert store.actions(keys=[review.key])[0]["state"] == "needs_review"
    # The same requests once the other writer is done (the tools retry): they go through.
    assert {name: send().status_code for name, send in requests_.items()} == {
        "zendesk webhook": 200,
        "hubspot webhook": 200,
        "survey answer": 303,
        "admin form": 302,
    }
    assert store.total("events") == 3  # the two deliveries and the survey answer
    assert store.actions(keys=[review.key])[0]["state"] == "dismissed"
