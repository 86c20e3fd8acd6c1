"""1,000 actions sent and history polled through 429 storms, 5xx, latency, timeouts and an
outage; print what was lost, doubled or sent before a Retry-After. The test
(tests/reliability/test_network_faults.py) sends 200.

`python bench/reliability_faults.py [ACTIONS]` (default 1000).
"""

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors import http  # noqa: E402
from tests.conftest import TEST_SECRETS  # noqa: E402
from tests.reliability import test_network_faults as faults  # noqa: E402


def main() -> None:
    actions = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    # The client's warnings (every 429 and 5xx) would bury the figures.
    logging.basicConfig(level=logging.ERROR)
    os.environ.update(TEST_SECRETS)
    http.TIMEOUT = faults.CLIENT_TIMEOUT
    faults.ACTIONS = actions
    faults.WAVE = max(20, actions // 10)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        f = faults.run_under_faults(
            Path(tmp), actions, seed=1, storm_seconds=300, faulty_seconds=3600
        )
    tasks, tickets = f["tasks"], f["tickets"]
    print(
        f"actions: {actions}; outbox {f['states']}; backlog when faults stopped "
        f"{f['backlog_when_faults_stopped']}, drained in {f['rounds'].get('clear', 0)} rounds"
    )
    print(
        f"HubSpot tasks: {sum(tasks.values())} for {len(tasks)} keys; Zendesk tickets: "
        f"{sum(tickets.values())} for {len(tickets)} keys"
    )
    print(
        f"requests: {f['requests']}; 429: {f['429s']}; 5xx: {f['5xx']}; no answer: "
        f"{f['no_answer']}; by phase {f['requests_by_phase']}"
    )
    waits = f["waits"]
    print(
        f"requests sent before a Retry-After ended: {len(f['early'])}; wait after a 429: "
        f"min {min(waits):.2f} s, median {sorted(waits)[len(waits) // 2]:.2f} s"
    )
    print(f"events polled: {f['events']}; missing against a clean poll: {len(f['missing_events'])}")
    hubspot = actions * 3 // 4
    ok = (
        f["states"] == {"done": actions}
        and sorted(tasks.values()) == [1] * hubspot
        and sorted(tickets.values()) == [1] * (actions - hubspot)
        and not f["early"]
        and not f["missing_events"]
    )
    print(f"wall time: {time.perf_counter() - started:.0f} s; {'OK' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
