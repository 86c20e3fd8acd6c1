"""Issue #7: SIGKILL a real dispatcher process at random points while it sends 200 tasks to
the sandbox, many times, restarting each time: exactly 200 tasks, none twice."""

import os
import random
from datetime import UTC, datetime

from momentos.crashtest import crash_and_recover, outcome, planned_tasks
from momentos.store import Store
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from tests.conftest import TEST_SECRETS

ACTIONS = 200
KILLS = 12


def test_kills_at_random_points_lose_nothing_and_double_nothing(make_settings):
    sandbox_settings = SandboxSettings(
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        rate_limits=False,
        hubspot_search_lag_seconds=0.5,
    )
    with SandboxServer(sandbox_settings) as sandbox:
        owner = sandbox.state.hubspot.create_owner("rep@momentos-demo.example", "Ana", "Rep")
        # Each answer takes a while, so many kills land between the tool's 2xx and our commit.
        sandbox.state.faults.latency_ms = 40
        settings = make_settings(
            zendesk_url=sandbox.url,
            hubspot_url=sandbox.url,
            hubspot={"search_lag_seconds": 1.0},
            dispatch={"lease_seconds": 2.0, "batch_size": 10},
        )
        store = Store(settings.store["path"])
        store.enqueue(planned_tasks(ACTIONS, owner["id"]), datetime.now(UTC))
        env = {**os.environ, **TEST_SECRETS}

        report = crash_and_recover(settings.source, settings.store["path"], env, KILLS,
                                   random.Random(7), window=(0.4, 1.6))  # fmt: skip
        report = outcome(report, store, sandbox.url, TEST_SECRETS["HUBSPOT_TOKEN"])

    assert report.kills >= KILLS // 2  # most runs were cut short, not finished
    assert report.integrity_failures == 0
    assert report.duplicates == {}
    assert (report.tasks_in_tool, report.distinct_keys) == (ACTIONS, ACTIONS)
    assert report.states == {"done": ACTIONS}
