"""The walking skeleton: complaint tickets in Zendesk become call tasks in HubSpot, once.

Real HTTP all the way: the sandbox sends signed webhooks to Momentos, Momentos polls the
sandbox's incremental export and search, and the dispatcher creates tasks through
`batch/create`.
"""

import requests

from sandbox import seed
from sandbox.demo import TICKETS
from tests.conftest import TEST_SECRETS

COMPLAINTS_TODAY = [row for row in TICKETS if row[5] == 0 and {"queja", "complaint"} & set(row[3])]


def hubspot_tasks(sandbox) -> list[dict]:
    response = requests.get(
        f"{sandbox.url}/crm/v3/objects/tasks",
        params={
            "limit": 100,
            "properties": "hs_task_subject,momentos_key,hubspot_owner_id",
            "associations": "contacts,companies",
        },
        headers={"Authorization": f"Bearer {TEST_SECRETS['HUBSPOT_TOKEN']}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["results"]


def complaint_tasks(sandbox) -> list[dict]:
    """The complaint follow-ups: other workflows act on the demo's other moments."""
    return [t for t in hubspot_tasks(sandbox)
            if t["properties"]["momentos_key"].startswith("complaint_followup:")]  # fmt: skip


def run_story(engine, sandbox):
    engine.sync("hubspot")
    engine.sync("zendesk")
    assert sandbox.state.deliveries.flush(timeout=30)
    return engine.process()


def test_complaints_become_one_task_each_and_replays_create_nothing(live):
    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    run_story(engine, sandbox)

    tasks = complaint_tasks(sandbox)
    assert len(tasks) == len(COMPLAINTS_TODAY) == 5
    keys = {t["properties"]["momentos_key"] for t in tasks}
    assert len(keys) == 5 and all(k.startswith("complaint_followup:complaint:") for k in keys)
    created = len(hubspot_tasks(sandbox))
    subjects = sorted(t["properties"]["hs_task_subject"] for t in tasks)
    # "hoy"/"today", or "first thing" the next working morning when run after hours there.
    assert any(s.startswith("Llamar ") and " a Carmen Vidal: queja «" in s for s in subjects)
    assert any(s.startswith("Call Emily Brooks ") and ": complaint" in s for s in subjects)
    carmen = next(t for t in tasks if "Carmen" in t["properties"]["hs_task_subject"])
    assert carmen["associations"]["contacts"]["results"]
    assert carmen["associations"]["companies"]["results"]

    # Tickets came both ways: each (ticket, version) is one event, webhook first.
    sources = {
        r["source"]
        for r in engine.store.db.query(
            "SELECT DISTINCT source FROM events WHERE object_type = 'ticket'"
        )
    }
    assert sources == {"webhook", "poll"}
    duplicates = list(
        engine.store.db.query(
            "SELECT object_id, version, COUNT(*) AS n FROM events GROUP BY 1, 2, tool, object_type"
            " HAVING n > 1"
        )
    )
    assert duplicates == []

    # Everything again: polls, derivation, planning, dispatch. Nothing new anywhere.
    run_story(engine, sandbox)
    from momentos.planner import run_workflow

    rerun = run_workflow(
        engine.store, engine.settings, "complaint_followup", now=engine.clock.now()
    )
    assert len(rerun.actions) == 5 and rerun.enqueued == []
    engine.dispatcher.run_once()
    assert len(complaint_tasks(sandbox)) == 5 and len(hubspot_tasks(sandbox)) == created
    states = [a["state"] for a in engine.store.actions() if a["workflow"] == "complaint_followup"]
    assert states == ["done"] * 5


def test_dry_run_from_the_command_line_shows_the_plan_and_sends_nothing(live, capsys):
    from momentos.cli import main

    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    engine.sync()
    config = str(engine.settings.source)

    assert main(["--config", config, "run", "complaint_followup", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "complaint_followup: would create 5 actions"
    assert sum(line.startswith("[hubspot task] due ") for line in out) == 5
    assert engine.store.actions() == [] and hubspot_tasks(sandbox) == []

    assert main(["--config", config, "run", "complaint_followup"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "complaint_followup: enqueued 5 new of 5 actions"
    )
    assert main(["--config", config, "dispatch"]) == 0
    assert len(hubspot_tasks(sandbox)) == 5


def test_backtest_shows_each_days_new_actions_and_sends_nothing(live, capsys):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from momentos.cli import main

    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    engine.sync()
    # Days are the company's days: at 23:30 UTC it is already tomorrow in Madrid.
    today = datetime.now(ZoneInfo(engine.settings.timezone)).date()
    start = (today - timedelta(days=20)).isoformat()
    config = str(engine.settings.source)

    assert main(["--config", config, "run", "complaint_followup", "--backtest", start,
                 today.isoformat()]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    # The September complaint 18 days ago, then today's five; each counted on its day only.
    assert out[-1] == f"complaint_followup: would have created 6 actions from {start} to {today}"
    assert f"{(today - timedelta(days=18)).isoformat()}: 1 new" in out
    assert f"{today.isoformat()}: 5 new" in out
    assert engine.store.actions() == []


def test_outbox_retry_and_dismiss_only_move_actions_awaiting_review(live, capsys):
    from datetime import UTC, datetime

    from momentos.cli import main
    from momentos.model import Action

    engine, _sandbox = live
    store = engine.store
    now = datetime.now(UTC)
    store.enqueue([Action(key=k, workflow="wf", tool="hubspot", kind="task", payload={})
                   for k in ("a", "b", "c")], now)  # fmt: skip
    store.settle("a", "needs_review", now, error="cannot tell")
    store.settle("b", "failed", now, error="INVALID_OWNER_ID")
    config = str(engine.settings.source)

    assert main(["--config", config, "outbox", "retry", "a"]) == 0
    assert main(["--config", config, "outbox", "dismiss", "b"]) == 0
    assert main(["--config", config, "outbox", "dismiss", "c"]) == 1  # pending: not for review
    assert {r["key"]: r["state"] for r in store.actions()} == {
        "a": "pending",
        "b": "dismissed",
        "c": "pending",
    }
    capsys.readouterr()
    assert main(["--config", config, "outbox", "--state", "dismissed"]) == 0
    assert capsys.readouterr().out.split() == ["dismissed", "b", "INVALID_OWNER_ID"]
