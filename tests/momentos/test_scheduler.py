"""The worker's schedule: stable job ids, installed once however often it is installed."""

from apscheduler.schedulers.background import BackgroundScheduler

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.scheduler import JOB_DEFAULTS, install_jobs
from momentos.store import Store


def test_jobs_have_stable_ids_and_installing_twice_changes_nothing(make_settings):
    settings = make_settings()
    engine = Engine(settings, Store(settings.store["path"]), SystemClock())
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
    install_jobs(scheduler, engine)
    install_jobs(scheduler, engine)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == [
        "process",
        "sync:hubspot",
        "sync:zendesk",
        "workflow:complaint_followup",
    ]
    assert jobs["sync:zendesk"].trigger.interval.total_seconds() == 60
    assert jobs["workflow:complaint_followup"].name == "workflow complaint_followup"
