"""Dispatch against the sandbox (issue #11): actions/s and API calls per 1,000 actions.

`python bench/dispatch.py [--actions 1000]`

The sandbox (rate limits off) runs in this process. For each tool, N actions are put in
the outbox of a fresh store (HubSpot tasks shaped as complaint_followup plans them, or
Zendesk tickets as repeat_request plans them) and sent by one `Dispatcher.drain()` with
the default claim (`dispatch.batch_size`), as `momentos dispatch` sends them. Every request
the sandbox serves counts as a call: batch creates, Zendesk job-status polls, the first
run's property check.
Prints; asserts nothing.
"""

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.backfill import Recorder  # noqa: E402
from bench.measure import Row, demo_config, print_rows  # noqa: E402
from momentos.clock import SystemClock  # noqa: E402
from momentos.config import load_settings  # noqa: E402
from momentos.crashtest import planned_tasks  # noqa: E402
from momentos.engine import Engine  # noqa: E402
from momentos.model import Action  # noqa: E402
from momentos.store import Store  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.settings_env import settings_from_env  # noqa: E402

CALLS_GOAL = 10  # per 1,000 actions


def planned_tickets(n: int) -> list[Action]:
    """Internal Zendesk tickets shaped as repeat_request plans them, with distinct keys."""
    return [
        Action(key=f"bench:ticket:{i:05d}", workflow="bench", tool="zendesk", kind="ticket",
               payload={"subject": f"Cliente {i}: tercera petición", "body": "Qué pasó:\n- x",
                        "public": False, "priority": "normal", "type": "problem",
                        "tags": ["repeat_request"], "group_id": None, "assignee_id": None})
        for i in range(n)
    ]  # fmt: skip


def dispatch(actions: list[Action], sandbox: SandboxServer, recorder: Recorder) -> dict:
    """Enqueue `actions` in a fresh store and drain them; what it took."""
    with tempfile.TemporaryDirectory() as tmp:
        tools = {"base_url": sandbox.url}
        settings = load_settings(demo_config(Path(tmp), zendesk=tools, hubspot=tools))
        store = Store(settings.store["path"])
        store.enqueue(actions, datetime.now(UTC))
        engine = Engine(settings, store, SystemClock())
        recorder.calls.clear()
        started = time.perf_counter()
        engine.dispatcher.drain()
        seconds = time.perf_counter() - started
        states = store.counts("actions", "state")
        store.close()
    paths = Counter(re.sub(r"/[0-9a-f]{6,}", "/{id}", path) for _, _, path in recorder.calls)
    return {"n": len(actions), "seconds": seconds, "calls": len(recorder.calls),
            "paths": paths, "states": states, "claim": settings.dispatch["batch_size"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000, help="per tool")
    args = parser.parse_args()
    with SandboxServer(settings_from_env(rate_limits=False)) as sandbox:
        recorder = Recorder(sandbox.app.wsgi_app)
        sandbox.app.wsgi_app = recorder
        owner = sandbox.state.hubspot.create_owner("rep@momentos-demo.example", "Ana", "Rep")
        results = {
            "HubSpot tasks": dispatch(planned_tasks(args.actions, owner["id"]), sandbox, recorder),
            "Zendesk tickets": dispatch(planned_tickets(args.actions), sandbox, recorder),
        }
    rows = []
    for what, r in results.items():
        # HubSpot's `momentos_key` property is checked once per install, not per batch.
        once = sum(count for path, count in r["paths"].items() if "/properties/" in path)
        per_1000 = (r["calls"] - once) * 1000 / r["n"]
        print(f"{what:<16} {r['n']:,} actions in {r['seconds']:.1f} s: "
              f"{r['n'] / r['seconds']:,.0f} actions/s, {r['calls']} calls, {once} of them "
              f"once per install ({per_1000:.1f} per 1,000 after), "
              f"outbox {r['states']}")  # fmt: skip
        for path, count in r["paths"].most_common():
            print(f"{'':>18}{count:5} {path}")
        rows.append(Row(f"dispatch, {what} (claims of {r['claim']:,})", f"{r['n']:,} actions",
                        f"{r['n'] / r['seconds']:,.0f} actions/s, {per_1000:.0f} calls per 1,000"
                        + (f" (+{once} once per install)" if once else ""),
                        f"{CALLS_GOAL} calls per 1,000", per_1000 <= CALLS_GOAL))  # fmt: skip
    print_rows(rows)


if __name__ == "__main__":
    main()
