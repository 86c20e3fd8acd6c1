"""Issue #12: SIGKILL a real `momentos` process at every stage of the path (polling,
deriving, renormalizing, planning, dispatching), restart it, and find nothing lost,
nothing doubled and the store intact. Kills land at exact kill points (before and after a
cursor commit, between the tool's 2xx and our commit: tests/reliability/killpoint.py) and,
in between, at random moments. `bench/reliability_crash.py` runs it at 1,000 actions."""

import json
import logging
import math
import random
from datetime import UTC, datetime, timedelta

from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.crashtest import CrashReport, outcome
from momentos.derive import derive_pending
from momentos.dispatcher import Dispatcher
from momentos.model import Action, ActionResult
from momentos.moments.context import rule_context
from momentos.planner import run_workflow
from momentos.store import Store
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from tests.conftest import TEST_SECRETS
from tests.reliability.helpers import duplicate_keys, integrity_ok
from tests.reliability.world import (
    KillPoint,
    StageReport,
    build_world,
    copy_store,
    count_commits,
    kill_runs,
    write_config,
)

logger = logging.getLogger(__name__)

CUSTOMERS = 40
BULK_TICKETS = 500
KILLS = {"sync": 4, "derive": 4, "renormalize": 2, "plan": 3, "dispatch": 6}
EVENT_KEY = "tool, object_type, object_id, version"
BATCH_SIZE = 5
# The statements each kill point watches for (momentos/store/): a page's events commit with
# their stream's cursor; an event is marked derived in the transaction that derives it; a
# run is recorded, then its actions enqueued at once; a claim, then one settle per action.
CURSOR, DERIVED, RUN, OUTBOX = (
    "INTO cursors",
    "SET derived = 1",
    "INTO workflow_runs",
    "INTO actions",
)
CLAIM, SETTLE = "SET state = 'in_flight'", "SET state = ?, remote_id"
# Where every kill point of the issue is: the test checks each was hit.
REQUIRED = {
    "sync": {"before a cursor commit", "after a cursor commit"},
    "derive": {"before a derived event commits", "after a derived event commits"},
    "plan": {"after the run is recorded", "before the outbox commit", "after the outbox commit"},
    "dispatch": {"after a claim commits", "between the tool's 2xx and our commit",
                 "after an outcome commits"},
}  # fmt: skip


def _keys(store: Store, sql: str) -> set[tuple]:
    return {tuple(row.values()) for row in store.db.query(sql)}


def _span(commits: int, kills: int) -> int:
    """Kill at a commit drawn from 1..span: about half the kills are at kill points, each
    moving the work on by span / 2 on average, so that they spread over its first half or
    so (random kills and the last run take the rest)."""
    return max(1, math.ceil(commits / max(1, kills // 2)))


def crash_every_stage(
    tmp_path, rng: random.Random, customers: int, bulk: int, kills: dict[str, int]
) -> dict:
    """The whole path with kills at each stage; returns the figures and the checks' inputs."""
    box_settings = SandboxSettings(
        zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        rate_limits=False,
        hubspot_search_lag_seconds=0,
    )
    reports, found = {}, {}
    with SandboxServer(box_settings) as sandbox:
        build_world(sandbox.state, customers, bulk)
        # Each answer takes a while, so random kills land inside requests too.
        sandbox.state.faults.latency_ms = 30
        config = write_config(tmp_path, sandbox.url, batch_size=BATCH_SIZE)
        path = load_settings(config).store["path"]

        # Polling: the reference is one clean sync into another store (its commits counted).
        reference = write_config(tmp_path, sandbox.url, "reference", batch_size=BATCH_SIZE)
        pages = count_commits(reference, ("sync",), KillPoint("count", CURSOR, False), tmp_path)
        expected_events = _keys(
            Store(load_settings(reference).store["path"]), f"SELECT {EVENT_KEY} FROM events"
        )
        span = _span(pages, kills["sync"])
        report = reports["sync"] = StageReport("sync")
        points = [
            KillPoint("before a cursor commit", CURSOR, True, span),
            KillPoint("after a cursor commit", CURSOR, False, span),
        ]
        kill_runs(config, path, ("sync",), kills["sync"], rng, report, points, (0.3, 2.0))
        store = Store(path)
        found["pages"] = pages
        found["events"] = _keys(store, f"SELECT {EVENT_KEY} FROM events")
        found["expected_events"] = expected_events
        found["event_duplicates"] = duplicate_keys(store, "events", EVENT_KEY)

        # Deriving (`momentos renormalize` derives what is pending first, an event a commit).
        before_derive = copy_store(path, tmp_path / "before-derive.db")
        ref = _derived_reference(before_derive, config)
        span = _span(len(expected_events), kills["derive"])
        report = reports["derive"] = StageReport("derive")
        points = [
            KillPoint("before a derived event commits", DERIVED, True, span),
            KillPoint("after a derived event commits", DERIVED, False, span),
        ]
        kill_runs(config, path, ("renormalize",), kills["derive"], rng, report, points, (0.3, 1.5))
        found["moments"] = _keys(store, "SELECT key, type, object_id FROM moments")
        found["expected_moments"] = ref["moments"]
        found["underived"] = store.total("events") - _count(store, "events WHERE derived = 1")
        found["customers"] = (store.total("customers"), ref["customers"])
        found["links"] = (_count(store, "customer_links"), ref["links"])

        # Renormalizing after a rule change (a fifth of the moments gone): one transaction,
        # so a kill leaves all of them or none restored.
        keys = sorted(k for k, *_ in found["moments"])
        lost = rng.sample(keys, len(keys) // 5)
        with store.transaction() as db:
            for key in lost:
                db.execute("DELETE FROM moments WHERE key = ?", [key])
        report = reports["renormalize"] = StageReport("renormalize")
        counts = []
        kill_runs(
            config,
            path,
            ("renormalize",),
            kills["renormalize"],
            rng,
            report,
            [KillPoint("before the restore commits", "INSERT INTO moments (", True)],
            (0.4, 1.8),
            after_each=lambda: counts.append(store.total("moments")),
        )
        found["renormalize_partial"] = [
            n for n in counts if n not in (len(keys) - len(lost), len(keys))
        ]
        found["renormalized"] = _keys(store, "SELECT key, type, object_id FROM moments")

        # Planning: `momentos run complaint_followup` enqueues in one transaction.
        before_plan = copy_store(path, tmp_path / "before-plan.db")
        expected_actions = _planned_reference(before_plan, config)
        report = reports["plan"] = StageReport("plan")
        points = [
            KillPoint("after the run is recorded", RUN, False),
            KillPoint("before the outbox commit", OUTBOX, True),
            KillPoint("after the outbox commit", OUTBOX, False),
        ]
        args = ("run", "complaint_followup")
        kill_runs(config, path, args, kills["plan"], rng, report, points, (0.3, 1.1))
        found["actions"] = _keys(store, "SELECT key FROM actions")
        found["expected_actions"] = expected_actions
        found["unfinished_runs"] = _count(store, "workflow_runs WHERE finished_at IS NULL")

        # Dispatching, with slower answers so that random kills come before the drain ends.
        sandbox.state.faults.latency_ms = 120
        actions = len(expected_actions)
        claims = _span(math.ceil(actions / BATCH_SIZE), kills["dispatch"])
        settles = _span(actions, kills["dispatch"])
        points = [
            KillPoint("after a claim commits", CLAIM, False, claims),
            KillPoint("between the tool's 2xx and our commit", SETTLE, True, settles),
            KillPoint("after an outcome commits", SETTLE, False, settles),
        ]
        report = reports["dispatch"] = StageReport("dispatch")
        args = ("dispatch", "--drain")
        kill_runs(config, path, args, kills["dispatch"], rng, report, points, (0.5, 1.5))
        crash = CrashReport(actions, kills=report.kills, runs=report.runs)
        found["dispatch"] = outcome(crash, store, sandbox.url, TEST_SECRETS["HUBSPOT_TOKEN"])
        found["integrity"] = integrity_ok(path)
        store.close()
    return {"reports": reports, **found}


def _count(store: Store, table_where: str) -> int:
    return store.db.execute(f"SELECT COUNT(*) FROM {table_where}").fetchone()[0]


def _derived_reference(path: str, config) -> dict:
    """Derive a copy of the store in this process, uninterrupted."""
    store = Store(path)
    derive_pending(store, rule_context(load_settings(config)), SystemClock())
    ref = {
        "moments": _keys(store, "SELECT key, type, object_id FROM moments"),
        "customers": store.total("customers"),
        "links": _count(store, "customer_links"),
    }
    store.close()
    return ref


def _planned_reference(path: str, config) -> set[tuple]:
    store = Store(path)
    result = run_workflow(store, load_settings(config), "complaint_followup", now=datetime.now(UTC))
    keys = {(key,) for key in result.enqueued}
    store.close()
    return keys


def test_kills_at_every_stage_lose_nothing_and_double_nothing(tmp_path, monkeypatch):
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    result = crash_every_stage(tmp_path, random.Random(12), CUSTOMERS, BULK_TICKETS, KILLS)
    reports = result["reports"]
    summary = {
        name: (r.runs, r.kills, r.integrity_failures, round(r.seconds))
        for name, r in reports.items()
    }
    logger.info("kills: %s", json.dumps(summary))
    landed = {name: dict(r.landed) for name, r in reports.items()}
    logger.info("kills by point: %s", json.dumps(landed))

    assert all(r.kills >= KILLS[name] // 2 for name, r in reports.items()), summary
    # Every kill point of the issue was hit at least once.
    assert all(REQUIRED[name] <= set(landed[name]) for name in REQUIRED), landed
    assert all(r.integrity_failures == 0 for r in reports.values()), summary
    assert result["integrity"]
    # Polling: exactly the events one clean sync gets, each once.
    assert result["event_duplicates"] == []
    assert result["events"] == result["expected_events"]
    # Deriving: every event derived, every moment once, the same customers.
    assert result["underived"] == 0
    assert result["moments"] == result["expected_moments"]
    assert result["customers"][0] == result["customers"][1]
    assert result["links"][0] == result["links"][1]
    # Renormalizing: all or nothing at each kill, everything back at the end.
    assert result["renormalize_partial"] == []
    assert result["renormalized"] == result["expected_moments"]
    # Planning: the same actions as an uninterrupted run, one per complaint.
    assert result["actions"] == result["expected_actions"]
    assert len(result["actions"]) == CUSTOMERS
    # Dispatching: exactly one task per action in the tool.
    crash = result["dispatch"]
    assert crash.duplicates == {}
    assert (crash.tasks_in_tool, crash.distinct_keys) == (CUSTOMERS, CUSTOMERS)
    assert crash.states == {"done": CUSTOMERS}


# A tool that cannot look an action up -----------------------------------------------------


class NoLookupSender:
    """A sender shaped like SMTP: it sends, and cannot say afterwards whether it did."""

    LOOKUP_LAG = None

    def __init__(self):
        self.sent: list[str] = []
        self.crash_after_send = False

    def create(self, actions: list[Action]) -> list[ActionResult]:
        self.sent += [a.key for a in actions]
        if self.crash_after_send:
            # The tool took it; the process dies before the outcome is committed.
            raise KeyboardInterrupt
        return [ActionResult(a.key, ok=True, remote_id=a.key, remote_url=None) for a in actions]

    def lookup(self, actions: list[Action]) -> dict[str, tuple[str, str]]:
        return {}


def test_an_action_a_tool_cannot_look_up_ends_in_review_never_sent_twice(make_settings):
    from momentos.clock import FrozenClock

    settings = make_settings()
    store = Store(settings.store["path"])
    clock = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    actions = [
        Action(
            key=f"survey:{i}",
            workflow="survey",
            tool="mail",
            kind="email",
            payload={"to": f"c{i}@example.com"},
        )
        for i in range(10)
    ]
    store.enqueue(actions, clock.now())
    sender = NoLookupSender()
    sender.crash_after_send = True
    try:
        Dispatcher(
            store, {"mail": sender}, clock, lease=timedelta(seconds=60), batch_size=4
        ).run_once()
    except KeyboardInterrupt:
        pass  # the "kill": four actions are in flight, sent, not settled
    store.close()

    store = Store(settings.store["path"])  # a new process: no memory of the above
    sender.crash_after_send = False
    clock.advance(61)
    report = Dispatcher(
        store, {"mail": sender}, clock, lease=timedelta(seconds=60), batch_size=4
    ).drain()

    states = store.counts("actions", "state")
    assert states == {"needs_review": 4, "done": 6}
    assert report.needs_review == 4 and report.resent == 0
    assert sorted(sender.sent) == sorted(a.key for a in actions)  # each sent exactly once
    reviewed = store.actions(states=["needs_review"])
    assert all(
        row["error"] == "the tool cannot tell whether this action happened" for row in reviewed
    )


def test_mail_cut_off_after_the_smtp_server_took_it_goes_to_review_not_out_again(
    make_settings, sandbox_settings
):
    """The same through the real mail sender (connectors/mail) and the sandbox's SMTP
    server: mail accepted by the server, then the process dies before committing; after
    the restart those actions wait for review, and each message exists once."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    from connectors.mail.actions import MailActions
    from connectors.mail.client import SmtpConfig
    from momentos.clock import FrozenClock
    from tests.reliability.inprocess import Killed

    def compose(action: Action) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"] = "encuestas@momentos.example", action.payload["to"]
        message["Subject"], message["Message-ID"] = action.key, make_msgid()
        message.set_content("¿Qué tal le atendimos?")
        return message

    class DiesAfterSending(MailActions):
        die = True

        def create(self, actions):
            results = super().create(actions)
            if self.die:
                raise Killed()
            return results

    settings = make_settings()
    clock = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    actions = [
        Action(
            key=f"survey:{i}",
            workflow="survey",
            tool="mail",
            kind="email",
            payload={"to": f"c{i}@example.com"},
        )
        for i in range(6)
    ]
    with SandboxServer(sandbox_settings) as sandbox:
        sender = DiesAfterSending(SmtpConfig("127.0.0.1", sandbox.smtp_port, "none"), compose)
        store = Store(settings.store["path"])
        store.enqueue(actions, clock.now())
        try:
            Dispatcher(store, {"mail": sender}, clock, batch_size=4).run_once()
        except Killed:
            pass
        store.close()
        store = Store(settings.store["path"])
        sender.die = False
        clock.advance(3600)
        Dispatcher(store, {"mail": sender}, clock, batch_size=4).drain()
        subjects = [message["subject"] for message in sandbox.state.mail.messages()]
    assert store.counts("actions", "state") == {"needs_review": 4, "done": 2}
    assert sorted(subjects) == sorted(a.key for a in actions)  # each once, none again
