"""A customer asking again becomes a `repeat_request` moment, once, keyed like its ticket,
and the worker's hourly insights job records it."""

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from momentos.clock import FrozenClock
from momentos.engine import Engine
from momentos.planner import run_workflow
from momentos.scheduler import JOB_DEFAULTS, install_jobs
from momentos.store import Store
from tests.factories import zendesk_user
from tests.workflows.test_repeat_request import APP_FIELD, KEY, NOW, request


@pytest.fixture
def engine(make_settings):
    settings = make_settings(workflows={"repeat_request": {"enabled": True}},
                             moments={"category_fields": {"app": int(APP_FIELD)}})  # fmt: skip
    return Engine(settings, Store(settings.store["path"]), FrozenClock(NOW))


def load(engine, *events):
    engine.store.add_events(events, source="poll", received_at=NOW)
    engine.derive()


def test_the_third_request_in_a_month_is_a_moment_once_with_the_tickets_key(engine):
    load(engine, zendesk_user(), request(201, 14), request(202, 6), request(203, 0),
         request(204, 0, app="web", tags=("web",)))  # fmt: skip
    assert engine.detect_repeats() == [KEY]
    assert engine.detect_repeats() == []
    [moment] = engine.store.moments(types=["repeat_request"])
    assert (moment["customer_id"], moment["tool"], moment["object_id"], moment["person"]) == (
        1, "momentos", "1:app_movil:2026-11-09", "zendesk:user:501")  # fmt: skip
    assert moment["occurred_at"] == (NOW - timedelta(minutes=5)).isoformat(timespec="microseconds")
    assert moment["link"] == "https://acme.zendesk.com/agent/tickets/203"
    data = moment["data"]
    assert {k: data[k] for k in ("category_by", "category", "count", "first", "subject")} == {
        "category_by": "app", "category": "app_movil", "count": 3, "first": "2026-11-09",
        "subject": "La app se cierra (203)"}  # fmt: skip
    assert [r["key"] for r in data["requests"]] == [
        f"support_request:zendesk:ticket:{n}" for n in (201, 202, 203)
    ]


def test_what_an_agent_opened_for_the_customer_and_old_runs_are_no_moment(engine):
    load(engine, zendesk_user(), request(201, 14), request(202, 6),
         request(203, 0, submitter_id=9001))  # fmt: skip
    assert engine.detect_repeats() == []
    load(engine, *(request(n, days, app="web", tags=("web",))
                   for n, days in ((301, 60), (302, 50), (303, 45))))  # fmt: skip
    assert engine.detect_repeats() == []  # a run over a month ago: history, no flood


def test_the_hourly_insights_job_records_spikes_and_repeat_requests(engine):
    load(engine, zendesk_user(), request(201, 14), request(202, 6), request(203, 0))
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS)
    install_jobs(scheduler, engine)
    job = scheduler.get_job("insights")
    assert job.name == "detect spikes and repeat requests"
    job.func()
    assert [m["key"] for m in engine.store.moments(types=["repeat_request"])] == [KEY]
    # The workflow's ticket for the same run has the same key.
    planned = run_workflow(engine.store, engine.settings, "repeat_request", now=NOW)
    assert planned.enqueued == [KEY]
