"""`momentos demo`: the whole story on the sandbox and the embedded store, then the UI.

State lives under `.demo/` (the store and the sandbox's JSON), so a second run continues
where the first stopped and creates nothing twice; `--fresh` starts over.
"""

import json
import os
import shutil
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.timefmt import parse_iso
from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.engine import Engine
from momentos.serving import BackgroundServer
from momentos.store import Store
from sandbox.settings_env import settings_from_env, use_demo_secrets
from workflows import WORKFLOWS

DEMO_DIR = Path(".demo")
DEMO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "demo.yaml"
SANDBOX_PORT = 5050
# The admin UI's demo secrets, by `ui` config key: used only when the environment has none.
DEMO_PASSWORD = "momentos-demo"
DEMO_UI_SECRETS = {
    "password_env": DEMO_PASSWORD,
    "secret_key_env": "demo-session-key-not-for-production",
    "api_token_env": "demo-api-token",
}
# Signs the demo's survey links (`surveys.secret_key_env`), when the environment has none.
DEMO_SURVEY_KEY = "demo-survey-key-not-for-production"


# Proactive work waits for the customer's working hours (momentos/guards.py).
PROACTIVE = frozenset(w.NAME for w in WORKFLOWS if getattr(w, "PROACTIVE", False))


def _recipient(record: dict, action: dict | None, owners: dict[str, str]) -> str:
    """Whom a created record is for: the HubSpot owner, else the Zendesk assignee or group of
    an internal ticket (recovery, root cause: no requester, on purpose)."""
    if record["kind"] != "ticket":
        owner = record.get("owner_id")
        return owners.get(str(owner), owner) if owner else "no owner"
    payload = (action or {}).get("payload") or {}
    internal = " (internal)" if payload.get("public") is False else ""
    if record.get("owner_id"):
        return f"agent {record['owner_id']}{internal}"
    if payload.get("group_id"):
        return f"group {payload['group_id']}{internal}"
    return f"the default group{internal}"


def held_for_later(store, now: datetime) -> dict:
    """Pending actions held for later: proactive ones until the customer's working hours,
    others (surveys) until their send time; how many, and the first one's time."""
    held = [a for a in store.actions(states=["pending", "retry"])
            if a["not_before"] and parse_iso(a["not_before"]) > now]  # fmt: skip
    groups = {
        "working_hours": [a for a in held if a["workflow"] in PROACTIVE],
        "scheduled": [a for a in held if a["workflow"] not in PROACTIVE],
    }
    return {
        reason: {"count": len(rows), "first": min(a["not_before"] for a in rows)}
        for reason, rows in groups.items()
        if rows
    }


def _summary(
    engine: Engine, before: dict[str, list[dict]], after: dict[str, list[dict]], events_before: int
) -> dict:
    store = engine.store
    known = {tool: {r["id"] for r in rows} for tool, rows in before.items()}
    owners = engine.owner_names()
    actions = {a["key"]: a for a in store.actions()}
    by_workflow = Counter(a["workflow"] for a in actions.values())
    for rows in after.values():
        for record in rows:
            record["owner"] = _recipient(record, actions.get(record.get("key")), owners)
    return {
        "events": {
            "total": store.total("events"),
            "new_this_run": store.total("events") - events_before,
        },
        "moments_by_type": store.counts("moments", "type"),
        "actions_by_state": store.counts("actions", "state"),
        "actions_by_workflow": dict(by_workflow),
        "actions_waiting": held_for_later(store, engine.clock.now()),
        "time_zone": engine.settings.timezone,
        "records": {
            tool: {"all": len(rows), "this_run": [r for r in rows if r["id"] not in known[tool]]}
            for tool, rows in after.items()
        },
    }


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def _when(first: str, time_zone: str, now: datetime) -> str:
    """A time in the company's timezone: "08:00 Europe/Madrid", with the day when not today."""
    zone = ZoneInfo(time_zone)
    local = parse_iso(first).astimezone(zone)
    day = "" if local.date() == now.astimezone(zone).date() else f"{local:%a %d %b} "
    return f"{day}{local:%H:%M} {time_zone}"


def _print_actions(summary: dict, now: datetime) -> None:
    waiting, zone = summary["actions_waiting"], summary["time_zone"]
    notes = []
    if "working_hours" in waiting:
        held = waiting["working_hours"]
        first = _when(held["first"], zone, now)
        notes.append(f"{held['count']} wait for the customers' working hours (next at {first})")
    if "scheduled" in waiting:
        held = waiting["scheduled"]
        notes.append(f"{held['count']} scheduled (next at {_when(held['first'], zone, now)})")
    tail = f"; {'; '.join(notes)}" if notes else ""
    print(f"Actions by state: {_counts(summary['actions_by_state'])}{tail}")
    print(f"Actions by workflow: {_counts(summary['actions_by_workflow'])}")


def print_summary(summary: dict, now: datetime) -> None:
    events = summary["events"]
    print(f"\nEvents stored: {events['total']} ({events['new_this_run']} new this run)")
    print(f"Moments by type: {_counts(summary['moments_by_type'])}")
    _print_actions(summary, now)
    for tool, records in summary["records"].items():
        new = records["this_run"]
        print(f"{tool}: {len(new)} new records this run, {records['all']} by Momentos in all")
        for record in new:
            print(f"  {record['kind']} {record['id']} for {record['owner']}: {record['subject']}")


def run_demo(once: bool, fresh: bool, summary_json: str | None) -> int:
    if fresh and DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(exist_ok=True)
    use_demo_secrets()
    settings = load_settings(DEMO_CONFIG)
    for key, value in DEMO_UI_SECRETS.items():
        os.environ.setdefault(settings.ui[key], value)
    os.environ.setdefault(settings.surveys["secret_key_env"], DEMO_SURVEY_KEY)
    clock = SystemClock()
    store = Store(settings.store["path"])
    from sandbox.server import SandboxServer
    from server import create_app

    wake = threading.Event()
    web = BackgroundServer(
        create_app(settings, store, clock, on_events=wake.set),
        settings.web["host"],
        settings.web["port"],
        name="web",
    ).start()
    sandbox = SandboxServer(
        settings_from_env(momentos_url=settings.web["public_url"]),
        port=SANDBOX_PORT,
        state_path=DEMO_DIR / "sandbox.json",
    ).start()
    try:
        engine = Engine(settings, store, clock)
        summary = tell(engine, sandbox)
        if summary_json:
            Path(summary_json).write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        if once:
            return 0
        return _serve_forever(engine, settings, wake)
    finally:
        sandbox.stop()
        web.stop()


def tell(engine: Engine, sandbox) -> dict:
    """The story, on a running sandbox wired to Momentos' app: seed it unless seeded, sync,
    find spikes and repeat requests, the afternoon's changes, surveys; print the summary."""
    before = engine.created_records()
    events_before = engine.store.total("events")
    from sandbox import seed

    seeded = not sandbox.state.zendesk.dump().get("tickets")
    if seeded:
        counts = seed.apply(sandbox.state, "demo")
        print("Seeded the sandbox: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print("Polling HubSpot and Zendesk, receiving Zendesk webhooks...")
    engine.sync("hubspot")
    engine.sync("zendesk")
    sandbox.state.deliveries.flush()
    engine.process()
    # The worker's hourly insights job, now: a year of requests has just arrived.
    found = {kind.replace("_", " "): len(keys) for kind, keys in engine.insights().items()}
    print("Insights: " + ", ".join(f"{n} new {kind}{'' if n == 1 else 's'}"
                                   for kind, n in found.items()))  # fmt: skip
    if seeded:
        # Later that day owners push deals back and reprice them: only a second poll, with
        # the first versions stored, can tell what changed.
        changes = seed.after_first_sync(sandbox.state)
        print("Later that day: " + ", ".join(f"{v} {k}" for k, v in changes.items()))
        engine.cycle("hubspot")
    surveys = _surveys(engine, sandbox)
    summary = _summary(engine, before, engine.created_records(), events_before)
    summary["surveys"] = surveys
    print_summary(summary, engine.clock.now())
    _print_surveys(surveys)
    return summary


# Surveys (issue #9) ---------------------------------------------------------------------


def _surveys(engine: Engine, sandbox) -> dict:
    """Surveys for the services of the last weeks go out by SMTP; some customers answer
    them on the survey page, and the answers are followed up."""
    from momentos.surveys import demo as survey_demo

    print("Sending surveys; some customers answer them on the survey page...")
    return survey_demo.run(engine, sandbox.url)


def _print_surveys(surveys: dict) -> None:
    print(f"\nSurveys: {len(surveys['surveys'])} sent by Momentos in all")
    for sent in surveys["surveys"]:
        print(f"  to {sent['to']} ({sent['language']}): {sent['state']}")
    print(f"Answered on the survey page this run: {len(surveys['answered'])}")
    for given in surveys["answered"]:
        words = f"{given['score']} «{given['comment']}»" if "score" in given else "no form"
        print(f"  {given['to']} ({given['language']}): {words} (HTTP {given['status']})")
    print(f"Follow-ups: {len(surveys['follow_ups'])}")
    for done in surveys["follow_ups"]:
        where = done["url"] or done["state"]
        print(f"  {done['tool']} {done['kind']}: {done['title']} -> {where}")


def _print_login(settings) -> None:
    env = settings.ui["password_env"]
    # The demo's own password is no secret; one the person set themselves is never printed.
    password = DEMO_PASSWORD if os.environ.get(env) == DEMO_PASSWORD else f"the value of ${env}"
    print(f"Admin UI: {settings.web['public_url']}/admin/ (password: {password})")


def _serve_forever(engine: Engine, settings, wake: threading.Event) -> int:
    from apscheduler.schedulers.background import BackgroundScheduler

    from momentos.scheduler import JOB_DEFAULTS, install_jobs, run_until_stopped

    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=settings.timezone)
    install_jobs(scheduler, engine)
    print(
        f"\nMomentos is serving on {settings.web['public_url']} and the sandbox on "
        f"http://127.0.0.1:{SANDBOX_PORT}. Ctrl-C to stop."
    )
    _print_login(settings)
    run_until_stopped(scheduler, wake)
    return 0
