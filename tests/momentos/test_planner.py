"""Woken runs plan for the customers whose moments are new; scheduled runs for everyone."""

import os
import select
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from momentos import planner
from momentos.derive import derive_pending
from momentos.moments.context import rule_context
from momentos.planner import run_woken, run_workflow
from momentos.store import Store
from tests.factories import T0, zendesk_ticket, zendesk_user

NOW = T0 + timedelta(minutes=5)
ROOT = Path(__file__).resolve().parents[2]
KEY = "complaint_followup:complaint:zendesk:ticket:{}"


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def store(settings):
    return Store(settings.store["path"])


def arrive(store, settings, *events):
    store.add_events(events, source="webhook", received_at=T0)
    return derive_pending(store, rule_context(settings))


def carmen_and_emily_complained(store, settings):
    arrive(store, settings,
           zendesk_user(501, "carmen@laespiga.es"), zendesk_ticket(101, requester_id=501),
           zendesk_user(502, "emily@northwind.com", locale="en-US", name="Emily Brooks"),
           zendesk_ticket(102, requester_id=502))  # fmt: skip


def test_a_new_moment_plans_for_its_customer_alone_and_a_full_run_adds_the_rest(store, settings):
    carmen_and_emily_complained(store, settings)
    derived = arrive(store, settings, zendesk_ticket(103, requester_id=502))
    [run] = [r for r in run_woken(store, settings, derived.new_types, NOW, derived.new_customers)
             if r.workflow == "complaint_followup"]  # fmt: skip
    # Emily's two complaints (the older one had not been planned yet); none of Carmen's.
    assert sorted(run.enqueued) == [KEY.format(102), KEY.format(103)]
    full = run_workflow(store, settings, "complaint_followup", now=NOW, trigger="schedule")
    assert {a.key for a in full.actions} == {KEY.format(n) for n in (101, 102, 103)}
    assert full.enqueued == [KEY.format(101)]  # the same keys: nothing twice


def test_a_moment_no_customer_is_known_for_widens_the_run_to_everyone(store, settings):
    carmen_and_emily_complained(store, settings)
    derived = arrive(store, settings, zendesk_ticket(104, requester_id=999))
    assert None in derived.new_customers
    runs = run_woken(store, settings, derived.new_types, NOW, derived.new_customers)
    [run] = [r for r in runs if r.workflow == "complaint_followup"]
    assert sorted(run.enqueued) == [KEY.format(101), KEY.format(102)]


def test_without_the_customers_a_woken_run_plans_for_everyone(store, settings):
    carmen_and_emily_complained(store, settings)
    runs = run_woken(store, settings, {"complaint"}, NOW)
    [run] = [r for r in runs if r.workflow == "complaint_followup"]
    assert sorted(run.enqueued) == [KEY.format(101), KEY.format(102)]


def test_more_new_customers_than_the_focus_limit_widen_the_run(store, settings, monkeypatch):
    monkeypatch.setattr(planner, "FOCUS_LIMIT", 0)
    carmen_and_emily_complained(store, settings)
    derived = arrive(store, settings, zendesk_ticket(103, requester_id=502))
    runs = run_woken(store, settings, derived.new_types, NOW, derived.new_customers)
    [run] = [r for r in runs if r.workflow == "complaint_followup"]
    assert sorted(run.enqueued) == [KEY.format(n) for n in (101, 102, 103)]


def test_shards_split_the_customers_once_each_and_keep_the_customerless(store, settings):
    carmen_and_emily_complained(store, settings)
    arrive(store, settings, zendesk_ticket(104, requester_id=999))  # nobody's complaint
    everyone = {m["key"] for m in store.moments(types=["complaint"])}
    for count in (2, 3, 7):
        shards = [{m["key"] for m in store.moments(types=["complaint"], shard=(k, count))}
                  for k in range(count)]  # fmt: skip
        assert sum(map(len, shards)) == len(everyone) and set().union(*shards) == everyone
        assert any(m["customer_id"] is None for m in store.moments(shard=(0, count)))


def test_a_full_run_on_two_processes_plans_what_one_process_plans(make_settings, monkeypatch):
    monkeypatch.setattr(planner, "SHARD_MIN_CUSTOMERS", 1)
    one = make_settings(planning={"processes": 1})
    store = Store(one.store["path"])
    for n in range(20):
        arrive(store, one, zendesk_user(600 + n, f"person{n}@customer{n}.example"),
               zendesk_ticket(700 + n, requester_id=600 + n))  # fmt: skip
    alone = run_workflow(store, one, "complaint_followup", now=NOW, dry_run=True)
    two = make_settings(planning={"processes": 2})
    sharded = run_workflow(store, two, "complaint_followup", now=NOW)
    assert sharded.error is None and len(sharded.actions) == 20
    assert sorted((a.key, a.payload) for a in sharded.actions) == sorted(
        (a.key, a.payload) for a in alone.actions
    )
    assert sorted(sharded.enqueued) == sorted(a.key for a in alone.actions)
    assert store.total("actions") == 20


def test_a_killed_worker_leaves_no_shard_process_behind():
    script = (
        "import os, sys\n"
        "from momentos import planner\n"
        "print(planner._pool(2).submit(os.getpid).result(), flush=True)\n"
        "sys.stdin.read()\n"  # the worker waits until it is killed
    )
    command = [sys.executable, "-c", script]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env=environment) as worker:  # fmt: skip
        shard = int(worker.stdout.readline())
        ended = os.pidfd_open(shard)  # readable once the shard process has ended
        worker.kill()
    readable, _, _ = select.select([ended], [], [], 30)
    os.close(ended)
    assert readable, "the shard process outlived its killed worker"
