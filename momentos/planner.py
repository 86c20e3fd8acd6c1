"""Run workflows: build the view, call the pure `plan`, put the actions in the outbox."""

import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from connectors.timefmt import parse_iso
from momentos import guards
from momentos.config import Settings
from momentos.model import Action
from momentos.store import Store
from momentos.view import Defaults, View
from workflows import WORKFLOWS, by_name

logger = logging.getLogger(__name__)

# Past this many customers a woken run plans for everyone: as cheap, and a bounded query.
FOCUS_LIMIT = 1000
# From this many customers a full run is planned by `planning.processes` processes: below
# it, starting one (0.4 s) costs more than it saves.
SHARD_MIN_CUSTOMERS = 10_000
# Customers one shard holds at most: what a planning process keeps in memory at a time.
SHARD_CUSTOMERS = 25_000


@dataclass
class RunResult:
    workflow: str
    actions: list[Action] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    skipped: list[tuple[Action, str]] = field(default_factory=list)
    error: str | None = None


def view_for(store: Store, settings: Settings, focus: frozenset[int] | None = None,
             shard: tuple[int, int] | None = None) -> View:  # fmt: skip
    return View(
        store,
        Defaults(
            language=settings.default_language,
            time_zone=settings.timezone,
            fallback_owner_id=settings.hubspot["fallback_owner_id"],
            working_hours=guard_settings(settings),
            category_fields=tuple(
                (name, str(field_id))
                for name, field_id in settings.moments["category_fields"].items()
            ),
        ),
        focus,
        shard,
    )


def planning_processes(settings: Settings) -> int:
    """`planning.processes`, 0 meaning one per CPU this process may use."""
    return settings.planning["processes"] or len(os.sched_getaffinity(0))


@dataclass
class Part:
    """What one process planned, kept and enqueued: all customers, or one shard of them."""

    kept: list[Action]
    skipped: list[tuple[Action, str]]
    enqueued: list[str]


def plan_part(store: Store, settings: Settings, name: str, as_of: datetime, now: datetime,
              dry_run: bool, focus: frozenset[int] | None = None,
              shard: tuple[int, int] | None = None) -> Part:  # fmt: skip
    """Plan, guard and (unless `dry_run`) enqueue one workflow for these customers. The
    guards judge each customer on its own actions, so a shard can be guarded alone."""
    workflow = by_name(name)
    planned = workflow.plan(settings.workflows[name], view_for(store, settings, focus, shard),
                            as_of)  # fmt: skip
    verdict = _guarded(store, settings, workflow, planned, as_of)
    enqueued = [] if dry_run else store.enqueue(verdict.kept, now)
    return Part(verdict.kept, verdict.skipped, enqueued)


def plan_shard(settings: Settings, name: str, as_of: datetime, now: datetime, dry_run: bool,
               shard: tuple[int, int]) -> Part:  # fmt: skip
    """One shard of a full run, in a process of its own, with its own connection."""
    with closing(Store(settings.store["path"])) as store:
        return plan_part(store, settings, name, as_of, now, dry_run, shard=shard)


def plan_everyone(store: Store, settings: Settings, name: str, as_of: datetime,
                  now: datetime, dry_run: bool) -> list[Part]:  # fmt: skip
    """A full run. From SHARD_MIN_CUSTOMERS on, customers are split into shards by a hash of
    their id, at most SHARD_CUSTOMERS each (a process holds one shard's moments at a time:
    its memory stays flat as customers grow), planned on `planning.processes` cores: this
    process takes every n-th shard while the others take the rest. Sound for the reason
    woken runs are: a workflow's actions for a customer depend on that customer's moments
    only."""
    customers = store.total("customers")
    if customers < SHARD_MIN_CUSTOMERS:
        return [plan_part(store, settings, name, as_of, now, dry_run)]
    processes = planning_processes(settings)
    count = max(processes, math.ceil(customers / SHARD_CUSTOMERS))
    if processes < 2:
        return [plan_part(store, settings, name, as_of, now, dry_run, shard=(k, count))
                for k in range(count)]  # fmt: skip
    pool = _pool(processes)
    try:
        others = [pool.submit(plan_shard, settings, name, as_of, now, dry_run, (k, count))
                  for k in range(count) if k % processes]  # fmt: skip
        parts = [plan_part(store, settings, name, as_of, now, dry_run, shard=(k, count))
                 for k in range(0, count, processes)]  # fmt: skip
        return parts + [other.result() for other in others]
    except BrokenProcessPool:
        _pools.pop(processes, None)  # a shard's process died (killed): the next run starts anew
        raise


_pools: dict[int, ProcessPoolExecutor] = {}


def _pool(processes: int) -> ProcessPoolExecutor:
    """The shards' processes, kept for this process's life: starting them (0.4 s) costs
    more than most workflows take to plan. Spawned, not forked: the worker's scheduler
    threads and SQLite handles stay here."""
    if processes not in _pools:
        context = multiprocessing.get_context("spawn")
        _pools[processes] = ProcessPoolExecutor(processes - 1, mp_context=context,
                                                initializer=_end_with_parent)  # fmt: skip
    return _pools[processes]


def _end_with_parent() -> None:
    """Each shard process ends when the process that started it ends: a killed worker
    leaves no process behind waiting for work that will never come."""
    parent = multiprocessing.parent_process()

    def wait() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=wait, name="end-with-parent", daemon=True).start()


def enabled_workflows(settings: Settings):
    return [w for w in WORKFLOWS if settings.workflows[w.NAME]["enabled"]]


def guard_settings(settings: Settings) -> guards.GuardSettings:
    raw = settings.guards
    return guards.GuardSettings(
        open_days=raw["open_days"],
        max_proactive_per_week=raw["max_proactive_per_week"],
        quiet_start=raw["quiet_start"],
        quiet_end=raw["quiet_end"],
        business_days=frozenset(raw["business_days"]),
    )


def _guarded(store: Store, settings: Settings, workflow, actions: list[Action],
             now: datetime) -> guards.Verdict:  # fmt: skip
    proactive = {w.NAME: getattr(w, "PROACTIVE", False) for w in WORKFLOWS}
    config = guard_settings(settings)
    since = now - timedelta(days=max(config.open_days, 7))
    customers = {a.customer_id for a in actions if a.customer_id is not None}
    recent: dict[int, list[guards.Recent]] = {}
    for row in store.recent_actions(since, customers):
        recent.setdefault(row["customer_id"], []).append(guards.Recent(
            key=row["key"], workflow=row["workflow"], customer_id=row["customer_id"],
            created_at=parse_iso(row["created_at"]),
            proactive=proactive.get(row["workflow"], False)))  # fmt: skip
    time_zones = store.customer_time_zones(customers, settings.timezone)
    return guards.apply(actions, proactive=getattr(workflow, "PROACTIVE", False), recent=recent,
                        time_zones=time_zones, now=now, settings=config,
                        per_moment=getattr(workflow, "PER_MOMENT", False),
                        capped=getattr(workflow, "COURTESY", False))  # fmt: skip


def run_workflow(
    store: Store,
    settings: Settings,
    name: str,
    *,
    now: datetime,
    as_of: datetime | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
    focus: frozenset[int] | None = None,
) -> RunResult:
    """Plan one workflow as of a date, for every customer or only those in `focus`; unless
    `dry_run`, enqueue what it planned."""
    by_name(name)  # an unknown name fails here, before a run is recorded
    as_of = as_of or now
    run_id = store.start_run(name, trigger, as_of, dry_run, now)
    result = RunResult(name)
    try:
        if focus is None:
            parts = plan_everyone(store, settings, name, as_of, now, dry_run)
        else:
            parts = [plan_part(store, settings, name, as_of, now, dry_run, focus)]
        for part in parts:
            result.actions += part.kept
            result.skipped += part.skipped
            result.enqueued += part.enqueued
    except Exception as exc:  # a broken workflow must not stop the others; the run records it
        logger.exception("workflow %s failed", name)
        result.error = f"{type(exc).__name__}: {exc}"
    store.finish_run(run_id, now, len(result.actions), len(result.enqueued), result.error)
    return result


def run_woken(
    store: Store,
    settings: Settings,
    moment_types: set[str],
    now: datetime,
    customers: set[int | None] | None = None,
) -> list[RunResult]:
    """Run every enabled workflow that one of these new moment types wakes. With the
    `customers` the new moments are about, each plans for them alone: a workflow's actions
    for a customer depend on that customer's moments only, and their keys are the ones a
    full run gives, so nothing is lost or made twice. A moment with no customer (None), or
    more than FOCUS_LIMIT customers (a backfill), widen the run to everyone."""
    focus = None
    if customers is not None and None not in customers and len(customers) <= FOCUS_LIMIT:
        focus = frozenset(customers)
    return [
        run_workflow(store, settings, w.NAME, now=now, trigger="moment", focus=focus)
        for w in enabled_workflows(settings)
        if moment_types & set(w.WAKES_ON)
    ]


def backtest(store: Store, settings: Settings, name: str, start: date, end: date,
             now: datetime) -> list[tuple[date, list[Action]]]:  # fmt: skip
    """What the workflow would have created day by day: each day's new keys, nothing sent."""
    zone = ZoneInfo(settings.timezone)
    seen: set[str] = set()
    days = []
    day = start
    while day <= end:
        end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=zone)
        result = run_workflow(store, settings, name, now=now, as_of=end_of_day, dry_run=True,
                              trigger="backtest")  # fmt: skip
        if result.error:
            raise RuntimeError(f"{name} failed on {day}: {result.error}")
        days.append((day, [a for a in result.actions if a.key not in seen]))
        seen.update(a.key for a in result.actions)
        day += timedelta(days=1)
    return days
