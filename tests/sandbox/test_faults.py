"""Faults set over HTTP (`/_sandbox/faults`), what they do to each tool, and the stats."""

import random
from dataclasses import fields

import pytest
import requests

from sandbox import faults
from tests.receiver import Receiver

CONTACTS = "/crm/v3/objects/contacts"


class Tools:
    """Plain HTTP to both tools and the control API of one sandbox."""

    def __init__(self, sandbox):
        settings = sandbox.state.settings
        self.url = sandbox.url
        self.hubspot_session = requests.Session()
        self.hubspot_session.headers["Authorization"] = f"Bearer {settings.hubspot_token}"
        self.zendesk_session = requests.Session()
        self.zendesk_session.auth = (
            f"{settings.zendesk_agent_email}/token",
            settings.zendesk_api_token,
        )

    def hubspot(self, method="GET", path=CONTACTS, timeout=10.0, **kwargs):
        return self.hubspot_session.request(method, self.url + path, timeout=timeout, **kwargs)

    def zendesk(self, path="/api/v2/tickets.json"):
        return self.zendesk_session.get(self.url + path, timeout=10)

    def faults(self, **knobs):
        answer = requests.post(f"{self.url}/_sandbox/faults", json=knobs, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stats(self):
        return requests.get(f"{self.url}/_sandbox/stats", timeout=10).json()

    def close(self):
        self.hubspot_session.close()
        self.zendesk_session.close()


@pytest.fixture
def tools(sandbox):
    client = Tools(sandbox)
    yield client
    client.close()


def test_storm_answers_each_tool_with_its_own_429(tools):
    tools.faults(storm_429=True)
    hubspot, zendesk = tools.hubspot(), tools.zendesk()

    assert hubspot.status_code == 429 and hubspot.headers["Retry-After"] == "1"
    assert hubspot.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert zendesk.status_code == 429 and zendesk.headers["Retry-After"] == "1"
    assert zendesk.headers["Content-Type"].startswith("text/plain")
    limited = tools.stats()["rate_limited"]
    assert limited == {
        "storm": 2,
        "limits": 0,
        "total": 2,
        "by_tool": {"zendesk": 1, "hubspot": 1},
    }


def test_a_fault_scoped_to_one_tool_leaves_the_other_alone(tools):
    assert tools.faults(storm_429=True, tools=["zendesk"])["tools"] == ["zendesk"]
    assert tools.zendesk().status_code == 429
    assert tools.hubspot().status_code == 200


def test_error_rate_is_a_share_of_503s_repeatable_with_its_seed(tools):
    def statuses(seed):
        tools.faults(error_rate=0.5, seed=seed)
        return [tools.hubspot().status_code for _ in range(24)]

    first, again, other = statuses(7), statuses(7), statuses(8)
    assert first == again != other
    assert set(first) == {200, 503}
    # Each tool has its own draws: the same seed gives the generator this sequence.
    rng = random.Random("7:hubspot")
    assert first == [503 if rng.random() < 0.5 else 200 for _ in range(24)]
    assert tools.stats()["injected"]["errors"] == sum(s == 503 for s in first + again + other)


def test_injected_errors_use_each_tools_error_shape(tools):
    tools.faults(error_rate=1.0)
    hubspot, zendesk = tools.hubspot(), tools.zendesk()
    assert hubspot.status_code == zendesk.status_code == 503
    body = hubspot.json()
    assert (body["status"], body["category"]) == ("error", "SERVICE_UNAVAILABLE")
    assert body["correlationId"]
    assert zendesk.json() == {"error": "ServiceUnavailable", "description": "sandbox fault"}


def test_latency_delays_every_answer(tools):
    tools.faults(latency_ms=150)
    answer = tools.hubspot()
    assert answer.status_code == 200
    assert answer.elapsed.total_seconds() >= 0.15


def test_a_timeout_holds_the_answer_after_the_write_happened(tools, sandbox):
    tools.faults(timeout_rate=1.0, timeout_seconds=30)
    with pytest.raises(requests.ReadTimeout):
        tools.hubspot("POST", timeout=0.5, json={"properties": {"email": "ana@x.com"}})

    # The client cannot tell, but the contact was created: what retries must cope with.
    assert [c["properties"]["email"] for c in sandbox.state.hubspot.objects("contacts")] == [
        "ana@x.com"
    ]
    assert tools.stats()["injected"]["timeouts"] == 1
    # The held request no longer blocks the others.
    assert requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).ok
    assert [c["id"] for c in tools.hubspot().json()["results"]] == [
        c["id"] for c in sandbox.state.hubspot.objects("contacts")
    ]


def test_dropped_webhooks_are_counted_not_sent(tools, sandbox):
    receiver = Receiver("/hooks/hubspot").start()
    try:
        hubspot = sandbox.state.hubspot
        hubspot.set_webhook_target(receiver.url)
        hubspot.subscribe("contact.creation")
        tools.faults(drop_webhooks=True, tools=["zendesk"])
        hubspot.create_object("contacts", {"email": "kept@x.com"})
        assert sandbox.state.deliveries.flush(timeout=10)
        tools.faults(tools=["hubspot"])
        hubspot.create_object("contacts", {"email": "dropped@x.com"})
        assert sandbox.state.deliveries.flush(timeout=10)
    finally:
        receiver.stop()

    assert len(receiver.deliveries) == 1
    webhooks = tools.stats()["webhooks"]
    assert (webhooks["sent"], webhooks["dropped"]) == (1, 1)
    assert webhooks["by_tool"]["hubspot"] == {"sent": 1, "retried": 0, "failed": 0, "dropped": 1}


def test_stats_count_requests_by_endpoint_and_the_tools_own_429s(tools, sandbox):
    sandbox.state.settings.hubspot_requests_per_10s = 1
    sandbox.state.settings.zendesk_requests_per_minute = 1
    assert [tools.hubspot().status_code for _ in range(2)] == [200, 429]
    assert [tools.zendesk().status_code for _ in range(2)] == [200, 429]

    stats = tools.stats()
    assert stats["requests"] == {
        "GET /crm/v3/objects/<object_type>": 2,
        "GET /api/v2/tickets.json": 2,
    }
    assert stats["rate_limited"]["limits"] == 2
    assert stats["rate_limited"]["by_tool"] == {"zendesk": 1, "hubspot": 1}


def test_bad_faults_are_refused_naming_every_problem(tools, sandbox):
    answer = requests.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"error_rate": 2, "tools": ["jira"], "storm": True, "latency_ms": -1},
        timeout=10,
    )
    assert answer.status_code == 400
    problems = answer.json()["problems"]
    assert [p.split(":")[0] for p in problems] == ["storm", "error_rate", "tools", "latency_ms"]
    assert "(got 2)" in problems[1]
    assert sandbox.state.faults == faults.Faults()


def test_faults_change_only_what_is_named_and_delete_clears_them(tools, sandbox):
    tools.faults(latency_ms=5, tools=["hubspot"])
    current = tools.faults(error_rate=0.25)
    assert (current["latency_ms"], current["error_rate"], current["tools"]) == (
        5,
        0.25,
        ["hubspot"],
    )
    cleared = requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).json()
    assert cleared == requests.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()
    assert cleared["tools"] == ["zendesk", "hubspot"] and cleared["timeout_seconds"] == 35.0


def test_every_knob_is_checked():
    assert set(faults.CHECKS) == {f.name for f in fields(faults.Faults)}


def test_a_plan_draws_only_for_the_rates_that_are_set():
    rng = random.Random(1)
    quiet = faults.Faults(latency_ms=20)
    assert faults.plan(quiet, "hubspot", rng) == faults.Plan(latency=0.02)
    assert rng.random() == random.Random(1).random()  # nothing was drawn
    elsewhere = faults.Faults(storm_429=True, tools=["zendesk"])
    assert faults.plan(elsewhere, "hubspot", rng) == faults.Plan()
    hang = faults.Faults(timeout_rate=1.0, timeout_seconds=2)
    assert faults.plan(hang, "zendesk", rng) == faults.Plan(hang=2)
