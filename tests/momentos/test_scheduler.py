"""The worker's schedule: stable job ids, installed once however often it is installed."""

from apscheduler.schedulers.background import BackgroundScheduler

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.planner import enabled_workflows
from momentos.scheduler import JOB_DEFAULTS, install_jobs
from momentos.store import Store


def test_jobs_have_stable_ids_and_installing_twice_changes_nothing(make_settings):
    settings = make_settings()
    engine = Engine(settings, Store(settings.store["path"]), SystemClock())
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
    install_jobs(scheduler, engine)
    install_jobs(scheduler, engine)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    # The demo configuration enables more workflows as they are written: one job each.
    workflows = sorted(f"workflow:{w.NAME}" for w in enabled_workflows(settings))
    assert "workflow:complaint_followup" in workflows
    assert sorted(jobs) == sorted(
        ["insights", "process", "refresh_dated", "sync:hubspot", "sync:zendesk", *workflows]
    )
    assert jobs["sync:zendesk"].trigger.interval.total_seconds() == 60
    assert jobs["workflow:complaint_followup"].name == "workflow complaint_followup"


def test_a_run_missed_while_down_is_caught_up_exactly_once(make_settings):
    from datetime import UTC, datetime, timedelta

    from momentos.clock import FrozenClock
    from momentos.planner import run_workflow
    from momentos.scheduler import catch_up, missed_runs

    settings = make_settings()
    clock = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    engine = Engine(settings, Store(settings.store["path"]), clock)
    assert missed_runs(engine, clock.now()) == []  # never ran: nothing to catch up

    run_workflow(engine.store, settings, "complaint_followup", now=clock.now(), trigger="schedule")
    clock.advance(14 * 60)
    assert missed_runs(engine, clock.now()) == []  # the 15-minute run is not due yet
    clock.advance(60 * 60)  # the worker was down for an hour: four runs missed
    assert catch_up(engine) == ["complaint_followup"]
    assert catch_up(engine) == []  # a restart right after does not repeat it
    runs = list(engine.store.db.query("SELECT trigger FROM workflow_runs"))
    assert len(runs) == 2
    assert missed_runs(engine, clock.now() + timedelta(minutes=15)) == ["complaint_followup"]
