"""Zendesk incremental exports: cursors, end_of_stream, boundary duplicates, budgets."""

import base64

import pytest
from responses import matchers

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import get_user, poll_organizations, poll_tickets, poll_users
from momentos.errors import FatalApiError

BASE = "https://acme.zendesk.com"
TICKETS = f"{BASE}/api/v2/incremental/tickets/cursor.json"
USERS = f"{BASE}/api/v2/incremental/users/cursor.json"
ORGS = f"{BASE}/api/v2/incremental/organizations.json"


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def ticket(ticket_id, updated="2026-03-01T10:00:00Z", **fields):
    return {"id": ticket_id, "subject": "Help", "status": "open", "priority": None,
            "type": None, "tags": [], "requester_id": 7, "created_at": "2026-03-01T09:00:00Z",
            "updated_at": updated, "custom_fields": [], **fields}  # fmt: skip


def query(**params):
    return matchers.query_param_matcher({k: str(v) for k, v in params.items()})


def test_basic_auth_is_email_slash_token(rsps, client):
    expected = "Basic " + base64.b64encode(b"agent@acme.example/token:tok").decode()
    rsps.get(
        f"{BASE}/api/v2/users/7.json",
        match=[matchers.header_matcher({"Authorization": expected})],
        json={
            "user": {
                "id": 7,
                "name": "Ana",
                "email": "ANA@x.example",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-02T00:00:00Z",
            }
        },
    )
    user = get_user(client, 7)
    assert user["id"] == "7"
    assert user["email"] == "ana@x.example"


def test_get_user_returns_none_when_zendesk_has_no_such_user(rsps, client):
    rsps.get(f"{BASE}/api/v2/users/8.json", status=404,
             json={"error": "RecordNotFound", "description": "Not found"})  # fmt: skip
    assert get_user(client, "8") is None


def test_tickets_start_time_first_then_cursor_and_keep_the_last_after_cursor(ordered, client):
    ordered.get(
        TICKETS,
        match=[query(start_time=1700000000, per_page=1000)],
        json={"tickets": [ticket(1), ticket(2)], "after_cursor": "c1", "end_of_stream": False},
    )
    ordered.get(TICKETS, match=[query(cursor="c1", per_page=1000)], json={
        "tickets": [ticket(3, deleted_at="2026-03-01T11:00:00Z", status="deleted")],
        "after_cursor": "c2", "end_of_stream": True})  # fmt: skip
    pages = list(poll_tickets(client, None, 1700000000))
    assert [([e.object_id for e in p.events], p.cursor, p.done) for p in pages] == [
        (["1", "2"], "c1", False),
        (["3"], "c2", True),
    ]
    assert pages[0].events[0].version == "2026-03-01T10:00:00Z"
    assert pages[1].events[0].deleted is True


def test_tickets_resume_from_a_stored_cursor_without_start_time(rsps, client):
    rsps.get(TICKETS, match=[query(cursor="c2", per_page=1000)],
             json={"tickets": [], "after_cursor": "c3", "end_of_stream": True})  # fmt: skip
    [page] = list(poll_tickets(client, "c2", 0))
    assert (page.events, page.cursor, page.done) == ([], "c3", True)


def test_a_last_page_without_after_cursor_keeps_the_stored_cursor(rsps, client):
    rsps.get(TICKETS, json={"tickets": [], "after_cursor": None, "end_of_stream": True})
    assert [p.cursor for p in poll_tickets(client, "c2", 0)] == ["c2"]


def test_a_cursor_that_does_not_move_stops_the_loop(rsps, client):
    rsps.get(TICKETS, json={"tickets": [], "after_cursor": "c2", "end_of_stream": False})
    pages = poll_tickets(client, "c2", 0)
    next(pages)
    with pytest.raises(FatalApiError, match="did not move past cursor 'c2'"):
        next(pages)


def test_incremental_calls_stay_within_ten_a_minute(rsps, clock, client):
    for n in range(11):
        rsps.get(
            TICKETS,
            match=[query(cursor=f"c{n}", per_page=1000)],
            json={"tickets": [], "after_cursor": f"c{n + 1}", "end_of_stream": n == 10},
        )
    pages = list(poll_tickets(client, "c0", 0))
    assert len(pages) == 11
    assert clock.slept == [61.0]  # the eleventh call waited for the window to roll


def test_users_use_their_own_cursor_export(ordered, client):
    user = {"id": 9, "name": "Bo", "email": "bo@x.example", "locale": "es",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-02-01T00:00:00Z"}  # fmt: skip
    ordered.get(USERS, match=[query(start_time=5, per_page=1000)],
                json={"users": [user], "after_cursor": "u1", "end_of_stream": True})  # fmt: skip
    [page] = list(poll_users(client, None, 5))
    assert [(e.object_type, e.object_id, e.data["locale"]) for e in page.events] == [
        ("user", "9", "es")
    ]
    assert page.cursor == "u1"


def org(org_id, updated):
    return {"id": org_id, "name": f"Org {org_id}", "domain_names": ["X.example"],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": updated}  # fmt: skip


def test_organizations_follow_end_time_and_drop_the_boundary_duplicate(ordered, client):
    ordered.get(
        ORGS,
        match=[query(start_time=100, per_page=1000)],
        json={
            "organizations": [org(1, "2026-03-01T10:00:00Z"), org(2, "2026-03-01T11:00:00Z")],
            "end_time": 200,
            "next_page": f"{ORGS}?start_time=200",
            "end_of_stream": False,
        },
    )
    ordered.get(ORGS, match=[query(start_time=200, per_page=1000)], json={
        "organizations": [org(2, "2026-03-01T11:00:00Z"), org(3, "2026-03-01T12:00:00Z")],
        "end_time": 300, "next_page": f"{ORGS}?start_time=300", "end_of_stream": True})  # fmt: skip
    pages = list(poll_organizations(client, None, 100))
    assert [([e.object_id for e in p.events], p.cursor, p.done) for p in pages] == [
        (["1", "2"], "200", False),
        (["3"], "300", True),
    ]
    assert pages[0].events[0].data["domain_names"] == ["x.example"]


def test_organizations_resume_from_the_stored_end_time(rsps, client):
    rsps.get(ORGS, match=[query(start_time=300, per_page=1000)],
             json={"organizations": [], "end_time": 300, "end_of_stream": True})  # fmt: skip
    assert [p.cursor for p in poll_organizations(client, "300", 0)] == ["300"]


def test_inactive_users_in_the_export_are_marked_deleted(rsps, client):
    user = {"id": 9, "name": "Bo", "email": "bo@x.example", "active": False,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-02-01T00:00:00Z"}  # fmt: skip
    rsps.get(USERS, json={"users": [user], "after_cursor": "u2", "end_of_stream": True})
    [page] = list(poll_users(client, "u1", 0))
    assert [(e.object_id, e.deleted) for e in page.events] == [("9", True)]


def test_ticket_times_in_other_shapes_are_normalized(rsps, client):
    rsps.get(TICKETS, json={"tickets": [ticket(5, updated="2026-03-01T11:00:00.123+01:00")],
                            "after_cursor": "c9", "end_of_stream": True})  # fmt: skip
    [page] = list(poll_tickets(client, "c8", 0))
    assert page.events[0].version == "2026-03-01T10:00:00Z"
    assert page.events[0].data["created_at"] == "2026-03-01T09:00:00Z"
