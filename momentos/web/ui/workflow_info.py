"""Each workflow as the Workflows page and the API show it, and its dry runs and backtests.

What a workflow does comes from its module docstring and its README section (the README
is where every workflow is documented; a meta-test keeps the two in step).
"""

import re
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from connectors.timefmt import parse_iso
from momentos.config import Settings
from momentos.errors import BadRequest, NotFound
from momentos.planner import backtest, run_workflow
from momentos.scheduler import _trigger
from momentos.store import Store
from momentos.web.ui.reads import action_rows
from workflows import WORKFLOWS, by_name

README = Path(__file__).resolve().parents[3] / "README.md"
# A row of a README parameter table: | `name` | `default` | meaning |
PARAM_ROW = re.compile(r"^\|\s*`(\w+)`\s*\|[^|]*\|\s*(.+?)\s*\|\s*$")


@cache
def _readme() -> str:
    # An installed wheel carries no README: the page then shows the docstring alone.
    return README.read_text(encoding="utf-8") if README.exists() else ""


def readme_section(name: str) -> tuple[list[str], dict[str, str]]:
    """The paragraphs of the README's `### name` section before its tables and examples,
    and the meaning of each parameter from its table."""
    found = re.search(rf"^### {re.escape(name)}\n(.*?)(?=^##)", _readme() + "\n##", re.M | re.S)
    if not found:
        return [], {}
    blocks = [b.strip() for b in found.group(1).split("\n\n") if b.strip()]
    prose, meanings = [], {}
    for block in blocks:
        if block.startswith("|"):
            for line in block.splitlines():
                row = PARAM_ROW.match(line)
                if row:
                    meanings[row.group(1)] = row.group(2)
        elif not block.startswith((">", "```")) and not block.endswith(":") and not meanings:
            prose.append(" ".join(block.split()))
    return prose, meanings


def workflow_or_404(name: str):
    try:
        return by_name(name)
    except KeyError as exc:
        raise NotFound(f"No workflow named {name!r}") from exc


def _value(value: Any) -> Any:
    """A parameter as it is written in the YAML configuration."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else value


def parameters(workflow, loaded: dict[str, Any], meanings: dict[str, str]) -> list[dict]:
    schema = workflow.Params()
    return [
        {
            "name": name,
            "default": _value(field.load_default),
            "value": _value(loaded.get(name)),
            "meaning": meanings.get(name, ""),
        }
        for name, field in schema.fields.items()
    ]


def next_run(workflow, store: Store, settings: Settings, now: datetime) -> datetime | None:
    """When the worker next runs it on schedule, counting an interval from the last scheduled
    run; None without a schedule, when disabled, or before its first scheduled run (the
    worker then runs it when it starts)."""
    if not getattr(workflow, "TRIGGER", None) or not settings.workflows[workflow.NAME]["enabled"]:
        return None
    last = store.last_run(workflow.NAME, trigger="schedule")
    if last is None:
        return None
    trigger = _trigger(workflow, parse_iso(last["started_at"]), settings.timezone)
    return trigger.get_next_fire_time(None, now)


def describe(workflow, store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    prose, meanings = readme_section(workflow.NAME)
    summary = (workflow.__doc__ or "").strip().split("\n\n")[0]
    upcoming = next_run(workflow, store, settings, now)
    return {
        "name": workflow.NAME,
        "summary": summary.split(":", 1)[1].strip() if ":" in summary else summary,
        "readme": prose,
        "enabled": settings.workflows[workflow.NAME]["enabled"],
        "trigger": dict(getattr(workflow, "TRIGGER", None) or {}),
        "wakes_on": list(getattr(workflow, "WAKES_ON", ())),
        "parameters": parameters(workflow, settings.workflows[workflow.NAME], meanings),
        "last_run": store.last_run(workflow.NAME),
        "next_run": upcoming.isoformat() if upcoming else None,
    }


def describe_all(store: Store, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    return [describe(w, store, settings, now) for w in WORKFLOWS]


def preview(
    store: Store, settings: Settings, name: str, now: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    """A dry run: what the workflow would create now (or as of a date), and what it skips."""
    workflow_or_404(name)
    result = run_workflow(
        store, settings, name, now=now, as_of=as_of, dry_run=True, trigger="preview"
    )
    skipped = action_rows(store, [action for action, _ in result.skipped])
    for row, (_, reason) in zip(skipped, result.skipped, strict=True):
        row["skipped_because"] = reason
    # Planning again yields keys already in the outbox; enqueueing would leave those alone.
    stored = {row["key"]: row for row in store.actions(keys=[a.key for a in result.actions])}
    planned = action_rows(store, result.actions)
    for row in planned:
        if row["key"] in stored:
            row["state"] = stored[row["key"]]["state"]
            row["remote_url"] = stored[row["key"]]["remote_url"]
    return {
        "workflow": name,
        "as_of": (as_of or now).isoformat(),
        "actions": [row for row in planned if row["key"] not in stored],
        "in_outbox": [row for row in planned if row["key"] in stored],
        "skipped": skipped,
        "error": result.error,
    }


WINDOW_PROBLEMS = {
    "order": "the backtest's end comes before its start",
    "length": "a backtest covers at most %(days)s days",
}


def window_problem(start: date, end: date, longest: int) -> str | None:
    """Why a backtest window is refused (a key of WINDOW_PROBLEMS), or None."""
    if end < start:
        return "order"
    if end - start >= timedelta(days=longest):
        return "length"
    return None


def run_backtest(
    store: Store, settings: Settings, name: str, start: date, end: date, now: datetime
) -> dict[str, Any]:
    """What the workflow would have created each day from `start` to `end`, nothing sent."""
    workflow_or_404(name)
    longest = settings.ui["max_backtest_days"]
    problem = window_problem(start, end, longest)
    if problem:
        raise BadRequest(WINDOW_PROBLEMS[problem] % {"days": longest})
    try:
        days = backtest(store, settings, name, start, end, now)
    except RuntimeError as exc:  # the planner names the day and the workflow's error
        return {
            "workflow": name,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "days": [],
            "total": 0,
            "error": str(exc),
        }
    rows = [
        {"date": day.isoformat(), "actions": action_rows(store, actions)} for day, actions in days
    ]
    return {
        "workflow": name,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "days": rows,
        "total": sum(len(day["actions"]) for day in rows),
        "error": None,
    }
