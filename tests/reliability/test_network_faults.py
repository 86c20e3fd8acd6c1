"""Issue #12: 429 storms, 5xx, latency and timeouts on every sandbox endpoint while 200
actions are sent and history is polled: nothing lost or doubled, no request of a family
goes out before the Retry-After its 429 named, and the backlog drains once faults stop.
`bench/reliability_faults.py` runs 1,000 actions."""

import itertools
import logging
import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors import http
from momentos.config import load_settings
from momentos.crashtest import planned_tasks, tasks_by_key
from momentos.engine import Engine
from momentos.errors import MomentosError, RateLimited
from momentos.model import Action
from momentos.store import Store
from sandbox.faults import Faults
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from tests.conftest import TEST_SECRETS
from tests.reliability.helpers import VirtualClock
from tests.reliability.world import build_world, write_config

logger = logging.getLogger(__name__)

ACTIONS = 200
# Virtual seconds of each phase (the clock moves as the client waits).
STORM_SECONDS = 120.0
FAULTY_SECONDS = 600.0
DRAIN_ROUNDS = 20
WAVE = 20
LAST_WAVES = 2
DOWN_SECONDS = 60.0


def actions_left(states: dict[str, int]) -> int:
    return sum(n for state, n in states.items() if state in ("pending", "retry", "in_flight"))


ROUND_SECONDS = 5.0
# Short enough that a held answer costs a test little; the sandbox holds it longer.
CLIENT_TIMEOUT = (2.0, 0.25)
HANG_SECONDS = 0.5


@dataclass
class Sent:
    """One request as the client saw it: order and virtual time of sending and answer."""

    tool: str
    family: str
    sent_seq: int
    sent_at: datetime
    done_seq: int = 0
    done_at: datetime | None = None
    status: int | None = None
    retry_after: float | None = None


def family_of(tool: str, method: str, path: str) -> str:
    """The budget family a request draws from (connectors/*/client.py, poll.py, actions.py)."""
    if tool == "zendesk" and "/incremental/" in path:
        return "incremental"
    if tool == "hubspot" and path.split("?")[0].endswith("/search"):
        return "search"
    return "default"


class SendLog:
    """Wraps each client's session.send: every request's order and time, on both sides."""

    def __init__(self, clock):
        self.clock = clock
        self.sent: list[Sent] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def wrap(self, tool: str, session) -> None:
        original = session.send

        def send(request, **kwargs):
            from urllib.parse import urlsplit

            with self._lock:
                item = Sent(
                    tool,
                    family_of(tool, request.method, urlsplit(request.url).path),
                    next(self._seq),
                    self.clock.now(),
                )
                self.sent.append(item)
            try:
                response = original(request, **kwargs)
            except Exception:
                with self._lock:
                    item.done_seq, item.done_at = next(self._seq), self.clock.now()
                raise
            with self._lock:
                item.done_seq, item.done_at = next(self._seq), self.clock.now()
                item.status = response.status_code
                item.retry_after = http.retry_after_seconds(response.headers)
            return response

        session.send = send

    def early_requests(self) -> list[tuple[Sent, Sent]]:
        """(429, request) pairs where the request of the same tool and family was sent after
        the 429 was answered but before its Retry-After had passed."""
        early = []
        by_family = defaultdict(list)
        for item in self.sent:
            by_family[item.tool, item.family].append(item)
        for items in by_family.values():
            for refusal in (i for i in items if i.status == 429 and i.retry_after):
                until = refusal.done_at + timedelta(seconds=refusal.retry_after)
                early += [
                    (refusal, later)
                    for later in items
                    if later.sent_seq > refusal.done_seq and later.sent_at < until
                ]
        return early

    def waits_after_429(self) -> list[float]:
        """For each 429, seconds until the next request of its family was sent."""
        waits = []
        by_family = defaultdict(list)
        for item in self.sent:
            by_family[item.tool, item.family].append(item)
        for items in by_family.values():
            for refusal in (i for i in items if i.status == 429):
                later = [i for i in items if i.sent_seq > refusal.done_seq]
                if later:
                    waits.append((later[0].sent_at - refusal.done_at).total_seconds())
        return waits


def zendesk_tickets(n: int) -> list[Action]:
    return [
        Action(
            key=f"faults:ticket:{i:05d}",
            workflow="faults",
            tool="zendesk",
            kind="ticket",
            payload={
                "subject": f"Revisar el pedido {i}",
                "body": "Llamar al cliente.",
                "tags": ["momentos_test"],
            },
        )
        for i in range(n)
    ]


class FaultSchedule:
    """WSGI middleware before the sandbox: sets its faults by the virtual time, so a storm
    ends in the middle of whatever the client is doing, as a real one does."""

    def __init__(
        self, app, state, clock, phases: list[tuple[str, float, Faults]], on_clear=lambda: None
    ):
        self.app, self.state, self.clock, self.on_clear = app, state, clock, on_clear
        start, self.phases = clock.now(), []
        for name, seconds, faults in phases:
            start += timedelta(seconds=seconds)
            self.phases.append((name, start, faults))
        self.ends = start
        self.current: str | None = None
        self.requests: Counter = Counter()
        self._lock = threading.Lock()

    def phase(self) -> tuple[str, Faults]:
        now = self.clock.now()
        return next(
            ((name, faults) for name, until, faults in self.phases if now < until),
            ("clear", Faults()),
        )

    def __call__(self, environ, start_response):
        with self._lock:
            name, faults = self.phase()
            if name != self.current:
                self.state.set_faults(faults)
                self.current = name
                if name == "clear":
                    self.on_clear()
            self.requests[name] += 1
        return self.app(environ, start_response)


def run_under_faults(
    tmp_path,
    actions: int,
    seed: int,
    storm_seconds: float = STORM_SECONDS,
    faulty_seconds: float = FAULTY_SECONDS,
) -> dict:
    """The figures of one run: what was sent, polled, refused and found in the tools."""
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))
    box_settings = SandboxSettings(
        zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        rate_limits=False,
        hubspot_search_lag_seconds=0,
    )
    figures: dict = {"actions": actions}
    with SandboxServer(box_settings) as sandbox:
        sandbox.state.clock.now = clock.now  # one time for both sides: waits are exact
        world = build_world(sandbox.state, customers=20, bulk_tickets=200, seed=seed)
        config = write_config(tmp_path, sandbox.url, batch_size=20)
        settings = load_settings(config)
        engine = Engine(settings, Store(settings.store["path"]), clock)
        log = SendLog(clock)
        log.wrap("zendesk", engine.zendesk.session)
        log.wrap("hubspot", engine.hubspot.session)
        hubspot_count = actions * 3 // 4
        planned = planned_tasks(hubspot_count, world["owners"][0])
        planned += zendesk_tickets(actions - hubspot_count)
        random.Random(seed).shuffle(planned)
        # Workflows plan as time goes by: a wave of actions each round.
        waves = [planned[i : i + WAVE] for i in range(0, len(planned), WAVE)]

        def faults_stop():
            states = Store(settings.store["path"]).counts("actions", "state")
            figures["backlog_when_faults_stopped"] = actions_left(states)

        schedule = FaultSchedule(
            sandbox.app.wsgi_app,
            sandbox.state,
            clock,
            [
                ("storm", storm_seconds, Faults(storm_429=True, seed=seed)),
                (
                    "faulty",
                    faulty_seconds,
                    Faults(
                        error_rate=0.15,
                        timeout_rate=0.03,
                        latency_ms=2,
                        timeout_seconds=HANG_SECONDS,
                        seed=seed,
                    ),
                ),
                # Both tools down at the end, while the last waves are planned: a backlog.
                ("down", DOWN_SECONDS, Faults(error_rate=1.0, seed=seed)),
            ],
            on_clear=faults_stop,
        )
        sandbox.app.wsgi_app = schedule
        failures: Counter = Counter()
        rounds: Counter = Counter()
        while clock.now() < schedule.ends:
            phase = schedule.phase()[0]
            if waves and (len(waves) > LAST_WAVES or phase == "down"):
                engine.store.enqueue(waves.pop(0), clock.now())
            rounds[phase] += 1
            _round(engine, clock, failures, phase)
        while engine.store.next_due() is not None and rounds["clear"] < DRAIN_ROUNDS:
            rounds["clear"] += 1
            _round(engine, clock, failures, "clear")
        engine.sync()  # a clean poll after the faults, in the same store
        figures["rounds"] = dict(rounds)
        figures["requests_by_phase"] = dict(schedule.requests)
        figures["failures"] = dict(failures)
        figures["states"] = engine.store.counts("actions", "state")
        figures["injected"] = sandbox.state.stats.as_dict()["injected"]

        figures["tasks"] = tasks_by_key(sandbox.url, TEST_SECRETS["HUBSPOT_TOKEN"])
        figures["tickets"] = Counter(t["key"] for t in engine.senders["zendesk"].created())
        polled = _events(engine.store)
        reference = Engine(settings, Store(str(tmp_path / "reference.db")), clock)
        reference.sync()
        figures["missing_events"] = _events(reference.store) - polled
        figures["events"] = len(polled)
        figures["early"] = log.early_requests()
        figures["waits"] = log.waits_after_429()
        figures["requests"] = len(log.sent)
        figures["429s"] = sum(1 for s in log.sent if s.status == 429)
        figures["5xx"] = sum(1 for s in log.sent if s.status and s.status >= 500)
        figures["no_answer"] = sum(1 for s in log.sent if s.status is None)
        figures["virtual_seconds"] = clock.slept
    return figures


def _events(store: Store) -> set[tuple]:
    return {
        tuple(r.values())
        for r in store.db.query("SELECT tool, object_type, object_id, version FROM events")
    }


def _round(engine: Engine, clock: VirtualClock, failures: Counter, phase: str) -> None:
    """One worker cycle: poll, then dispatch, then let the scheduler's interval pass."""
    for step in (engine.sync, engine.dispatcher.run_once):
        try:
            step()
        except MomentosError as exc:
            failures[f"{phase}:{step.__name__}:{type(exc).__name__}"] += 1
    clock.advance(ROUND_SECONDS)


def test_faults_lose_nothing_double_nothing_and_honour_retry_after(tmp_path, monkeypatch):
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(http, "TIMEOUT", CLIENT_TIMEOUT)
    figures = run_under_faults(tmp_path, ACTIONS, seed=12)
    shown = ("tasks", "tickets", "early", "waits", "missing_events")
    logger.info("figures: %s", {k: v for k, v in figures.items() if k not in shown})

    hubspot_count = ACTIONS * 3 // 4
    assert figures["states"] == {"done": ACTIONS}
    assert sorted(figures["tasks"].values()) == [1] * hubspot_count
    assert sorted(figures["tickets"].values()) == [1] * (ACTIONS - hubspot_count)
    assert figures["missing_events"] == set()
    assert figures["early"] == []
    assert figures["429s"] > 50 and figures["5xx"] > 10 and figures["no_answer"] > 0
    assert min(figures["waits"]) >= 1.0  # the storm's Retry-After
    assert figures["backlog_when_faults_stopped"] >= LAST_WAVES * WAVE
    assert figures["rounds"].get("clear", 0) < DRAIN_ROUNDS


def test_retry_after_is_honoured_in_real_time(sandbox_settings, monkeypatch):
    """The same rule on the real clock: three attempts in a storm are a second apart."""
    import time

    from connectors.zendesk.client import ZendeskClient

    with SandboxServer(sandbox_settings) as sandbox:
        sandbox.state.set_faults(Faults(storm_429=True))
        client = ZendeskClient(
            sandbox.url, "a@b.example", sandbox_settings.zendesk_api_token, max_attempts=3
        )
        sent = []
        original = client.session.send

        def send(request, **kwargs):
            sent.append(time.monotonic())
            return original(request, **kwargs)

        client.session.send = send
        try:
            client.request("GET", "/api/v2/users/me.json")
        except RateLimited as exc:
            assert exc.retry_after == 1
        else:
            raise AssertionError("a storm answers 429")
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 3 and min(gaps) >= 1.0, gaps


def test_a_first_dispatch_that_fails_before_the_key_property_exists_recovers(tmp_path, monkeypatch):
    """Regression (found by the fault run above): the very first HubSpot send failed at
    creating `momentos_key` (a 503), so every row stayed in flight, and each lookup then
    searched a property that did not exist (400) and gave up: stuck for good."""
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))
    box_settings = SandboxSettings(
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"], rate_limits=False, hubspot_search_lag_seconds=0
    )
    with SandboxServer(box_settings) as sandbox:
        sandbox.state.clock.now = clock.now
        owner = sandbox.state.hubspot.create_owner("rep@example.com", "Ana", "Rep")["id"]
        settings = load_settings(write_config(tmp_path, sandbox.url, batch_size=20))
        engine = Engine(settings, Store(settings.store["path"]), clock)
        engine.store.enqueue(planned_tasks(10, owner), clock.now())
        sandbox.state.set_faults(Faults(error_rate=1.0, tools=["hubspot"]))
        engine.dispatcher.run_once()
        assert engine.store.counts("actions", "state") == {"in_flight": 10}
        sandbox.state.set_faults(Faults())
        engine.dispatcher.drain(deadline=clock.now() + timedelta(minutes=10))
        assert engine.store.counts("actions", "state") == {"done": 10}
        assert sorted(tasks_by_key(sandbox.url, TEST_SECRETS["HUBSPOT_TOKEN"]).values()) == [1] * 10
