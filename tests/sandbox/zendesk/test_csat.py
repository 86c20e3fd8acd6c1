"""Satisfaction ratings: rating a ticket, the list's filters and pagination, show."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.zendesk.errors import RecordInvalid

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(sandbox):
    sandbox.state.clock.set(NOW)
    return sandbox.state.zendesk


def _solved(desk, **fields):
    fields.setdefault("comment", {"body": "help", "public": True})
    ticket = desk.create_ticket({"status": "solved", **fields})
    return ticket["id"]


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def test_a_rating_lands_on_the_ticket_as_an_update(desk):
    agent = desk.create_user("Agent", "agent@example.com", role="agent")
    ticket_id = _solved(desk, assignee_id=agent["id"], group_id=77)
    before = desk.ticket(ticket_id)
    assert before["satisfaction_rating"] == {"score": "unoffered"}
    later = NOW + timedelta(hours=2)
    rating = desk.add_satisfaction_rating(ticket_id, "bad", comment="Too slow", created_at=later)
    assert rating == {
        "url": f"{desk.base}/api/v2/satisfaction_ratings/{rating['id']}.json",
        "id": rating["id"],
        "assignee_id": agent["id"],
        "group_id": 77,
        "requester_id": before["requester_id"],
        "ticket_id": ticket_id,
        "score": "bad",
        "comment": "Too slow",
        "created_at": "2026-11-23T12:00:00Z",
        "updated_at": "2026-11-23T12:00:00Z",
    }
    after = desk.ticket(ticket_id)
    summary = {"id": rating["id"], "score": "bad", "comment": "Too slow"}
    assert after["satisfaction_rating"] == summary
    assert after["updated_at"] == "2026-11-23T12:00:00Z"
    assert after["generated_timestamp"] == _epoch(later)
    audit = desk.ticket_audits(ticket_id)[-1]
    assert audit["author_id"] == before["requester_id"]
    assert audit["events"][0]["field_name"] == "satisfaction_rating"


def test_rating_again_updates_the_same_rating(desk):
    ticket_id = _solved(desk)
    first = desk.add_satisfaction_rating(ticket_id, "good")
    desk.clock.set(NOW + timedelta(days=1))
    second = desk.add_satisfaction_rating(ticket_id, "bad", reason="The issue was not resolved")
    assert second["id"] == first["id"] and second["created_at"] == first["created_at"]
    assert second["updated_at"] > first["updated_at"]
    assert second["reason"] == "The issue was not resolved" and second["reason_id"]
    assert list(desk.satisfaction_rating_ids()) == [first["id"]]


def test_unknown_scores_are_invalid(desk):
    with pytest.raises(RecordInvalid):
        desk.add_satisfaction_rating(_solved(desk), "great")


def test_unassigned_tickets_are_rated_with_a_fallback_agent_and_group(desk):
    # Zendesk cannot solve a ticket without an assignee and group; the sandbox can.
    rating = desk.add_satisfaction_rating(_solved(desk), "good")
    assert rating["assignee_id"] == desk.agent_id and rating["group_id"]


@pytest.fixture
def rated(desk):
    """Five ratings an hour apart: good, good+comment, bad, bad+comment, offered."""
    plan = [("good", None), ("good", "nice"), ("bad", None), ("bad", "slow"), ("offered", None)]
    ratings = []
    for hour, (score, comment) in enumerate(plan):
        when = NOW + timedelta(hours=hour)
        ratings.append(desk.add_satisfaction_rating(_solved(desk), score, comment, None, when))
    return [r["id"] for r in ratings]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (None, [0, 1, 2, 3, 4]),
        ("received", [0, 1, 2, 3]),
        ("received_with_comment", [1, 3]),
        ("received_without_comment", [0, 2]),
        ("good", [0, 1]),
        ("good_with_comment", [1]),
        ("bad_without_comment", [2]),
        ("bad", [2, 3]),
        ("offered", [4]),
        ("unoffered", []),
    ],
)
def test_score_filters(zd, rated, score, expected):
    params = {"score": score} if score else {}
    body = zd.get("/satisfaction_ratings.json", params=params).json()
    assert [r["id"] for r in body["satisfaction_ratings"]] == [rated[i] for i in expected]
    assert body["count"] == len(expected)


def test_time_window_is_inclusive_unix_seconds(zd, rated):
    params = {
        "start_time": _epoch(NOW + timedelta(hours=1)),
        "end_time": _epoch(NOW + timedelta(hours=3)),
    }
    body = zd.get("/satisfaction_ratings", params=params).json()
    assert [r["id"] for r in body["satisfaction_ratings"]] == rated[1:4]
    assert zd.get("/satisfaction_ratings", params={"start_time": "soon"}).status_code == 400
    assert zd.get("/satisfaction_ratings", params={"score": "meh"}).status_code == 400


def test_cursor_pages_keep_the_filter(zd, rated):
    first = zd.get("/satisfaction_ratings", params={"score": "received", "page[size]": 3}).json()
    assert [r["id"] for r in first["satisfaction_ratings"]] == rated[:3]
    assert first["meta"]["has_more"] is True and "score=received" in first["links"]["next"]
    rest = zd.get(first["links"]["next"]).json()
    assert [r["id"] for r in rest["satisfaction_ratings"]] == [rated[3]]
    assert rest["meta"]["has_more"] is False


def test_offset_pages(zd, rated):
    page = zd.get("/satisfaction_ratings", params={"per_page": 2, "page": 2}).json()
    assert [r["id"] for r in page["satisfaction_ratings"]] == rated[2:4]
    assert page["next_page"] and page["previous_page"] and page["count"] == 5


def test_show_one_and_unknown_ids(zd, rated):
    shown = zd.get(f"/satisfaction_ratings/{rated[3]}.json").json()["satisfaction_rating"]
    assert shown["score"] == "bad" and shown["comment"] == "slow"
    missing = zd.get("/satisfaction_ratings/1")
    assert missing.status_code == 404 and missing.json()["error"] == "RecordNotFound"


def test_a_backdated_rating_never_moves_the_ticket_back_in_the_export(desk):
    ticket_id = _solved(desk)
    desk.clock.set(NOW + timedelta(hours=3))
    desk.update_ticket(ticket_id, {"priority": "high"})
    moved = desk.ticket(ticket_id)
    rating = desk.add_satisfaction_rating(ticket_id, "good", created_at=NOW + timedelta(hours=1))
    after = desk.ticket(ticket_id)
    assert rating["created_at"] == "2026-11-23T11:00:00Z"
    assert (after["updated_at"], after["generated_timestamp"]) == (
        moved["updated_at"],
        moved["generated_timestamp"],
    )
    assert after["satisfaction_rating"]["score"] == "good"


def test_a_new_rating_shows_in_a_query_asked_before(desk):
    ticket_id = _solved(desk)
    assert list(desk.satisfaction_rating_ids("good")) == []
    rating = desk.add_satisfaction_rating(ticket_id, "good")
    assert list(desk.satisfaction_rating_ids("good")) == [rating["id"]]
