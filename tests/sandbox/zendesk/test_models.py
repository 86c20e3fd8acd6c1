"""The state without HTTP: persistence, the change index, search rules."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import SandboxClock
from sandbox.delivery import DeliveryQueue
from sandbox.state import SandboxSettings
from sandbox.zendesk.errors import RecordInvalid, SearchLimitExceeded
from sandbox.zendesk.exports import search_page, tickets_cursor
from sandbox.zendesk.index import ChangeIndex, cursor_page, decode_cursor, encode_cursor
from sandbox.zendesk.models import ZendeskState
from sandbox.zendesk.tickets import normalize_tags

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def state():
    clock = SandboxClock()
    clock.set(NOW)
    deliveries = DeliveryQueue(lambda: clock.now().timestamp(), lambda tool: False)
    return ZendeskState(SandboxSettings(), clock, deliveries)


def test_dump_is_json_and_load_restores_everything(state):
    org = state.create_organization("Acme", organization_fields={"tier": "gold"})
    user = state.create_user("Ana", "ana@example.com", organization_id=org["id"])
    ticket = state.create_ticket(
        {"comment": {"body": "hi"}, "requester_id": user["id"], "external_id": "x1"},
        created_at="2026-01-01T00:00:00Z",
    )
    state.update_ticket(ticket["id"], {"status": "solved", "metadata": {"k": "v"}})
    state.create_webhook(
        "hook", "https://example.com/h", ["zen:event-type:ticket.created"], signing_secret="s"
    )
    saved = json.loads(json.dumps(state.dump()))
    state.reset()
    assert state.tickets == {}
    state.load(saved)
    assert state.ticket(ticket["id"])["status"] == "solved"
    assert state.ticket(ticket["id"])["organization_id"] == org["id"]
    assert state.tickets_by_external_id("x1")[0]["id"] == ticket["id"]
    assert state.find_users("ana@example.com")[0]["id"] == user["id"]
    assert state.ticket_audits(ticket["id"])[1]["metadata"]["custom"] == {"k": "v"}
    new = state.create_ticket({"comment": {"body": "after load"}})
    assert new["id"] == ticket["id"] + 1
    state.clock.set(NOW + timedelta(seconds=61))
    exported = tickets_cursor(state, {"start_time": "0"})["tickets"]
    assert [t["id"] for t in exported] == [ticket["id"], new["id"]]


def test_ticket_ids_start_at_1000_and_people_ids_are_large(state):
    ticket = state.create_ticket({"comment": {"body": "x"}})
    assert ticket["id"] == 1000
    assert ticket["requester_id"] == state.agent_id > 10**12


def test_tags_are_a_lower_case_set():
    assert normalize_tags(["VIP", "vip", "two words"]) == ["vip", "two", "words"]


def test_additional_and_remove_tags_edit_the_set(state):
    ticket = state.create_ticket({"comment": {"body": "x"}, "tags": ["a", "b"]})
    updated, _ = state.update_ticket(ticket["id"], {"additional_tags": ["c"], "remove_tags": ["a"]})
    assert updated["tags"] == ["b", "c"]


def test_an_update_that_changes_nothing_moves_nothing(state):
    ticket = state.create_ticket({"comment": {"body": "x"}, "status": "open"})
    state.clock.set(NOW + timedelta(minutes=5))
    same, audit = state.update_ticket(ticket["id"], {"status": "open"})
    assert audit["events"] == [] and same["updated_at"] == ticket["updated_at"]


def test_unknown_requester_id_is_invalid(state):
    with pytest.raises(RecordInvalid) as caught:
        state.create_ticket({"comment": {"body": "x"}, "requester_id": 42})
    assert "requester_id" in caught.value.details


def test_cursor_round_trip_and_ordering():
    index = ChangeIndex()
    for record_id, stamp in [(3, 100), (1, 100), (2, 50)]:
        index.put(record_id, stamp)
    index.put(2, 200)  # an update moves the record to the end
    page = cursor_page(index, (0, 0), 10, now=1000, first=True)
    assert page.ids == [1, 3, 2] and page.end_of_stream
    assert decode_cursor(encode_cursor((200, 2))) == (200, 2)


def test_index_pages_stay_cheap_at_a_large_size():
    index = ChangeIndex()
    index.rebuild((n, 1_000_000 + n // 7) for n in range(1, 300_001))
    started = time.perf_counter()
    position = (0, 0)
    for _ in range(50):
        page = cursor_page(index, position, 1000, now=10_000_000, first=False)
        position = decode_cursor(page.after_cursor)
        index.put(page.ids[0], 9_000_000)  # an update in between pages
    assert time.perf_counter() - started < 2.0


def test_search_lags_and_refuses_past_1000_results(state):
    for n in range(3):
        state.create_ticket({"comment": {"body": f"n{n}"}, "tags": ["bulk"]})
    assert search_page(state, {"query": "type:ticket tags:bulk"})["count"] == 0
    state.clock.set(NOW + timedelta(seconds=state.settings.zendesk_search_lag_seconds + 1))
    page = search_page(state, {"query": "type:ticket tags:bulk", "per_page": "2"})
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next_page"]
    assert page["results"][0]["result_type"] == "ticket"
    assert search_page(state, {"query": "type:ticket -tags:bulk"})["count"] == 0
    with pytest.raises(SearchLimitExceeded):
        search_page(state, {"query": "type:ticket", "page": "11", "per_page": "100"})


def test_ticket_fields_take_a_fixed_id_once_and_dropdown_means_tagger(state):
    options = [{"name": "Web", "value": "web"}]
    field = state.create_ticket_field("App", "dropdown", options, field_id=360000000001)
    assert (field["id"], field["type"]) == (360000000001, "tagger")
    assert state.ticket_field(360000000001) == field
    with pytest.raises(RecordInvalid):
        state.create_ticket_field("Again", "text", field_id=360000000001)


def test_change_index_accepts_positions_below_its_first_id():
    index = ChangeIndex(first_id=5000)
    index.put(5001, 100)
    index.put(5000, 100)
    assert index.after((100, 0), 10, 1000) == ([(100, 5000), (100, 5001)], False)
    assert index.after((100, 5000), 10, 1000) == ([(100, 5001)], False)
    with pytest.raises(ValueError):
        index.put(4999, 1)
