"""`seed size N`: generated tickets are deterministic, compact, and behave like real ones."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox import scale
from sandbox.state import SandboxSettings, SandboxState
from sandbox.zendesk.exports import list_tickets, search_page, tickets_cursor

END = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
START = END - timedelta(days=90)
SHIFT = END - timedelta(days=10)


def _state() -> SandboxState:
    state = SandboxState(SandboxSettings())
    state.clock.set(END + timedelta(minutes=5))
    return state


@pytest.fixture
def seeded():
    state = _state()
    scale.seed_size(state, 5000, start=START, end=END, seed=7, shift_at=SHIFT)
    return state


def _app(ticket: dict) -> str:
    return ticket["custom_fields"][0]["value"]


def _open_ids(zendesk) -> list[int]:
    """Recent tickets still open to updates (closed ones refuse them)."""
    recent = zendesk.tickets.ids[-200:]
    return [i for i in recent if zendesk.tickets[i]["status"] in ("new", "open", "pending")]


def test_same_seed_same_tickets_other_seed_other_tickets(seeded):
    again = _state()
    scale.seed_size(again, 5000, start=START, end=END, seed=7, shift_at=SHIFT)
    other = _state()
    scale.seed_size(other, 5000, start=START, end=END, seed=8, shift_at=SHIFT)
    ids = list(seeded.zendesk.tickets.ids)[::97]
    assert [seeded.zendesk.ticket(i) for i in ids] == [again.zendesk.ticket(i) for i in ids]
    assert [seeded.zendesk.ticket(i) for i in ids] != [other.zendesk.ticket(i) for i in ids]


def test_tickets_spread_over_the_window_from_a_modest_pool_of_requesters(seeded):
    zendesk = seeded.zendesk
    tickets = list(zendesk.tickets.values())
    created = [t["created_at"] for t in tickets]
    assert len(tickets) == 5000 and created == sorted(created)
    assert START.strftime("%Y-%m-%d") <= created[0][:10] and created[-1] < "2026-11-23T10:00"
    requesters = Counter(t["requester_id"] for t in tickets)
    assert len(requesters) <= scale.pool_size(5000) < len(tickets)
    assert all(zendesk.users[r]["role"] == "end-user" for r in requesters)
    # A few customers write far more than the rest, as repeat requesters do.
    assert requesters.most_common(1)[0][1] > 5 * len(tickets) / len(requesters)
    assert {t["status"] for t in tickets} == {"new", "open", "pending", "solved", "closed"}


def test_the_app_field_is_a_dropdown_and_its_mix_shifts_at_the_configured_date(seeded):
    zendesk = seeded.zendesk
    field = next(f for f in zendesk.ticket_fields() if f["title"] == scale.APP_FIELD_TITLE)
    assert field["type"] == "tagger"
    assert [o["value"] for o in field["custom_field_options"]] == list(scale.APP_NAMES)
    shift = SHIFT.strftime("%Y-%m-%dT%H:%M:%SZ")
    before, after = Counter(), Counter()
    for ticket in zendesk.tickets.values():
        assert ticket["custom_fields"][0]["id"] == field["id"] and _app(ticket) in ticket["tags"]
        (after if ticket["created_at"] >= shift else before)[_app(ticket)] += 1
    share_before = before["android"] / sum(before.values())
    share_after = after["android"] / sum(after.values())
    assert share_before == pytest.approx(scale.MIX["android"], abs=0.03)
    assert share_after == pytest.approx(scale.SHIFTED_MIX["android"], abs=0.06)


def test_generated_tickets_stay_columns_until_changed(seeded):
    zendesk = seeded.zendesk
    ticket_id = _open_ids(zendesk)[0]
    assert zendesk.ticket_comments(ticket_id) and zendesk.ticket_audits(ticket_id)
    assert zendesk.tickets.live == {}  # reading builds dicts but keeps none
    before = zendesk.ticket_comments(ticket_id)
    updated, audit = zendesk.update_ticket(ticket_id, {"comment": {"body": "more"}})
    assert list(zendesk.tickets.live) == [ticket_id]
    assert zendesk.ticket_comments(ticket_id)[: len(before)] == before
    assert zendesk.ticket_comments(ticket_id)[-1]["body"] == "more"
    assert updated["generated_timestamp"] == int(zendesk.now().timestamp())
    assert zendesk.ticket(ticket_id) == updated


def test_the_export_reads_generated_and_changed_tickets_in_change_order(seeded):
    zendesk = seeded.zendesk
    changed = _open_ids(zendesk)[0]
    zendesk.update_ticket(changed, {"priority": "urgent"})
    seeded.clock.set(zendesk.now() + timedelta(minutes=2))
    seen, page = [], tickets_cursor(zendesk, {"start_time": "0"})
    while True:
        seen += [(t["generated_timestamp"], t["id"]) for t in page["tickets"]]
        if page["end_of_stream"]:
            break
        page = tickets_cursor(zendesk, {"cursor": page["after_cursor"]})
    assert len(seen) == 5000 and seen == sorted(seen) and seen[-1][1] == changed


def test_listing_runs_over_generated_then_new_tickets(seeded):
    zendesk = seeded.zendesk
    new = zendesk.create_ticket({"comment": {"body": "after the seed"}})
    assert new["id"] == zendesk.tickets.ids[-1] == zendesk.tickets.ids[0] + 5000
    last = list_tickets(zendesk, {"page": "51", "per_page": "100"}, None)
    assert last["count"] == 5001 and [t["id"] for t in last["tickets"]] == [new["id"]]


def test_a_dump_keeps_the_recipe_not_the_rows_and_loads_the_same_tickets(seeded):
    zendesk = seeded.zendesk
    changed = _open_ids(zendesk)[0]
    zendesk.update_ticket(changed, {"status": "solved"})
    saved = json.dumps(seeded.snapshot())
    assert len(saved) < 500_000
    restored = _state()
    restored.zendesk.load(json.loads(saved)["zendesk"])
    sample = [changed, *list(zendesk.tickets.ids)[::250]]
    assert [restored.zendesk.ticket(i) for i in sample] == [zendesk.ticket(i) for i in sample]
    assert restored.zendesk.ticket_audits(changed) == zendesk.ticket_audits(changed)
    assert restored.zendesk.ticket_index.after((0, 0), 10, 2**32) == (
        zendesk.ticket_index.after((0, 0), 10, 2**32)
    )


def test_generated_ratings_are_listed_with_their_tickets(seeded):
    zendesk = seeded.zendesk
    bad = zendesk.satisfaction_rating_ids("bad_with_comment")
    assert bad and len(bad) < len(zendesk.satisfaction_rating_ids("received"))
    rating = zendesk.satisfaction_rating(bad[0])
    assert rating["score"] == "bad" and rating["comment"]
    ticket = zendesk.ticket(rating["ticket_id"])
    assert ticket["status"] in ("solved", "closed")
    assert ticket["satisfaction_rating"]["id"] == rating["id"]
    assert rating["requester_id"] == ticket["requester_id"]


@pytest.mark.parametrize(("kwargs", "problem"), [({"end": START}, "start < end")])
def test_bad_windows_are_refused(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        scale.seed_size(_state(), 10, **{"start": START, "end": END, **kwargs})


def test_seed_size_over_the_control_api(sandbox):
    answer = requests.post(
        f"{sandbox.url}/_sandbox/seed", json={"kind": "size", "size": 300}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["tickets"] == 300
    assert len(sandbox.state.zendesk.tickets) == 300


def test_tickets_made_before_and_after_a_seed_list_around_the_block():
    state = _state()
    zendesk = state.zendesk
    before = [zendesk.create_ticket({"comment": {"body": "old"}})["id"] for _ in range(2)]
    scale.seed_size(state, 100, start=START, end=END)
    after = zendesk.create_ticket({"comment": {"body": "new"}})["id"]
    ids = zendesk.tickets.ids
    assert list(ids) == [*before, *range(before[-1] + 1, before[-1] + 101), after]
    seen, args = [], {}
    while True:
        page = list_tickets(zendesk, args, 30)
        seen += [t["id"] for t in page["tickets"]]
        if not page["meta"]["has_more"]:
            break
        args = {"page[after]": page["meta"]["after_cursor"]}
    assert seen == list(ids)


def test_search_by_external_id_finds_api_tickets_among_generated_ones(seeded):
    zendesk = seeded.zendesk
    made = zendesk.create_ticket({"comment": {"body": "x"}, "external_id": "momentos:k9"})
    lag = seeded.settings.zendesk_search_lag_seconds
    seeded.clock.set(zendesk.now() + timedelta(seconds=lag + 1))
    found = search_page(zendesk, {"query": "type:ticket external_id:momentos:k9"})
    assert [t["id"] for t in found["results"]] == [made["id"]]
