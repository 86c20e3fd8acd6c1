"""Zendesk tickets and comments: idempotent creates, create_many jobs, lookups by key."""

import pytest
from responses import matchers

from connectors.zendesk.actions import ZendeskActions
from connectors.zendesk.client import ZendeskClient
from momentos.errors import RateLimited, RetriableError
from momentos.model import Action, ActionResult

BASE = "https://acme.zendesk.com"
SHOW_MANY = f"{BASE}/api/v2/job_statuses/show_many.json"


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


def create_many(mock, job_id, keys=None):
    """Register a create_many answered by a queued job (matching the tickets if `keys`)."""
    tickets = {"tickets": [sent_ticket(k) for k in keys or []]}
    match = [matchers.json_params_matcher(tickets)] if keys else []
    mock.post(f"{BASE}/api/v2/tickets/create_many.json", match=match,
              json={"job_status": {"id": job_id, "status": "queued"}})  # fmt: skip


def show_many(mock, ids, *jobs, **kwargs):
    """Register a show_many asked for exactly `ids`, answering `jobs`."""
    mock.get(SHOW_MANY, json={"job_statuses": list(jobs)},
             match=[matchers.query_param_matcher({"ids": ",".join(ids)})], **kwargs)  # fmt: skip


def done(job_id, *results, status="completed"):
    return {"id": job_id, "status": status, "results": list(results)}


def test_several_tickets_go_through_create_many_and_its_job(ordered, clock, actions):
    create_many(ordered, "j1", ["a", "b", "c"])
    show_many(ordered, ["j1"], {"id": "j1", "status": "working", "results": None})
    blank = {"index": 1, "error": "TicketCreateFailed", "details": "Description: cannot be blank"}
    show_many(ordered, ["j1"], done("j1", {"index": 2, "id": 903}, {"index": 0, "id": 901}, blank))
    results = actions.create([ticket_action("a"), ticket_action("b"), ticket_action("c")])
    assert results == [
        ok("a", 901, 901),
        ActionResult("b", False, error="TicketCreateFailed: Description: cannot be blank"),
        ok("c", 903, 903),
    ]
    assert clock.slept == [2.0]


def test_the_jobs_of_all_batches_are_polled_together(ordered, clock, actions):
    # Any GET of /job_statuses/{id} is unregistered: polling a batch alone fails this test.
    keys = [f"k{i:03d}" for i in range(250)]
    for number, start in enumerate((0, 100, 200), 1):
        create_many(ordered, f"j{number}", keys[start : start + 100])
    j1, j2, j3 = (done(f"j{n}", *({"index": i, "id": n * 1000 + i} for i in range(size)))
                  for n, size in ((1, 100), (2, 100), (3, 50)))  # fmt: skip
    show_many(ordered, ["j1", "j2", "j3"], j2, {"id": "j1", "status": "working"},
              {"id": "j3", "status": "queued"})  # fmt: skip
    show_many(ordered, ["j1", "j3"], j3, j1)
    results = actions.create([ticket_action(k) for k in keys])
    assert [r.remote_id for r in results] == [str(1000 + i) for i in range(100)] + [
        str(2000 + i) for i in range(100)] + [str(3000 + i) for i in range(50)]  # fmt: skip
    assert all(r.ok for r in results) and clock.slept == [2.0]
    assert len(ordered.calls) == 5


def test_no_more_than_jobs_at_once_are_left_unread(ordered, monkeypatch, actions):
    monkeypatch.setattr("connectors.zendesk.actions.JOBS_AT_ONCE", 2)
    monkeypatch.setattr("connectors.zendesk.actions.CREATE_MANY_LIMIT", 2)
    keys = [f"k{i}" for i in range(6)]
    create_many(ordered, "j1", keys[0:2])
    create_many(ordered, "j2", keys[2:4])
    show_many(ordered, ["j1", "j2"], done("j1", {"index": 0, "id": 1}, {"index": 1, "id": 2}),
              done("j2", {"index": 0, "id": 3}, {"index": 1, "id": 4}))  # fmt: skip
    create_many(ordered, "j3", keys[4:6])
    show_many(ordered, ["j3"], done("j3", {"index": 0, "id": 5}, {"index": 1, "id": 6}))
    results = actions.create([ticket_action(k) for k in keys])
    assert [r.remote_id for r in results] == ["1", "2", "3", "4", "5", "6"]


def test_a_long_429_after_a_job_was_sent_leaves_every_outcome_to_the_lookup(ordered, actions):
    # The pause also holds the poll back; raising RateLimited would resend the first batch.
    keys = [f"k{i:03d}" for i in range(150)]
    create_many(ordered, "j1", keys[:100])
    ordered.post(f"{BASE}/api/v2/tickets/create_many.json", status=429,
                 headers={"Retry-After": "600"})  # fmt: skip
    with pytest.raises(RetriableError, match="jobs unread .*pause of 600s") as raised:
        actions.create([ticket_action(k) for k in keys])
    assert not isinstance(raised.value, RateLimited)
    assert len(ordered.calls) == 2


@pytest.mark.parametrize("status", [429, 404])
def test_a_job_poll_refused_leaves_the_outcome_to_the_lookup(rsps, actions, status):
    # The tickets may exist: a 429 here must not read as "nothing was created".
    create_many(rsps, "j1")
    show_many(rsps, ["j1"], status=status, headers={"Retry-After": "900"})
    with pytest.raises(RetriableError, match="jobs unread") as raised:
        actions.create([ticket_action("a"), ticket_action("b")])
    assert not isinstance(raised.value, RateLimited)


def test_a_job_that_reports_nothing_for_an_action_is_settled_by_lookup(ordered, actions):
    create_many(ordered, "j2")
    show_many(ordered, ["j2"], done("j2", {"index": 0, "id": 1}, status="failed"))
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
    create_many(rsps, "j3")
    show_many(rsps, ["j3"], {"id": "j3", "status": "working"})
    with pytest.raises(RetriableError, match="jobs still running: j3"):
        actions.create([ticket_action("a"), ticket_action("b")])
    assert clock.slept == [2.0, 2.0]


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
