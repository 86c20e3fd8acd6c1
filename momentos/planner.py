"""Run workflows: build the view, call the pure `plan`, put the actions in the outbox."""

import logging
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


@dataclass
class RunResult:
    workflow: str
    actions: list[Action] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    skipped: list[tuple[Action, str]] = field(default_factory=list)
    error: str | None = None


def view_for(store: Store, settings: Settings, focus: frozenset[int] | None = None) -> View:
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
    )


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
    workflow = by_name(name)
    as_of = as_of or now
    run_id = store.start_run(name, trigger, as_of, dry_run, now)
    result = RunResult(name)
    try:
        view = view_for(store, settings, focus)
        planned = workflow.plan(settings.workflows[name], view, as_of)
        verdict = _guarded(store, settings, workflow, planned, as_of)
        result.actions, result.skipped = verdict.kept, verdict.skipped
        if not dry_run:
            result.enqueued = store.enqueue(result.actions, now)
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
