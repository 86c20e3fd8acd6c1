"""The worker's schedule (APScheduler): polling, processing, each workflow's own trigger.

Jobs have stable ids and `replace_existing=True`; `coalesce` and one instance per job mean
that a job missed while the worker was down runs once when it comes back, not once per miss.
"""

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connectors.timefmt import parse_iso
from momentos.engine import Engine
from momentos.planner import enabled_workflows, run_workflow

logger = logging.getLogger(__name__)

PROCESS_JOB = "process"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def _add(scheduler: BaseScheduler, job_id: str, name: str, step, trigger: str, **options):
    def job():
        try:
            step()
        except Exception:  # one failed step must not stop the schedule; the next run retries
            logger.exception("job %s failed", job_id)

    scheduler.add_job(job, trigger, id=job_id, name=name, replace_existing=True, **options)


def install_jobs(scheduler: BaseScheduler, engine: Engine) -> None:
    settings = engine.settings
    interval = settings.polling["interval_seconds"]
    start_now = {"next_run_time": datetime.now(UTC)}
    for tool in ("hubspot", "zendesk"):
        _add(scheduler, f"sync:{tool}", f"sync {tool}", lambda tool=tool: engine.sync(tool),
             "interval", seconds=interval, **start_now)  # fmt: skip
    _add(scheduler, PROCESS_JOB, "derive, plan and dispatch", engine.process, "interval",
         seconds=30, **start_now)  # fmt: skip
    # Days pass without events: birthdays enter the horizon, invoices become late.
    _add(scheduler, "refresh_dated", "refresh dated moments", engine.refresh_dated, "cron",
         hour=3, minute=7, **start_now)  # fmt: skip
    # Spikes are judged on whole days of requests, repeats on days of a customer's requests:
    # hourly is soon enough, and cheap (rollups; the customers who asked lately).
    _add(scheduler, "insights", "detect spikes and repeat requests", engine.insights,
         "interval", hours=1, **start_now)  # fmt: skip
    for workflow in enabled_workflows(settings):
        trigger = dict(workflow.TRIGGER)
        kind = trigger.pop("trigger")

        def plan(name=workflow.NAME):
            run_workflow(engine.store, settings, name, now=engine.clock.now(), trigger="schedule")

        _add(scheduler, f"workflow:{workflow.NAME}", f"workflow {workflow.NAME}", plan, kind,
             **trigger)  # fmt: skip


def _trigger(workflow, start: datetime, time_zone: str):
    options = dict(workflow.TRIGGER)
    kind = options.pop("trigger")
    if kind == "interval":
        return IntervalTrigger(start_date=start, timezone=time_zone, **options)
    return CronTrigger(timezone=time_zone, **options)


def missed_runs(engine: Engine, now: datetime) -> list[str]:
    """Workflows whose scheduled run came and went while the worker was down."""
    missed = []
    for workflow in enabled_workflows(engine.settings):
        last = engine.store.last_run(workflow.NAME, trigger="schedule")
        if last is None:
            continue  # never ran: a first activation has nothing to catch up
        started = parse_iso(last["started_at"])
        trigger = _trigger(workflow, started, engine.settings.timezone)
        due = trigger.get_next_fire_time(None, started + timedelta(microseconds=1))
        if due is not None and due <= now:
            missed.append(workflow.NAME)
    return missed


def catch_up(engine: Engine) -> list[str]:
    """Run each missed workflow once now; the run is recorded, so a restart does not repeat it."""
    now = engine.clock.now()
    names = missed_runs(engine, now)
    for name in names:
        run_workflow(engine.store, engine.settings, name, now=now, trigger="schedule")
    return names


def wake(scheduler: BaseScheduler) -> None:
    """Run the processing job now (new events arrived), coalescing with a run under way."""
    job = scheduler.get_job(PROCESS_JOB)
    if job is not None:
        job.modify(next_run_time=datetime.now(UTC))


def run_until_stopped(scheduler: BaseScheduler, wake_up: threading.Event | None = None) -> None:
    """Run the (background) scheduler until SIGINT or SIGTERM; new events wake processing.

    Running jobs finish before it returns, so a stop never cuts a step in half by choice
    (a kill still may, and every step is safe to repeat).
    """
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    scheduler.start()
    try:
        while not stop.is_set():
            if wake_up is not None and wake_up.wait(timeout=0.5):
                wake_up.clear()
                wake(scheduler)
            elif wake_up is None:
                stop.wait(timeout=0.5)
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
