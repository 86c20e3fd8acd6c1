"""One customer's timeline: moments from both tools in order, with their actions."""

from datetime import UTC, datetime

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.model import Action
from momentos.store import Store
from momentos.timeline import timeline
from tests.factories import (
    hubspot_contact,
    hubspot_deal,
    hubspot_object,
    rule_context,
    zendesk_ticket,
    zendesk_user,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(service_pipelines=frozenset({"services"}))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    events = [
        hubspot_object("company", "21", {"name": "La Espiga", "domain": "laespiga.es"}),
        zendesk_user(time_zone="America/New_York"),
        hubspot_contact(email="carmen@laespiga.es", date_of_birth="1990-12-01"),
        zendesk_ticket(101, tags=("queja",)),
        hubspot_deal(pipeline="services", dealstage="closedwon", closedate="2026-11-20T15:00:00Z"),
        zendesk_ticket(201, requester_id=777, tags=("queja",)),  # someone else's
    ]
    store.add_events(events, source="poll", received_at=NOW)
    derive_pending(store, CONTEXT, FrozenClock(NOW))
    return store


def test_moments_from_both_tools_in_order_with_links(store):
    customer = store.customer_of("zendesk", "user", "501")
    entries = timeline(store, customer, "Europe/Madrid")
    assert [(e.type, e.tool, e.day) for e in entries] == [
        ("service_completed", "hubspot", "2026-11-20"),
        ("support_request", "zendesk", "2026-11-23"),
        ("complaint", "zendesk", "2026-11-23"),
        ("birthday", "hubspot", "2026-12-01"),
    ]
    assert entries[0].link == "https://app.hubspot.com/contacts/62515/record/0-3/7"
    assert entries[1].link == "https://acme.zendesk.com/agent/tickets/101"
    assert all(e.event_id for e in entries)


def test_the_day_is_the_customers_local_day_and_a_dated_moment_keeps_its_own(store):
    customer = store.customer_of("zendesk", "user", "501")
    store.db.execute("UPDATE moments SET occurred_at = '2026-11-24T03:00:00.000000+00:00'"
                     " WHERE key = 'support_request:zendesk:ticket:101'")  # fmt: skip
    days = {e.type: e.day for e in timeline(store, customer, "UTC")}
    assert days["support_request"] == "2026-11-23"  # 22:00 the day before in New York
    assert days["birthday"] == "2026-12-01"


def test_outcome_is_the_actions_linked_to_each_moment(store):
    customer = store.customer_of("zendesk", "user", "501")
    actions = [
        Action(key="complaint_followup:complaint:zendesk:ticket:101", workflow="complaint_followup",
               tool="hubspot", kind="task", payload={}, customer_id=customer,
               moment_key="complaint:zendesk:ticket:101"),
        Action(key="recovery:complaint:zendesk:ticket:101", workflow="recovery", tool="zendesk",
               kind="ticket", payload={}, customer_id=customer,
               moment_key="complaint:zendesk:ticket:101"),
    ]  # fmt: skip
    store.enqueue(actions, NOW)
    store.settle(actions[0].key, "done", NOW, remote_id="55",
                 remote_url="https://app.hubspot.com/contacts/62515/record/0-27/55")  # fmt: skip
    entries = {e.type: e for e in timeline(store, customer, "Europe/Madrid")}
    outcomes = entries["complaint"].outcomes
    assert [(o.workflow, o.state, o.remote_url) for o in outcomes] == [
        ("complaint_followup", "done", "https://app.hubspot.com/contacts/62515/record/0-27/55"),
        ("recovery", "pending", None),
    ]
    assert entries["support_request"].outcomes == ()


def test_another_customers_moments_are_not_in_the_timeline(store):
    customer = store.customer_of("zendesk", "user", "501")
    keys = {e.key for e in timeline(store, customer, "UTC")}
    assert "complaint:zendesk:ticket:201" not in keys
    assert timeline(store, 9999, "UTC") == []
