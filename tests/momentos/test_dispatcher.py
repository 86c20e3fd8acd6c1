"""The dispatcher: claim before calling, settle every answer, and after a crash or an
unknown outcome look the action up instead of sending it twice."""

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from connectors.hubspot.actions import SEARCH_LAG, HubSpotActions
from connectors.hubspot.client import HubSpotClient
from connectors.zendesk.actions import ZendeskActions
from connectors.zendesk.client import ZendeskClient
from momentos.clock import FrozenClock
from momentos.dispatcher import LEASE, Dispatcher
from momentos.model import Action
from momentos.store import Store

BASE = "https://api.hubapi.com"
TASKS = f"{BASE}/crm/v3/objects/tasks"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FrozenClock(T0)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


@pytest.fixture
def dispatcher(store, clock):
    actions = HubSpotActions(
        HubSpotClient(BASE, "pat", clock=clock), "https://app.hubspot.com", 62515
    )
    actions._provisioned.update({"tasks", "notes"})  # the key property exists already
    return Dispatcher(store, {"hubspot": actions}, clock, rng=random.Random(7))


def task(n: int) -> Action:
    return Action(
        key=f"wf:{n}",
        workflow="wf",
        tool="hubspot",
        kind="task",
        customer_id=None,
        payload={
            "subject": f"Call {n}",
            "body": "b",
            "due_at": "2026-11-23T17:00:00Z",
            "owner_id": "7",
            "priority": "HIGH",
            "task_type": "CALL",
            "contact_ids": [],
            "company_ids": [],
        },
    )


def created(*numbers: int) -> dict:
    return {
        "status": "COMPLETE",
        "results": [
            {"id": str(100 + n), "properties": {"momentos_key": f"wf:{n}"}} for n in numbers
        ],
    }


def sent_keys(call) -> list[str]:
    return [item["properties"]["momentos_key"] for item in json.loads(call.request.body)["inputs"]]


def states(store) -> dict[str, str]:
    return {row["key"]: row["state"] for row in store.actions()}


def test_due_actions_go_in_one_batch_and_are_done_once(ordered, store, dispatcher):
    store.enqueue([task(1), task(2)], T0)
    ordered.post(f"{TASKS}/batch/create", status=201, json=created(1, 2))
    report = dispatcher.run_once()
    assert sent_keys(ordered.calls[0]) == ["wf:1", "wf:2"]
    assert (report.sent, report.done, dict(report.calls)) == (2, 2, {"hubspot": 1})
    assert [(r["key"], r["state"], r["remote_id"]) for r in store.actions()] == [
        ("wf:1", "done", "101"),
        ("wf:2", "done", "102"),
    ]
    assert dispatcher.run_once().sent == 0  # nothing is sent twice


def test_a_429_retries_after_the_wait_and_never_sooner(ordered, store, dispatcher, clock):
    store.enqueue([task(1)], T0)
    ordered.post(
        f"{TASKS}/batch/create",
        status=429,
        headers={"Retry-After": "600"},
        json={"status": "error", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"},
    )
    assert dispatcher.run_once().retry == 1
    [row] = store.actions()
    assert (row["state"], row["next_attempt_at"]) == ("retry", "2026-11-23T09:10:00.000000+00:00")
    clock.advance(599)
    assert dispatcher.run_once().sent == 0
    clock.advance(1)
    ordered.post(f"{TASKS}/batch/create", status=201, json=created(1))
    assert dispatcher.run_once().done == 1


def test_a_refusal_fails_the_action_with_the_tools_words(ordered, store, dispatcher):
    store.enqueue([task(1)], T0)
    ordered.post(
        f"{TASKS}/batch/create",
        status=400,
        json={"status": "error", "category": "VALIDATION_ERROR", "message": "INVALID_OWNER_ID"},
    )
    assert dispatcher.run_once().failed == 1
    [row] = store.actions()
    assert row["state"] == "failed" and "INVALID_OWNER_ID" in row["error"]


def test_an_unknown_outcome_is_looked_up_before_anything_is_sent_again(
    ordered, store, dispatcher, clock
):
    store.enqueue([task(1), task(2)], T0)
    # The request may have reached HubSpot: the connection died before the answer.
    ordered.post(f"{TASKS}/batch/create", body=requests.ConnectionError("reset"))
    dispatcher.run_once()
    assert states(store) == {"wf:1": "in_flight", "wf:2": "in_flight"}

    clock.advance(LEASE.total_seconds() + 1)
    assert LEASE > SEARCH_LAG  # so a lookup after the lease can be trusted
    # HubSpot did create wf:1; wf:2 never arrived. Only wf:2 is sent again.
    ordered.post(
        f"{TASKS}/search",
        json={"total": 1, "results": [{"id": "101", "properties": {"momentos_key": "wf:1"}}]},
    )
    ordered.post(f"{TASKS}/batch/create", status=201, json=created(2))
    report = dispatcher.run_once()
    assert sent_keys(ordered.calls[2]) == ["wf:2"]
    assert (report.recovered, report.resent, report.done) == (1, 1, 1)
    assert [(r["key"], r["state"], r["remote_id"]) for r in store.actions()] == [
        ("wf:1", "done", "101"),
        ("wf:2", "done", "102"),
    ]
    search = json.loads(ordered.calls[1].request.body)
    assert search["filterGroups"][0]["filters"][0]["values"] == ["wf:1", "wf:2"]


def test_a_lookup_inside_the_search_lag_proves_nothing(ordered, store, dispatcher, clock):
    store.enqueue([task(1)], T0)
    store.claim(T0, timedelta(seconds=1), 10)  # a short lease, as after a crash mid-send
    clock.advance(2)
    ordered.post(f"{TASKS}/search", json={"total": 0, "results": []})
    report = dispatcher.run_once()
    assert (report.resent, report.sent) == (0, 0)
    assert states(store) == {"wf:1": "in_flight"}


def test_a_default_claim_of_1000_zendesk_tickets_costs_11_calls(rsps, store, clock):
    """Issue #11: one claim holds 1,000 actions, sent as 10 create_many calls whose jobs
    are read together by one show_many; claims of 100 cost 20 calls per 1,000."""
    zendesk = "https://acme.zendesk.com"
    client = ZendeskClient(zendesk, "agent@acme.example", "tok", clock=clock)
    dispatcher = Dispatcher(store, {"zendesk": ZendeskActions(client, zendesk)}, clock)
    jobs: dict[str, list[dict]] = {}

    def create_many(request):
        job_id = f"job{len(jobs):02d}"
        tickets = json.loads(request.body)["tickets"]
        jobs[job_id] = [{"index": i, "id": 1000 * len(jobs) + i} for i in range(len(tickets))]
        return 200, {}, json.dumps({"job_status": {"id": job_id, "status": "queued"}})

    def show_many(request):
        ids = request.params["ids"].split(",")
        statuses = [{"id": i, "status": "completed", "results": jobs[i]} for i in ids]
        return 200, {}, json.dumps({"job_statuses": statuses})

    rsps.add_callback("POST", f"{zendesk}/api/v2/tickets/create_many.json", create_many)
    rsps.add_callback("GET", f"{zendesk}/api/v2/job_statuses/show_many.json", show_many)
    store.enqueue([ticket(n) for n in range(1000)], T0)
    report = dispatcher.run_once()
    paths = Counter(urlsplit(call.request.url).path for call in rsps.calls)
    assert paths == {"/api/v2/tickets/create_many.json": 10,
                     "/api/v2/job_statuses/show_many.json": 1}  # fmt: skip
    assert (report.sent, report.done) == (1000, 1000)
    assert set(states(store).values()) == {"done"}


def ticket(n: int) -> Action:
    return Action(key=f"wf:t{n:04d}", workflow="wf", tool="zendesk", kind="ticket",
                  payload={"subject": f"Repeat {n}", "body": "b", "requester_id": 7})  # fmt: skip
