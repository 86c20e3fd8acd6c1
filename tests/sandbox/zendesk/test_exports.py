"""Incremental exports over real HTTP: cursors, the quiet last minute, the 10/min limit."""

import base64

import pytest


@pytest.fixture
def sandbox_settings(sandbox_settings):
    # Exports are limited to 10 a minute; most tests here make more requests than that.
    sandbox_settings.zendesk_incremental_per_minute = 1000
    return sandbox_settings


def _start(zd, **params):
    answer = zd.get("/incremental/tickets/cursor.json", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_cursor_export_pages_then_ends_with_a_reusable_cursor(zd):
    made = [zd.create(subject=f"t{n}") for n in range(5)]
    zd.advance(61)
    first = _start(zd, start_time=0, per_page=2)
    assert set(first) == {
        "tickets",
        "after_url",
        "after_cursor",
        "before_url",
        "before_cursor",
        "end_of_stream",
    }
    assert first["before_cursor"] is None and first["before_url"] is None
    assert first["end_of_stream"] is False
    seen = [t["id"] for t in first["tickets"]]
    page = first
    while not page["end_of_stream"]:
        page = zd.get(page["after_url"]).json()
        seen += [t["id"] for t in page["tickets"]]
    assert seen == [t["id"] for t in made]
    assert page["after_cursor"] is not None
    # Nothing new: the same cursor gives an empty page that still carries a cursor.
    idle = _start(zd, cursor=page["after_cursor"])
    assert idle["tickets"] == [] and idle["end_of_stream"] is True
    assert idle["after_cursor"] == page["after_cursor"]


def test_saved_cursor_picks_up_later_changes_and_updates(zd):
    old = zd.create(subject="old")
    other = zd.create(subject="other")
    zd.advance(61)
    done = _start(zd, start_time=0)
    assert done["end_of_stream"] is True and len(done["tickets"]) == 2
    zd.put(f"/tickets/{old['id']}", json={"ticket": {"status": "solved"}})
    new = zd.create(subject="new")
    zd.advance(61)
    later = _start(zd, cursor=done["after_cursor"])
    assert [t["id"] for t in later["tickets"]] == [old["id"], new["id"]]
    assert later["tickets"][0]["status"] == "solved"
    assert later["tickets"][0]["updated_at"] >= old["updated_at"]
    assert other["id"] not in [t["id"] for t in later["tickets"]]


def test_the_most_recent_minute_is_never_returned(sandbox, zd):
    state = sandbox.state.zendesk
    past = state.create_ticket({"comment": {"body": "history"}}, created_at="2025-01-01T00:00:00Z")
    fresh = zd.create(subject="just now")
    page = _start(zd, start_time=1)
    assert [t["id"] for t in page["tickets"]] == [past["id"]]
    zd.advance(30)
    assert [t["id"] for t in _start(zd, cursor=page["after_cursor"])["tickets"]] == []
    zd.advance(31)
    assert [t["id"] for t in _start(zd, cursor=page["after_cursor"])["tickets"]] == [fresh["id"]]


def test_start_time_must_be_a_minute_old_and_cursor_valid(sandbox, zd):
    now = int(sandbox.state.clock.now().timestamp())
    assert zd.get("/incremental/tickets/cursor", params={"start_time": now}).status_code == 422
    assert zd.get("/incremental/tickets/cursor").status_code == 400
    garbage = base64.b64encode(b"not a cursor").decode()
    assert zd.get("/incremental/tickets/cursor", params={"cursor": garbage}).status_code == 400


def test_cursor_is_opaque_base64(zd):
    zd.create()
    zd.advance(61)
    cursor = _start(zd, start_time=0)["after_cursor"]
    assert base64.b64decode(cursor).decode().endswith("|")


def test_users_cursor_export(sandbox, zd):
    state = sandbox.state.zendesk
    user = state.create_user("Di", "di@example.com", created_at="2025-02-01T00:00:00Z")
    page = zd.get("/incremental/users/cursor.json", params={"start_time": 0}).json()
    assert [u["email"] for u in page["users"]] == [
        sandbox.state.settings.zendesk_agent_email,
        "di@example.com",
    ]
    assert page["end_of_stream"] is True
    zd.advance(1)
    zd.post("/users/create_or_update", json={"user": {"email": "di@example.com", "name": "Di 2"}})
    zd.advance(61)
    later = zd.get(page["after_url"]).json()
    assert [(u["id"], u["name"]) for u in later["users"]] == [(user["id"], "Di 2")]


def test_organizations_time_based_export_repeats_the_boundary(sandbox, zd):
    state = sandbox.state.zendesk
    a = state.create_organization("A", created_at="2025-01-01T00:00:00Z")
    b = state.create_organization("B", created_at="2025-01-02T00:00:00Z")
    first = zd.get(
        "/incremental/organizations.json", params={"start_time": 0, "per_page": 1}
    ).json()
    assert [o["id"] for o in first["organizations"]] == [a["id"]]
    assert first["end_of_stream"] is False and first["count"] == 1
    second = zd.get(first["next_page"]).json()
    assert [o["id"] for o in second["organizations"]] == [a["id"]]  # start_time is inclusive
    params = {"start_time": second["end_time"] + 1}
    last = zd.get("/incremental/organizations", params=params).json()
    assert [o["id"] for o in last["organizations"]] == [b["id"]]
    assert last["end_of_stream"] is True and last["next_page"]  # next_page even at the end


def test_incremental_limit_answers_json_429_with_retry_after(sandbox, zd):
    sandbox.state.settings.zendesk_incremental_per_minute = 10
    for _ in range(10):
        assert zd.get("/incremental/tickets/cursor", params={"start_time": 0}).status_code == 200
    refused = zd.get("/incremental/tickets/cursor", params={"start_time": 0})
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed incremental export API requests per minute exceeded",
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert zd.get("/tickets").status_code == 200  # other endpoints still answer
    zd.advance(61)
    assert zd.get("/incremental/tickets/cursor", params={"start_time": 0}).status_code == 200


def test_account_limit_is_plain_text_and_headers_count_down(sandbox, zd):
    sandbox.state.settings.zendesk_requests_per_minute = 3
    first = zd.get("/tickets")
    assert first.headers["X-Rate-Limit"] == "3"
    assert first.headers["X-Rate-Limit-Remaining"] == "2"
    zd.get("/tickets")
    zd.get("/tickets")
    refused = zd.get("/tickets")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.text == "Number of allowed API requests per minute exceeded"
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_429_storm_fault_uses_the_plain_text_account_answer(sandbox, zd):
    faults = zd.post(f"{sandbox.url}/_sandbox/faults", json={"storm_429": True})
    assert faults.status_code == 200
    refused = zd.get("/tickets")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.text == "Number of allowed API requests per minute exceeded"
