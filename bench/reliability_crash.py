"""SIGKILL `momentos` at every stage (sync, derive, renormalize, plan, dispatch), 200 times
during a run of 1,000 actions (one complaint follow-up per customer); print what was found.
The test (tests/reliability/test_crash_stages.py) runs the same with 40 customers and 19
kills.

`python bench/reliability_crash.py [CUSTOMERS] [KILLS_PER_STAGE]` (defaults 1000, 40).
"""

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import TEST_SECRETS  # noqa: E402
from tests.reliability.test_crash_stages import crash_every_stage  # noqa: E402


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    os.environ.update(TEST_SECRETS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = crash_every_stage(
            Path(tmp),
            random.Random(1),
            customers,
            bulk=3000,
            kills={stage: kills for stage in ("sync", "derive", "renormalize", "plan", "dispatch")},
        )
    crash = result["dispatch"]
    reports = result["reports"]
    print("per stage: runs, kills, failed integrity checks, seconds; where the kills landed")
    for name, r in reports.items():
        print(f"  {name:12} {r.runs:4} {r.kills:4} {r.integrity_failures:3} {r.seconds:6.0f}  "
              f"{json.dumps(dict(r.landed), ensure_ascii=False)}")  # fmt: skip
    print(
        f"kills: {sum(r.kills for r in reports.values())}; integrity_check after each run: "
        f"{sum(r.integrity_failures for r in reports.values())} failed"
    )
    print(f"pages (cursor commits) in a clean sync: {result['pages']}")
    print(
        f"events:   {len(result['events'])} found, {len(result['expected_events'])} expected, "
        f"{len(result['event_duplicates'])} duplicated"
    )
    print(
        f"moments:  {len(result['moments'])} found, {len(result['expected_moments'])} expected,"
        f" {result['underived']} events not derived"
    )
    print(f"renormalize: {len(result['renormalize_partial'])} kills left a partial state")
    print(f"actions:  {len(result['actions'])} planned, {len(result['expected_actions'])} expected")
    print(
        f"tasks:    {crash.tasks_in_tool} in the tool, {crash.distinct_keys} distinct keys, "
        f"{len(crash.duplicates)} created twice; outbox {crash.states}"
    )
    ok = (
        result["events"] == result["expected_events"]
        and result["moments"] == result["expected_moments"]
        and result["renormalized"] == result["expected_moments"]
        and result["actions"] == result["expected_actions"]
        and not crash.duplicates
        and crash.tasks_in_tool == customers
        and crash.states == {"done": customers}
        and result["integrity"]
        and not any(r.integrity_failures for r in reports.values())
    )
    print(f"wall time: {time.perf_counter() - started:.0f} s; {'OK' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
