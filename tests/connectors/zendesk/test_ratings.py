"""CSAT ratings polled by `start_time` with cursor pages; the cursor moves when a poll ends."""

import pytest
from responses import matchers

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import poll_satisfaction_ratings, rating_cursor

BASE = "https://acme.zendesk.com"
RATINGS = f"{BASE}/api/v2/satisfaction_ratings.json"
T1 = 1_772_400_000  # 2026-03-01T21:20:00Z


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def rating(rating_id, created, score="bad", updated=None):
    stamp = f"2026-03-01T21:20:{created - T1:02d}Z"
    return {"id": rating_id, "score": score, "comment": "Slow", "reason": None,
            "ticket_id": 1000 + rating_id, "requester_id": 7, "assignee_id": None,
            "group_id": None, "created_at": stamp, "updated_at": updated or stamp}  # fmt: skip


def query(**params):
    return [matchers.query_param_matcher({k: str(v) for k, v in params.items()})]


def page(items, after=None):
    return {
        "satisfaction_ratings": items,
        "meta": {"has_more": after is not None, "after_cursor": after, "before_cursor": None},
    }


def summary(pages):
    return [([e.object_id for e in p.events], p.cursor, p.done) for p in pages]


def test_first_poll_pages_by_cursor_and_moves_the_bound_only_at_the_end(ordered, client):
    ordered.get(RATINGS, match=query(start_time=T1, **{"page[size]": 100}),
                json=page([rating(1, T1), rating(2, T1 + 5)], after="a1"))  # fmt: skip
    ordered.get(RATINGS, match=query(start_time=T1, **{"page[size]": 100, "page[after]": "a1"}),
                json=page([rating(3, T1 + 5)]))  # fmt: skip
    pages = list(poll_satisfaction_ratings(client, None, T1))
    assert summary(pages) == [(["1", "2"], None, False), (["3"], f"{T1 + 5}:2,3", True)]
    event = pages[0].events[0]
    assert (event.tool, event.object_type, event.version) == (
        "zendesk",
        "satisfaction_rating",
        "2026-03-01T21:20:00Z",
    )
    assert event.data == {"id": "1", "score": "bad", "comment": "Slow", "reason": None,
                          "ticket_id": "1001", "requester_id": "7", "assignee_id": None,
                          "group_id": None, "created_at": "2026-03-01T21:20:00Z",
                          "updated_at": "2026-03-01T21:20:00Z"}  # fmt: skip


def test_next_poll_starts_at_the_last_second_and_skips_the_ids_seen_there(rsps, client):
    rsps.get(RATINGS, match=query(start_time=T1 + 5, **{"page[size]": 100}),
             json=page([rating(2, T1 + 5), rating(3, T1 + 5), rating(4, T1 + 5)]))  # fmt: skip
    [only] = poll_satisfaction_ratings(client, f"{T1 + 5}:2,3", 0)
    assert summary([only]) == [(["4"], f"{T1 + 5}:2,3,4", True)]


def test_a_poll_with_nothing_new_keeps_its_bound(rsps, client):
    rsps.get(RATINGS, match=query(start_time=T1, **{"page[size]": 100}), json=page([]))
    assert summary(poll_satisfaction_ratings(client, f"{T1}:9", 0)) == [([], f"{T1}:9", True)]


def test_an_unordered_list_never_loses_a_rating_on_resume(ordered, client):
    """A kill after page one resumes from the old bound, so the older rating on page two
    is still read (Zendesk documents no order for this list)."""
    ordered.get(RATINGS, match=query(start_time=0, **{"page[size]": 100}),
                json=page([rating(5, T1 + 9)], after="a1"))  # fmt: skip
    first = next(poll_satisfaction_ratings(client, None, 0))
    assert first.cursor is None
    ordered.get(RATINGS, match=query(start_time=0, **{"page[size]": 100}),
                json=page([rating(5, T1 + 9)], after="a1"))  # fmt: skip
    ordered.get(RATINGS, match=query(start_time=0, **{"page[size]": 100, "page[after]": "a1"}),
                json=page([rating(6, T1 + 1)]))  # fmt: skip
    pages = list(poll_satisfaction_ratings(client, first.cursor, 0))
    assert summary(pages) == [(["5"], None, False), (["6"], f"{T1 + 9}:5", True)]


def test_rating_cursor_reads_its_text():
    assert rating_cursor(None, 42) == (42, frozenset())
    assert rating_cursor("100:", 0) == (100, frozenset())
    assert rating_cursor("100:7,8", 0) == (100, frozenset({"7", "8"}))
