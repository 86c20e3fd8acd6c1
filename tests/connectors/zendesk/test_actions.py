"""Zendesk tickets and comments: idempotent creates, create_many jobs, lookups by key."""

import pytest
from responses import matchers

from connectors.zendesk.actions import ZendeskActions
from connectors.zendesk.client import ZendeskClient
from momentos.errors import RateLimited, RetriableError
from momentos.model import Action, ActionResult

BASE = "https://acme.zendesk.com"


@pytest.fixture
def actions(clock, rng):
    client = ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)
    return ZendeskActions(client, BASE + "/")


def ticket_action(key, **payload):
    payload = {"subject": "Recovery", "body": "Call her", "requester_id": 7, **payload}
    return Action(key=key, workflow="wf", tool="zendesk", kind="ticket", payload=payload)


def comment_action(key, ticket_id=42):
    return Action(key=key, workflow="wf", tool="zendesk", kind="comment",
                  payload={"ticket_id": ticket_id, "body": "Note", "public": False})  # fmt: skip


def sent_ticket(key, **extra):
    return {
        "subject": "Recovery",
        "comment": {"body": "Call her", "public": False},
        "external_id": f"momentos:{key}",
        "tags": ["momentos"],
        "requester_id": 7,
        **extra,
    }


def ok(key, remote_id, ticket_id):
    return ActionResult(key, True, remote_id=str(remote_id),
                        remote_url=f"{BASE}/agent/tickets/{ticket_id}")  # fmt: skip


def test_one_ticket_is_posted_with_idempotency_key_and_external_id(rsps, actions):
    rsps.post(f"{BASE}/api/v2/tickets.json", status=201, json={"ticket": {"id": 501}}, match=[
        matchers.header_matcher({"Idempotency-Key": "wf:c1:m1"}),
        matchers.json_params_matcher({"ticket": sent_ticket(
            "wf:c1:m1", tags=["vip", "momentos"], priority="high")})])  # fmt: skip
    action = ticket_action("wf:c1:m1", tags=["vip"], priority="high", assignee_id=None)
    assert actions.create([action]) == [ok("wf:c1:m1", 501, 501)]


def test_one_ticket_is_retried_after_a_503_because_the_key_makes_it_safe(ordered, actions):
    ordered.post(f"{BASE}/api/v2/tickets.json", status=503)
    ordered.post(f"{BASE}/api/v2/tickets.json", status=201, json={"ticket": {"id": 501}},
                 match=[matchers.header_matcher({"Idempotency-Key": "k"})])  # fmt: skip
    assert actions.create([ticket_action("k")]) == [ok("k", 501, 501)]


def test_several_tickets_go_through_create_many_and_its_job(ordered, clock, actions):
    ordered.post(f"{BASE}/api/v2/tickets/create_many.json", json={"job_status": {
        "id": "j1", "status": "queued"}}, match=[matchers.json_params_matcher(
            {"tickets": [sent_ticket("a"), sent_ticket("b"), sent_ticket("c")]})])  # fmt: skip
    ordered.get(
        f"{BASE}/api/v2/job_statuses/j1.json",
        json={"job_status": {"id": "j1", "status": "working", "results": None}},
    )
    ordered.get(f"{BASE}/api/v2/job_statuses/j1.json", json={"job_status": {
        "id": "j1", "status": "completed", "results": [
            {"index": 2, "id": 903}, {"index": 0, "id": 901},
            {"index": 1, "error": "TicketCreateFailed", "details": "Description: cannot be blank"},
        ]}})  # fmt: skip
    results = actions.create([ticket_action("a"), ticket_action("b"), ticket_action("c")])
    assert results == [
        ok("a", 901, 901),
        ActionResult("b", False, error="TicketCreateFailed: Description: cannot be blank"),
        ok("c", 903, 903),
    ]
    assert clock.slept == [2.0]


def test_a_job_that_reports_nothing_for_an_action_is_settled_by_lookup(ordered, actions):
    ordered.post(
        f"{BASE}/api/v2/tickets/create_many.json",
        json={"job_status": {"id": "j2", "status": "queued"}},
    )
    ordered.get(f"{BASE}/api/v2/job_statuses/j2.json", json={"job_status": {
        "status": "failed", "results": [{"index": 0, "id": 1}]}})  # fmt: skip
    ordered.get(
        f"{BASE}/api/v2/tickets.json",
        json={"tickets": [{"id": 2}]},
        match=[matchers.query_param_matcher({"external_id": "momentos:b"})],
    )
    ordered.get(
        f"{BASE}/api/v2/tickets.json",
        json={"tickets": []},
        match=[matchers.query_param_matcher({"external_id": "momentos:c"})],
    )
    results = actions.create([ticket_action("a"), ticket_action("b"), ticket_action("c")])
    assert results[:2] == [ok("a", 1, 1), ok("b", 2, 2)]
    assert (results[2].ok, results[2].retriable) == (False, True)


def test_a_job_still_running_leaves_the_outcome_to_the_lookup(rsps, clock, actions):
    actions.job_poll_attempts = 3
    rsps.post(
        f"{BASE}/api/v2/tickets/create_many.json",
        json={"job_status": {"id": "j3", "status": "queued"}},
    )
    rsps.get(f"{BASE}/api/v2/job_statuses/j3.json", json={"job_status": {"status": "working"}})
    with pytest.raises(RetriableError, match="job j3 is still running"):
        actions.create([ticket_action("a"), ticket_action("b")])
    assert clock.slept == [2.0, 2.0, 2.0]


def test_create_many_is_not_repeated_after_a_503(rsps, actions):
    rsps.post(f"{BASE}/api/v2/tickets/create_many.json", status=503)
    with pytest.raises(RetriableError, match="create_many.json answered 503"):
        actions.create([ticket_action("a"), ticket_action("b")])
    assert len(rsps.calls) == 1


def test_a_comment_carries_its_key_in_the_audit_metadata(rsps, actions):
    rsps.put(f"{BASE}/api/v2/tickets/42.json", json={"ticket": {"id": 42}, "audit": {"id": 77}},
             match=[matchers.json_params_matcher({"ticket": {
                 "comment": {"body": "Note", "public": False},
                 "metadata": {"momentos_key": "n1"}}})])  # fmt: skip
    assert actions.create([comment_action("n1")]) == [ok("n1", 77, 42)]


def test_a_comment_is_never_repeated_blindly(rsps, actions):
    rsps.put(f"{BASE}/api/v2/tickets/42.json", status=503)
    with pytest.raises(RetriableError):
        actions.create([comment_action("n1")])
    assert len(rsps.calls) == 1


def test_a_refused_comment_fails_alone_and_a_429_defers_the_rest(ordered, actions):
    ordered.put(
        f"{BASE}/api/v2/tickets/1.json",
        status=422,
        json={"error": "RecordInvalid", "description": "Record validation errors"},
    )
    ordered.put(f"{BASE}/api/v2/tickets/2.json", json={"audit": {"id": 20}})
    ordered.put(f"{BASE}/api/v2/tickets/3.json", status=429, headers={"Retry-After": "600"})
    batch = [comment_action(f"n{i}", ticket_id=i) for i in (1, 2, 3, 4)]
    results = actions.create(batch)
    assert [(r.key, r.ok, r.retriable, r.retry_after) for r in results] == [
        ("n1", False, False, None), ("n2", True, False, None),
        ("n3", False, True, 600.0), ("n4", False, True, 600.0)]  # fmt: skip
    assert "RecordInvalid" in results[0].error


def test_a_429_on_the_first_call_is_raised_for_the_dispatcher(rsps, actions):
    rsps.post(f"{BASE}/api/v2/tickets.json", status=429, headers={"Retry-After": "900"})
    with pytest.raises(RateLimited):
        actions.create([ticket_action("a")])


def test_bad_payloads_fail_before_any_call(actions):
    bad = [Action("x", "wf", "zendesk", "macro", {}), ticket_action("y", body=""),
           comment_action("z", ticket_id="abc")]  # fmt: skip
    results = actions.create(bad)
    assert [(r.key, r.ok) for r in results] == [("x", False), ("y", False), ("z", False)]
    assert "cannot create a 'macro'" in results[0].error
    assert "needs a body" in results[1].error
    assert "numeric ticket_id" in results[2].error


def test_lookup_finds_tickets_by_external_id_and_comments_by_audit_metadata(ordered, actions):
    ordered.get(
        f"{BASE}/api/v2/tickets.json",
        json={"tickets": [{"id": 12}, {"id": 11}]},
        match=[matchers.query_param_matcher({"external_id": "momentos:t1"})],
    )
    ordered.get(
        f"{BASE}/api/v2/tickets.json",
        json={"tickets": []},
        match=[matchers.query_param_matcher({"external_id": "momentos:t2"})],
    )
    audits = f"{BASE}/api/v2/tickets/42/audits.json"
    ordered.get(audits, match=[matchers.query_param_matcher({"page[size]": "100"})], json={
        "audits": [{"id": 1, "metadata": {"custom": {}}},
                   {"id": 2, "metadata": {"custom": {"momentos_key": "n1"}}}],
        "meta": {"has_more": True, "after_cursor": "a1"}})  # fmt: skip
    ordered.get(audits, match=[matchers.query_param_matcher(
        {"page[size]": "100", "page[after]": "a1"})], json={
        "audits": [{"id": 3, "metadata": {"custom": {"momentos_key": "n2"}}},
                   {"id": 4, "metadata": {"custom": {"momentos_key": "other"}}}],
        "meta": {"has_more": False}})  # fmt: skip
    found = actions.lookup(
        [
            ticket_action("t1"),
            ticket_action("t2"),
            comment_action("n1"),
            comment_action("n2"),
            comment_action("n3"),
        ]
    )
    assert found == {
        "t1": ("11", f"{BASE}/agent/tickets/11"),
        "n1": ("2", f"{BASE}/agent/tickets/42"),
        "n2": ("3", f"{BASE}/agent/tickets/42"),
    }


def test_lookups_are_trusted_at_once():
    assert ZendeskActions.LOOKUP_LAG.total_seconds() == 0
