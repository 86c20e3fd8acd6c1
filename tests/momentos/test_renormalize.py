"""`momentos renormalize`: every moment derived again, changes reported, no duplicates."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.renormalize import describe, renormalize
from momentos.store import Store
from tests.factories import hubspot_contact, rule_context, zendesk_ticket, zendesk_user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context()


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    clock = FrozenClock(NOW)
    events = [
        zendesk_user(),
        zendesk_ticket(101, tags=("queja",)),
        zendesk_ticket(102, tags=("web",)),
        zendesk_ticket(102, tags=("web",), status="solved", updated="2026-11-23T12:00:00Z"),
        hubspot_contact(email="carmen@laespiga.es", date_of_birth="1985-01-14"),
    ]
    store.add_events(events, source="poll", received_at=NOW)
    derive_pending(store, CONTEXT, clock)
    return store


def rows(store):
    return {m["key"]: m for m in store.moments()}


def test_nothing_changed_reports_no_change_and_leaves_rows_alone(store):
    before = rows(store)
    report = renormalize(store, CONTEXT, NOW)
    assert report.unchanged and report.events == 5
    assert rows(store) == before
    assert describe(report) == ["5 events derived again: no change"]


def test_a_rule_change_adds_removes_and_changes_then_converges(store):
    # The company stops counting "queja" as a complaint and now counts "web".
    changed_rules = replace(CONTEXT, complaint_tags=frozenset({"web"}))
    report = renormalize(store, changed_rules, NOW)
    assert [r["key"] for r in report.added] == ["complaint:zendesk:ticket:102"]
    assert [r["key"] for r in report.removed] == ["complaint:zendesk:ticket:101"]
    assert report.changed == []
    assert report.by_type() == {"complaint": {"added": 1, "removed": 1, "changed": 0}}
    assert sorted(k for k in rows(store) if k.startswith("complaint")) == [
        "complaint:zendesk:ticket:102"
    ]
    added = rows(store)["complaint:zendesk:ticket:102"]
    first = store.db.execute("SELECT MIN(id) FROM events WHERE object_id = '102'").fetchone()[0]
    assert added["event_id"] == first  # the first version with the tag keeps the moment
    assert renormalize(store, changed_rules, NOW).unchanged


def test_changed_data_is_updated_in_place(store):
    row_id = rows(store)["support_request:zendesk:ticket:101"]["id"]
    policy = replace(CONTEXT.policy, category_fields=(("app", "360000000001"),))
    categorised = replace(CONTEXT, policy=policy)
    report = renormalize(store, categorised, NOW)
    assert {r["type"] for r in report.changed} == {"complaint", "support_request",
                                                   "service_completed"}  # fmt: skip
    after = rows(store)["support_request:zendesk:ticket:101"]
    assert after["data"]["category"] == {"app": "app_movil"}
    assert after["id"] == row_id
    assert renormalize(store, categorised, NOW).unchanged


def test_a_dry_run_reports_but_applies_nothing(store):
    before = rows(store)
    report = renormalize(store, replace(CONTEXT, complaint_tags=frozenset()), NOW, dry_run=True)
    assert [r["key"] for r in report.removed] == ["complaint:zendesk:ticket:101"]
    assert describe(report)[0] == "5 events derived again; would change:"
    assert rows(store) == before


def test_moments_the_rules_do_not_make_are_left_alone(store):
    store.db.execute(
        "INSERT INTO moments (key, type, occurred_at, data, created_at) VALUES"
        " ('spike:app_movil:2026-11-23', 'spike', '2026-11-23', '{}', '2026-11-23')"
    )
    assert renormalize(store, CONTEXT, NOW).unchanged
    assert "spike:app_movil:2026-11-23" in rows(store)


def test_small_batches_give_the_same_result_and_no_duplicates(store):
    changed_rules = replace(CONTEXT, complaint_tags=frozenset({"web", "queja"}))
    report = renormalize(store, changed_rules, NOW, batch=2)
    assert [r["key"] for r in report.added] == ["complaint:zendesk:ticket:102"]
    total = store.db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM moments").fetchone()
    assert total[0] == total[1]


def test_dated_moments_are_derived_again_as_of_now(store):
    later = NOW + timedelta(days=365)
    report = renormalize(store, CONTEXT, later)
    assert [r["key"] for r in report.added] == ["birthday:hubspot:contact:101:2028"]
    assert report.removed == []  # last year's birthday happened: it stays


def test_a_failure_half_way_rolls_everything_back(store, monkeypatch):
    before = rows(store)

    apply = store.apply_staged

    def broken(*args, **kwargs):
        apply(*args, **kwargs)  # the changes are written, then the run dies
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "apply_staged", broken)
    with pytest.raises(RuntimeError):
        renormalize(store, replace(CONTEXT, complaint_tags=frozenset()), NOW)
    assert rows(store) == before
