"""A sandbox account to crash Momentos against: customers in both tools who complained a
couple of hours ago, plus a bulk of older generated tickets so that exports take pages.

Shared by tests/reliability/test_crash_stages.py and bench/reliability_crash.py.
"""

import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

from momentos.store import Store
from sandbox.scale import seed_size
from sandbox.state import SandboxState
from tests.conftest import TEST_SECRETS

ROOT = Path(__file__).resolve().parents[2]
# The first owner the sandbox makes gets the id config/demo.yaml names as fallback owner.
OWNERS = (
    ("sofia.ruiz@momentos-demo.example", "Sofía", "Ruiz"),
    ("lucia.martin@momentos-demo.example", "Lucía", "Martín"),
    ("james.carter@momentos-demo.example", "James", "Carter"),
)
# How often a watcher looks at the store or the child while waiting for a kill point.
WATCH_SECONDS = 0.01


def build_world(state: SandboxState, customers: int, bulk_tickets: int, seed: int = 12) -> dict:
    """Owners first (the first is the demo's fallback owner), then per customer a HubSpot
    company and contact and a Zendesk organization, user and complaint ticket."""
    now = state.clock.now()
    since = now - timedelta(days=200)
    hubspot, zendesk = state.hubspot, state.zendesk
    owners = [hubspot.create_owner(email, first, last) for email, first, last in OWNERS]
    rng = random.Random(seed)
    for i in range(customers):
        domain = f"cliente{i}.example.es"
        company = hubspot.create_object(
            "companies",
            {
                "name": f"Cliente {i} S.L.",
                "domain": domain,
                "hubspot_owner_id": owners[i % len(owners)]["id"],
            },
            created_at=since,
        )
        email = f"compras@{domain}"
        hubspot.create_object(
            "contacts",
            {"firstname": "Ana", "lastname": f"Cliente{i}", "email": email, "hs_language": "es"},
            [("companies", company["id"], 1)],
            created_at=since,
        )
        org = zendesk.create_organization(f"Cliente {i} S.L.", [domain], created_at=since)
        user = zendesk.create_user(
            f"Ana Cliente{i}", email, locale="es", organization_id=org["id"], created_at=since
        )
        zendesk.create_ticket(
            {
                "subject": f"Queja {i}: el pedido llegó roto",
                "tags": ["queja"],
                "comment": {"body": "Quiero una solución hoy.", "public": True},
                "requester_id": user["id"],
            },
            created_at=now - timedelta(hours=2, minutes=rng.randint(0, 50)),
        )
    if bulk_tickets:
        seed_size(
            state,
            bulk_tickets,
            start=now - timedelta(days=120),
            end=now - timedelta(days=10),
            seed=seed,
        )
    return {
        "customers": customers,
        "bulk_tickets": bulk_tickets,
        "owners": [owner["id"] for owner in owners],
    }


def write_config(tmp: Path, sandbox_url: str, name: str = "momentos", batch_size: int = 5) -> Path:
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    data["store"] = {"path": str(tmp / f"{name}.db")}
    data["zendesk"]["base_url"] = data["hubspot"]["base_url"] = sandbox_url
    # The sandbox indexes at once here; the lookup waits a little anyway.
    data["hubspot"]["search_lag_seconds"] = 0.5
    data["dispatch"] = {"lease_seconds": 2.0, "batch_size": batch_size}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def child_env() -> dict[str, str]:
    env = {**os.environ, **TEST_SECRETS}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def copy_store(path: str, to: Path) -> str:
    """A consistent copy of the store (the WAL folded in by sqlite's backup)."""
    import sqlite3

    source, target = sqlite3.connect(path), sqlite3.connect(str(to))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return str(to)


@dataclass
class StageReport:
    """One stage's runs, kills and failed integrity checks."""

    stage: str
    runs: int = 0
    kills: int = 0
    integrity_failures: int = 0


def momentos(config: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "momentos", "--config", str(config), *args]
    return subprocess.Popen(
        command, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )


def kill_runs(
    config: Path,
    store_path: str,
    args: tuple[str, ...],
    kills: int,
    rng: random.Random,
    report: StageReport,
    kill_point: Callable[[subprocess.Popen, random.Random], bool],
) -> None:
    """Run `momentos ARGS` and SIGKILL it where `kill_point` says (it returns True once the
    child is past the point), `kills` times, checking the store's integrity after each;
    then run it once more to the end."""
    while report.kills < kills:
        process = momentos(config, *args)
        report.runs += 1
        if kill_point(process, rng) and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            report.kills += 1
        else:
            process.wait()
            if process.returncode not in (0, -signal.SIGKILL):
                raise RuntimeError(
                    f"momentos {' '.join(args)} failed: {process.stderr.read().decode()[-2000:]}"
                )
        process.stderr.close()
        if not _integrity_ok(store_path):
            report.integrity_failures += 1
    last = momentos(config, *args)
    report.runs += 1
    _, err = last.communicate(timeout=600)
    if last.returncode != 0:
        raise RuntimeError(f"the last momentos {' '.join(args)} failed: {err.decode()[-2000:]}")
    if not _integrity_ok(store_path):
        report.integrity_failures += 1


def _integrity_ok(store_path: str) -> bool:
    store = Store(store_path)
    try:
        return store.integrity_ok()
    finally:
        store.close()


def when_count_reaches(store_path: str, sql: str, target: int, jitter: float, timeout: float):
    """A kill point: once `sql` counts `target` or more (a commit seen), wait up to `jitter`
    seconds more (on the child) so that the kill lands anywhere in the next piece of work."""

    def point(process: subprocess.Popen, rng: random.Random) -> bool:
        waited = 0.0
        while process.poll() is None and waited < timeout:
            if _count(store_path, sql) >= target:
                try:
                    process.wait(timeout=rng.uniform(0, jitter))
                except subprocess.TimeoutExpired:
                    return True
                return False
            try:
                process.wait(timeout=WATCH_SECONDS)
            except subprocess.TimeoutExpired:
                waited += WATCH_SECONDS
        return False

    return point


def after_random_time(low: float, high: float):
    """A kill point at a random moment after the child starts."""

    def point(process: subprocess.Popen, rng: random.Random) -> bool:
        try:
            process.wait(timeout=rng.uniform(low, high))
        except subprocess.TimeoutExpired:
            return True
        return False

    return point


def _count(store_path: str, sql: str) -> int:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created or migrated yet
    finally:
        conn.close()
