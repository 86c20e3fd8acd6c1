"""Run workflows: build the view, call the pure `plan`, put the actions in the outbox."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from momentos.config import Settings
from momentos.model import Action
from momentos.store import Store
from momentos.view import Defaults, View
from workflows import WORKFLOWS, by_name

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    workflow: str
    actions: list[Action] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    error: str | None = None


def view_for(store: Store, settings: Settings) -> View:
    return View(
        store,
        Defaults(
            language=settings.default_language,
            time_zone=settings.timezone,
            fallback_owner_id=settings.hubspot["fallback_owner_id"],
        ),
    )


def enabled_workflows(settings: Settings):
    return [w for w in WORKFLOWS if settings.workflows[w.NAME]["enabled"]]


def run_workflow(
    store: Store,
    settings: Settings,
    name: str,
    *,
    now: datetime,
    as_of: datetime | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
) -> RunResult:
    """Plan one workflow as of a date; unless `dry_run`, enqueue what it planned."""
    workflow = by_name(name)
    as_of = as_of or now
    run_id = store.start_run(name, trigger, as_of, dry_run, now)
    result = RunResult(name)
    try:
        result.actions = workflow.plan(settings.workflows[name], view_for(store, settings), as_of)
        if not dry_run:
            result.enqueued = store.enqueue(result.actions, now)
    except Exception as exc:  # a broken workflow must not stop the others; the run records it
        logger.exception("workflow %s failed", name)
        result.error = f"{type(exc).__name__}: {exc}"
    store.finish_run(run_id, now, len(result.actions), len(result.enqueued), result.error)
    return result


def run_woken(
    store: Store, settings: Settings, moment_types: set[str], now: datetime
) -> list[RunResult]:
    """Run every enabled workflow that one of these new moment types wakes."""
    return [
        run_workflow(store, settings, w.NAME, now=now, trigger="moment")
        for w in enabled_workflows(settings)
        if moment_types & set(w.WAKES_ON)
    ]
