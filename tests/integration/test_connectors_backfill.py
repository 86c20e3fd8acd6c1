"""A `momentos backfill` process SIGKILLed half-way resumes from its committed cursors and
ends with exactly the events of an unbroken run (issue #5)."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import TEST_SECRETS

ROOT = Path(__file__).parents[2]
TICKETS = 3000
# The sandbox answers each Zendesk call this late while the kill is aimed, so it lands
# between pages; the other runs go at full speed.
LATENCY_MS = 100
DEADLINE_SECONDS = 60


@pytest.fixture
def sandbox_settings():
    from sandbox.state import SandboxSettings

    return SandboxSettings(
        zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        rate_limits=False,
    )


def write_config(directory: Path, sandbox_url: str) -> str:
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    directory.mkdir()
    data["store"] = {"path": str(directory / "momentos.db")}
    data["zendesk"].update(base_url=sandbox_url, incremental_per_minute=1000)
    data["hubspot"]["base_url"] = sandbox_url
    path = directory / "momentos.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def command(config: str) -> dict:
    return {
        "args": [sys.executable, "-m", "momentos", "--config", config, "backfill", "zendesk"],
        "cwd": ROOT,
        "env": {**os.environ, **TEST_SECRETS, "PYTHONPATH": str(ROOT)},
    }


def backfill(config: str) -> subprocess.CompletedProcess:
    return subprocess.run(**command(config), capture_output=True, timeout=DEADLINE_SECONDS)


def set_latency(sandbox, milliseconds: int) -> None:
    faults = {"latency_ms": milliseconds, "tools": ["zendesk"]}
    requests.post(f"{sandbox.url}/_sandbox/faults", json=faults, timeout=10).raise_for_status()


def ticket_events(db: Path) -> int:
    """Ticket events committed so far, read as another process would (0 before the schema)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            query = "SELECT COUNT(*) FROM events WHERE object_type = 'ticket'"
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def natural_keys(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT tool, object_type, object_id, version FROM events ORDER BY 1, 2, 3, 4"
        ).fetchall()


def kill_half_way(process: subprocess.Popen, db: Path) -> int:
    """SIGKILL the process once some but not all tickets are committed; returns how many."""
    deadline, pause = time.monotonic() + DEADLINE_SECONDS, threading.Event()
    while time.monotonic() < deadline and process.poll() is None:
        if 0 < (count := ticket_events(db)) < TICKETS:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return count
        pause.wait(0.005)  # a bounded poll of the store file, not a sleep in the story
    process.kill()
    process.wait()
    pytest.fail(f"never caught the backfill half-way (exit {process.returncode})")


def test_a_killed_backfill_resumes_to_the_events_of_an_unbroken_run(sandbox, tmp_path):
    from sandbox.scale import seed_size

    now = sandbox.state.clock.now()
    # Ending an hour ago, so no ticket sits in the export's withheld last minute.
    seed_size(sandbox.state, TICKETS, start=now - timedelta(days=365),
              end=now - timedelta(hours=1))  # fmt: skip
    whole = write_config(tmp_path / "whole", sandbox.url)
    assert backfill(whole).returncode == 0

    broken = write_config(tmp_path / "broken", sandbox.url)
    db = tmp_path / "broken" / "momentos.db"
    set_latency(sandbox, LATENCY_MS)
    running = subprocess.Popen(**command(broken), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    committed = kill_half_way(running, db)
    assert 0 < committed < TICKETS and committed % 1000 == 0  # whole pages only
    set_latency(sandbox, 0)

    resumed = backfill(broken)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert f"zendesk:tickets: {TICKETS - committed} new events" in resumed.stdout.decode()
    keys = natural_keys(db)
    assert len(keys) == len(set(keys))
    assert keys == natural_keys(tmp_path / "whole" / "momentos.db")
    assert sum(1 for key in keys if key[1] == "ticket") == TICKETS
