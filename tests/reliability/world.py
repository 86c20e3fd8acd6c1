"""A sandbox account to crash Momentos against: customers in both tools who complained a
couple of hours ago, plus a bulk of older generated tickets so that exports take pages.

Shared by tests/reliability/test_crash_stages.py and bench/reliability_crash.py, with the
runs that kill `momentos` at exact kill points (tests/reliability/killpoint.py) or at random
moments.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
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


def build_world(state: SandboxState, customers: int, bulk_tickets: int, seed: int = 12) -> dict:
    """Owners first (the first is the demo's fallback owner), then per customer a HubSpot
    company and contact and a Zendesk organization, user and complaint ticket."""
    now = state.clock.now()
    since = now - timedelta(days=200)
    hubspot, zendesk = state.hubspot, state.zendesk
    owners = [hubspot.create_owner(email, first, last) for email, first, last in OWNERS]
    rng = random.Random(seed)
    for i in range(customers):
        # A second apart: a time-based export cannot page past 1,000 records of one second.
        created = since + timedelta(seconds=i)
        domain = f"cliente{i}.example.es"
        company = hubspot.create_object(
            "companies",
            {
                "name": f"Cliente {i} S.L.",
                "domain": domain,
                "hubspot_owner_id": owners[i % len(owners)]["id"],
            },
            created_at=created,
        )
        email = f"compras@{domain}"
        hubspot.create_object(
            "contacts",
            {"firstname": "Ana", "lastname": f"Cliente{i}", "email": email, "hs_language": "es"},
            [("companies", company["id"], 1)],
            created_at=created,
        )
        org = zendesk.create_organization(f"Cliente {i} S.L.", [domain], created_at=created)
        user = zendesk.create_user(
            f"Ana Cliente{i}", email, locale="es", organization_id=org["id"], created_at=created
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


@dataclass(frozen=True)
class KillPoint:
    """An exact place to die (tests/reliability/killpoint.py): before or after the n-th
    commit writing `pattern`, n drawn from 1..span, so that kills spread over the work."""

    name: str
    pattern: str
    before: bool
    span: int = 1


@dataclass
class StageReport:
    """One stage's runs, kills (by where they landed) and failed integrity checks."""

    stage: str
    runs: int = 0
    kills: int = 0
    integrity_failures: int = 0
    landed: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def momentos(
    config: Path, *args: str, kill: KillPoint | None = None, nth: int = 0, count_file=None
) -> subprocess.Popen:
    """`momentos ARGS` in a child; with `kill`, through the kill-point launcher."""
    command = [sys.executable, "-m", "momentos", "--config", str(config), *args]
    if kill is not None:
        when = "before" if kill.before else "after"
        command[1:3] = ["-m", "tests.reliability.killpoint", kill.pattern, str(nth), when,
                        str(count_file or os.devnull), "--"]  # fmt: skip
    return subprocess.Popen(
        command, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )


def count_commits(config: Path, args: tuple[str, ...], point: KillPoint, tmp: Path) -> int:
    """Run `momentos ARGS` to the end and count its commits at `point` (no kill)."""
    count_file = tmp / "commits.txt"
    process = momentos(config, *args, kill=point, count_file=count_file)
    _, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"momentos {' '.join(args)} failed: {err.decode()[-2000:]}")
    return int(count_file.read_text())


def kill_runs(
    config: Path,
    store_path: str,
    args: tuple[str, ...],
    kills: int,
    rng: random.Random,
    report: StageReport,
    points: list[KillPoint],
    window: tuple[float, float] | None = None,
    after_each=lambda: None,
) -> None:
    """Run `momentos ARGS` and SIGKILL it, `kills` times: at the kill points in turn, and
    (with a `window`) every other time at a random moment instead, wherever it is (inside a
    request, between statements). After each run the store's integrity is checked and
    `after_each` called; then a last run goes to the end."""
    turn = chosen = 0
    started = time.perf_counter()
    while report.kills < kills and report.runs < 4 * kills:
        # Each kill point once first, so that every one is reached; then in turn.
        random_kill = window is not None and turn >= len(points) and turn % 2 == 1
        point = None if random_kill else points[chosen % len(points)]
        chosen += 0 if random_kill else 1
        turn += 1
        if point is None:
            process = momentos(config, *args)
            try:
                # The random moment of the kill: the child runs undisturbed until then.
                process.wait(timeout=rng.uniform(*window))
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        else:
            process = momentos(config, *args, kill=point, nth=rng.randint(1, point.span))
            process.wait()
        report.runs += 1
        if process.returncode == -signal.SIGKILL:
            report.kills += 1
            report.landed[point.name if point else "at a random moment"] += 1
        elif process.returncode != 0:
            raise RuntimeError(
                f"momentos {' '.join(args)} failed: {process.stderr.read().decode()[-2000:]}"
            )
        process.stderr.close()
        if not _integrity_ok(store_path):
            report.integrity_failures += 1
        after_each()
    last = momentos(config, *args)
    report.runs += 1
    _, err = last.communicate(timeout=600)
    if last.returncode != 0:
        raise RuntimeError(f"the last momentos {' '.join(args)} failed: {err.decode()[-2000:]}")
    if not _integrity_ok(store_path):
        report.integrity_failures += 1
    report.seconds = time.perf_counter() - started


def _integrity_ok(store_path: str) -> bool:
    store = Store(store_path)
    try:
        return store.integrity_ok()
    finally:
        store.close()
