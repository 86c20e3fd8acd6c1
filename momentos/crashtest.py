"""Kill a real dispatcher process at random points and check nothing is lost or doubled.

Shared by the test (200 actions) and `bench/crash_dispatch.py` (1,000 actions, 100 kills):
the sandbox runs in this process, `momentos dispatch --drain` in a child that is
SIGKILLed at a random moment, then restarted, until everything is sent.
"""

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from momentos.model import Action
from momentos.store import Store

TASKS_PATH = "/crm/v3/objects/tasks"


@dataclass
class CrashReport:
    actions: int
    kills: int = 0
    runs: int = 0
    tasks_in_tool: int = 0
    distinct_keys: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    integrity_failures: int = 0


def planned_tasks(n: int, owner_id: str) -> list[Action]:
    """Tasks shaped as complaint_followup plans them, with distinct keys."""
    return [
        Action(key=f"crash:{i:05d}", workflow="crash", tool="hubspot", kind="task",
               payload={"subject": f"Llamar hoy al cliente {i}", "body": "Qué hacer:\n1. Llamar",
                        "due_at": "2026-11-23T17:00:00+01:00", "owner_id": owner_id,
                        "priority": "HIGH", "task_type": "CALL", "contact_ids": [],
                        "company_ids": []})
        for i in range(n)
    ]  # fmt: skip


def tasks_by_key(base_url: str, token: str) -> Counter:
    """Count the tool's tasks per `momentos_key`, reading the list API (no search lag)."""
    counts: Counter = Counter()
    params = {"limit": 100, "properties": "momentos_key"}
    while True:
        body = requests.get(base_url + TASKS_PATH, params=params, timeout=30,
                            headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        counts.update(t["properties"].get("momentos_key") for t in body["results"])
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if after is None:
            return counts
        params["after"] = after


def _dispatch(config: Path, env: dict[str, str], stderr=subprocess.DEVNULL) -> subprocess.Popen:
    command = [sys.executable, "-m", "momentos", "--config", str(config), "dispatch", "--drain"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def _integrity_ok(store_path: str) -> bool:
    store = Store(store_path)
    try:
        return store.integrity_ok()
    finally:
        store.close()


def crash_and_recover(
    config: Path,
    store_path: str,
    env: dict[str, str],
    kills: int,
    rng: random.Random,
    window: tuple[float, float],
) -> CrashReport:
    """Start the dispatcher and kill it at random moments, `kills` times or until it finishes
    on its own first, then let a last run finish."""
    report = CrashReport(actions=0)
    while report.kills < kills:
        process = _dispatch(config, env)
        report.runs += 1
        try:
            # The random moment of the kill: the child runs undisturbed until then.
            process.wait(timeout=rng.uniform(*window))
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            report.kills += 1
        else:
            if process.returncode == 0:
                break  # everything was sent before the kill came: nothing left to cut
        if not _integrity_ok(store_path):
            report.integrity_failures += 1
    process = _dispatch(config, env, stderr=subprocess.PIPE)
    report.runs += 1
    _, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"the last dispatch failed: {err.decode()[-2000:]}")
    return report


def outcome(report: CrashReport, store: Store, base_url: str, token: str) -> CrashReport:
    counts = tasks_by_key(base_url, token)
    report.tasks_in_tool = sum(counts.values())
    report.distinct_keys = len(counts)
    report.duplicates = {key: n for key, n in counts.items() if n > 1}
    report.states = store.counts("actions", "state")
    report.actions = store.total("actions")
    return report
