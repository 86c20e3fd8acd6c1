"""SIGKILL the dispatcher 100 times while it sends 1,000 tasks to the sandbox; print counts.

`python bench/crash_dispatch.py [ACTIONS] [KILLS]` (defaults 1000, 100). The test
(tests/integration/test_crash_dispatch.py) runs the same at 200 actions and 12 kills.
"""

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import Row, print_rows  # noqa: E402
from momentos.config import load_settings  # noqa: E402
from momentos.crashtest import crash_and_recover, outcome, planned_tasks  # noqa: E402
from momentos.store import Store  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.settings_env import settings_from_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    actions = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    sandbox_settings = settings_from_env(rate_limits=False, hubspot_search_lag_seconds=0.5)
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(sandbox_settings) as sandbox:
        owner = sandbox.state.hubspot.create_owner("rep@momentos-demo.example", "Ana", "Rep")
        # Slow answers and small batches keep the dispatcher busy long enough for 100 kills.
        sandbox.state.faults.latency_ms = 150
        config = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
        config["store"] = {"path": str(Path(tmp) / "crash.db")}
        config["zendesk"]["base_url"] = config["hubspot"]["base_url"] = sandbox.url
        config["hubspot"]["search_lag_seconds"] = 1.0
        config["dispatch"] = {"lease_seconds": 2.0, "batch_size": 5}
        path = Path(tmp) / "crash.yaml"
        path.write_text(yaml.safe_dump(config))
        settings = load_settings(path)
        store = Store(settings.store["path"])
        store.enqueue(planned_tasks(actions, owner["id"]), datetime.now(UTC))
        started = time.perf_counter()
        report = crash_and_recover(path, settings.store["path"], dict(os.environ), kills,
                                   random.Random(1), window=(0.4, 1.6))  # fmt: skip
        report = outcome(report, store, sandbox.url, os.environ["HUBSPOT_TOKEN"])
        elapsed = time.perf_counter() - started
    print(f"actions planned:        {report.actions}")
    print(f"dispatcher runs:        {report.runs} ({report.kills} killed with SIGKILL)")
    print(f"tasks in the sandbox:   {report.tasks_in_tool} ({report.distinct_keys} distinct keys)")
    print(f"keys created twice:     {len(report.duplicates)}")
    print(f"outbox states:          {report.states}")
    print(f"integrity_check failed: {report.integrity_failures} times")
    print(f"wall time:              {elapsed:.0f} s")
    print_rows([Row(f"dispatch under SIGKILL ({report.kills} kills)", f"{actions:,} actions",
                    f"{len(report.duplicates)} created twice, {report.tasks_in_tool:,} tasks for "
                    f"{report.distinct_keys:,} keys", "0 created twice, none lost",
                    not report.duplicates and report.distinct_keys == actions)])  # fmt: skip


if __name__ == "__main__":
    main()
