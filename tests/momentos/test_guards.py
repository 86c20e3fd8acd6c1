"""Guards: the same reason once, a weekly cap on proactive contact, working hours only."""

from datetime import UTC, datetime, time, timedelta

from momentos.guards import GuardSettings, Recent, apply, next_working_time
from momentos.model import Action

SETTINGS = GuardSettings(open_days=7, max_proactive_per_week=2, quiet_start=time(20),
                         quiet_end=time(8))  # fmt: skip
MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 12:00 in Madrid


def action(key, workflow="renewal", customer=1):
    return Action(key=key, workflow=workflow, tool="hubspot", kind="task", payload={},
                  customer_id=customer)  # fmt: skip


def recent(key, workflow="renewal", customer=1, days_ago=1, proactive=True):
    return Recent(key, workflow, customer, MONDAY_NOON - timedelta(days=days_ago), proactive)


def run(actions, recent_rows=(), proactive=True, now=MONDAY_NOON, tz="Europe/Madrid",
        capped=True):  # fmt: skip
    grouped = {}
    for row in recent_rows:
        grouped.setdefault(row.customer_id, []).append(row)
    return apply(actions, proactive=proactive, recent=grouped, time_zones={1: tz, 2: tz},
                 now=now, settings=SETTINGS, capped=capped)  # fmt: skip


def test_same_reason_within_the_window_is_skipped_with_the_key_that_blocks_it():
    verdict = run([action("renewal:b")], [recent("renewal:a", days_ago=3)])
    assert verdict.kept == []
    assert verdict.skipped == [(action("renewal:b"), "same reason already open: renewal:a")]
    assert run([action("renewal:b")], [recent("renewal:a", days_ago=8)]).kept == [
        action("renewal:b")
    ]


def test_an_action_already_in_the_outbox_is_kept_so_replanning_is_a_no_op():
    assert run([action("renewal:a")], [recent("renewal:a")]).kept == [action("renewal:a")]


def test_weekly_cap_counts_proactive_contacts_only():
    others = [recent("pizza:1", "pizza"), recent("birthday:1", "birthday")]
    assert run([action("renewal:x")], others).skipped[0][1] == "weekly contact cap reached"
    reactive = [recent("complaint:1", "complaint", proactive=False)] * 3
    assert run([action("renewal:x")], reactive).kept == [action("renewal:x")]
    # Two new ones in one plan: the second hits the cap after the first.
    verdict = run([action("a:1", "a"), action("b:1", "b")], [recent("pizza:1", "pizza")])
    assert [a.key for a in verdict.kept] == ["a:1"]


def test_warnings_are_counted_by_the_cap_but_never_dropped_by_it():
    two_contacts = [recent("pizza:1", "pizza"), recent("birthday:1", "birthday")]
    [kept] = run([action("price:x", "change_announcement")], two_contacts, capped=False).kept
    assert kept.key == "price:x"
    # The warning counts: after one offer and one warning, a birthday greeting is dropped.
    offer_and_warning = [recent("pizza:1", "pizza"), recent("price:y", "change_announcement")]
    verdict = run([action("birthday:2", "birthday")], offer_and_warning)
    assert verdict.skipped[0][1] == "weekly contact cap reached"


def test_reactive_work_is_never_capped_or_delayed():
    night = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    verdict = run([action("c:1", "complaint")], proactive=False, now=night)
    assert verdict.kept[0].not_before is None


def test_proactive_work_waits_for_the_customers_working_hours():
    friday_night = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 22:00 Friday in Madrid
    [kept] = run([action("renewal:a")], now=friday_night).kept
    assert kept.not_before.isoformat() == "2026-11-30T08:00:00+01:00"  # Monday 08:00
    assert run([action("renewal:a")]).kept[0].not_before is None  # Monday noon: now


def test_next_working_time_in_other_timezones():
    early = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 05:00 Tuesday in New York
    assert next_working_time(early, "America/New_York", SETTINGS).isoformat() == (
        "2026-11-24T08:00:00-05:00"
    )
    assert next_working_time(early, "Europe/Madrid", SETTINGS) == early
