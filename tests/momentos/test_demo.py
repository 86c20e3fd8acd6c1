"""The demo's summary: what waits for the customers' working hours, and until when (at
night, proactive work is held: momentos/guards.py)."""

from datetime import UTC, datetime

from momentos.demo import held_for_later, print_summary
from momentos.model import Action
from momentos.store import Store


def test_at_night_the_summary_says_how_much_waits_for_working_hours_and_until_when(
    tmp_path, capsys
):
    store = Store(tmp_path / "m.db")
    night = datetime(2026, 11, 23, 23, 5, tzinfo=UTC)  # 00:05 in Madrid
    tomorrow = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Madrid
    later = [Action(key=f"{workflow}:{n}", workflow=workflow, tool="hubspot", kind="task",
                    payload={}, customer_id=n, not_before=when)
             for n, (workflow, when) in enumerate((("birthday", tomorrow),
                                                   ("usage_drop", tomorrow.replace(hour=8)),
                                                   ("post_service_survey", tomorrow)))]  # fmt: skip
    store.enqueue([*later, Action(key="complaint_followup:9", workflow="complaint_followup",
                                  tool="hubspot", kind="task", payload={})], night)  # fmt: skip
    summary = {
        "events": {"total": 0, "new_this_run": 0},
        "moments_by_type": {},
        "actions_by_state": store.counts("actions", "state"),
        "actions_by_workflow": {},
        "actions_waiting": held_for_later(store, night),
        "time_zone": "Europe/Madrid",
        "records": {},
    }
    print_summary(summary, night)
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("Actions by state")]
    assert line == (
        "Actions by state: pending 4; 2 wait for the customers' working hours"
        " (next at 08:00 Europe/Madrid); 1 scheduled (next at 08:00 Europe/Madrid)"
    )
    summary["actions_waiting"] = held_for_later(store, datetime(2026, 11, 21, 12, tzinfo=UTC))
    print_summary(summary, datetime(2026, 11, 21, 12, tzinfo=UTC))  # a Saturday: the day too
    assert "(next at Tue 24 Nov 08:00 Europe/Madrid)" in capsys.readouterr().out
