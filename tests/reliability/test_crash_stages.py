"""Issue #12: SIGKILL a real `momentos` process at every stage of the path (polling,
deriving, renormalizing, planning, dispatching), restart it, and find nothing lost,
nothing doubled and the store intact. `bench/reliability_crash.py` runs it longer."""

import json
import logging
import random
from datetime import UTC, datetime, timedelta

from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.crashtest import crash_and_recover, outcome
from momentos.derive import derive_pending
from momentos.dispatcher import Dispatcher
from momentos.engine import Engine
from momentos.model import Action, ActionResult
from momentos.moments.context import rule_context
from momentos.planner import run_workflow
from momentos.store import Store
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from tests.conftest import TEST_SECRETS
from tests.reliability.helpers import duplicate_keys, integrity_ok
from tests.reliability.world import (
    StageReport,
    after_random_time,
    build_world,
    child_env,
    copy_store,
    kill_runs,
    when_count_reaches,
    write_config,
)

logger = logging.getLogger(__name__)

CUSTOMERS = 40
BULK_TICKETS = 500
KILLS = {"sync": 6, "derive": 5, "renormalize": 3, "plan": 4, "dispatch": 6}
EVENT_KEY = "tool, object_type, object_id, version"


def _keys(store: Store, sql: str) -> set[tuple]:
    return {tuple(row.values()) for row in store.db.query(sql)}


def _engine(path) -> Engine:
    settings = load_settings(path)
    return Engine(settings, Store(settings.store["path"]), SystemClock())


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
        # Each answer takes a while, so kills land between a page's answer and its commit.
        sandbox.state.faults.latency_ms = 30
        config = write_config(tmp_path, sandbox.url)
        path = load_settings(config).store["path"]

        # Polling: the reference is one clean sync into another store.
        reference = _engine(write_config(tmp_path, sandbox.url, "reference"))
        reference.sync()
        expected_events = _keys(reference.store, f"SELECT {EVENT_KEY} FROM events")
        total = len(expected_events)
        report = reports["sync"] = StageReport("sync")
        targets = iter(sorted(rng.sample(range(1, total), kills["sync"])))
        points = [
            when_count_reaches(
                path, "SELECT COUNT(*) FROM events", next(targets), jitter=0.15, timeout=60
            )
            for _ in range(kills["sync"])
        ]
        kill_runs(
            config,
            path,
            ("sync",),
            kills["sync"],
            rng,
            report,
            lambda process, r: points[report.kills](process, r),
        )
        store = Store(path)
        found["events"] = _keys(store, f"SELECT {EVENT_KEY} FROM events")
        found["expected_events"] = expected_events
        found["event_duplicates"] = duplicate_keys(store, "events", EVENT_KEY)

        # Deriving (`momentos renormalize` derives what is pending first, an event a commit).
        before_derive = copy_store(path, tmp_path / "before-derive.db")
        ref = _derived_reference(before_derive, config)
        report = reports["derive"] = StageReport("derive")
        targets = iter(sorted(rng.sample(range(1, total), kills["derive"])))
        points = [
            when_count_reaches(
                path,
                "SELECT COUNT(*) FROM events WHERE derived = 1",
                next(targets),
                jitter=0.05,
                timeout=60,
            )
            for _ in range(kills["derive"])
        ]
        kill_runs(
            config,
            path,
            ("renormalize",),
            kills["derive"],
            rng,
            report,
            lambda process, r: points[report.kills](process, r),
        )
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

        def renormalize_point(process, r):
            killed = after_random_time(0.4, 1.8)(process, r)
            counts.append(store.total("moments"))
            return killed

        kill_runs(
            config, path, ("renormalize",), kills["renormalize"], rng, report, renormalize_point
        )
        found["renormalize_partial"] = [
            n for n in counts if n not in (len(keys) - len(lost), len(keys))
        ]
        found["renormalized"] = _keys(store, "SELECT key, type, object_id FROM moments")

        # Planning: `momentos run complaint_followup` enqueues in one transaction.
        before_plan = copy_store(path, tmp_path / "before-plan.db")
        expected_actions = _planned_reference(before_plan, config)
        report = reports["plan"] = StageReport("plan")
        kill_runs(
            config,
            path,
            ("run", "complaint_followup"),
            kills["plan"],
            rng,
            report,
            after_random_time(0.3, 1.1),
        )
        found["actions"] = _keys(store, "SELECT key FROM actions")
        found["expected_actions"] = expected_actions
        found["unfinished_runs"] = _count(store, "workflow_runs WHERE finished_at IS NULL")

        # Dispatching (momentos/crashtest.py, as in tests/integration/test_crash_dispatch.py),
        # with slower answers so that most kills come before the drain ends.
        sandbox.state.faults.latency_ms = 120
        crash = crash_and_recover(
            config, path, child_env(), kills["dispatch"], rng, window=(0.5, 1.5)
        )
        crash = outcome(crash, store, sandbox.url, TEST_SECRETS["HUBSPOT_TOKEN"])
        reports["dispatch"] = StageReport(
            "dispatch",
            runs=crash.runs,
            kills=crash.kills,
            integrity_failures=crash.integrity_failures,
        )
        found["dispatch"] = crash
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
    summary = {name: (r.runs, r.kills, r.integrity_failures) for name, r in reports.items()}
    logger.info("kills: %s", json.dumps(summary))

    assert all(r.kills >= KILLS[name] // 2 for name, r in reports.items()), summary
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
