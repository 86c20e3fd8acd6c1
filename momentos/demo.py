"""`momentos demo`: the whole story on the sandbox and the embedded store, then the UI.

State lives under `.demo/` (the store and the sandbox's JSON), so a second run continues
where the first stopped and creates nothing twice; `--fresh` starts over.
"""

import json
import os
import shutil
import threading
from pathlib import Path

from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.engine import Engine
from momentos.serving import BackgroundServer
from momentos.store import Store
from sandbox.settings_env import settings_from_env, use_demo_secrets

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


def _summary(
    engine: Engine, before: dict[str, list[dict]], after: dict[str, list[dict]], events_before: int
) -> dict:
    store = engine.store
    known = {tool: {r["id"] for r in rows} for tool, rows in before.items()}
    owners = engine.owner_names()
    for rows in after.values():
        for record in rows:
            record["owner"] = owners.get(str(record.get("owner_id")), record.get("owner_id"))
    return {
        "events": {
            "total": store.total("events"),
            "new_this_run": store.total("events") - events_before,
        },
        "moments_by_type": store.counts("moments", "type"),
        "actions_by_state": store.counts("actions", "state"),
        "records": {
            tool: {"all": len(rows), "this_run": [r for r in rows if r["id"] not in known[tool]]}
            for tool, rows in after.items()
        },
    }


def _print(summary: dict) -> None:
    events = summary["events"]
    print(f"\nEvents stored: {events['total']} ({events['new_this_run']} new this run)")
    print(
        "Moments by type: "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary["moments_by_type"].items()))
    )
    print(
        "Actions by state: "
        + (", ".join(f"{k} {v}" for k, v in sorted(summary["actions_by_state"].items())) or "none")
    )
    for tool, records in summary["records"].items():
        new = records["this_run"]
        print(f"{tool}: {len(new)} new records this run, {records['all']} by Momentos in all")
        for record in new:
            owner = record["owner"] or "-"
            print(f"  {record['kind']} {record['id']} for {owner}: {record['subject']}")


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
        return _story(settings, store, clock, sandbox, once, summary_json, wake)
    finally:
        sandbox.stop()
        web.stop()


def _story(settings, store, clock, sandbox, once, summary_json, wake) -> int:
    engine = Engine(settings, store, clock)
    before = engine.created_records()
    events_before = store.total("events")
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
    if seeded:
        # Later that day owners push deals back and reprice them: only a second poll, with
        # the first versions stored, can tell what changed.
        changes = seed.after_first_sync(sandbox.state)
        print("Later that day: " + ", ".join(f"{v} {k}" for k, v in changes.items()))
        engine.cycle("hubspot")
    surveys = _surveys(engine, sandbox)
    summary = _summary(engine, before, engine.created_records(), events_before)
    summary["surveys"] = surveys
    _print(summary)
    _print_surveys(surveys)
    if summary_json:
        Path(summary_json).write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    if once:
        return 0
    return _serve_forever(engine, settings, wake)


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
