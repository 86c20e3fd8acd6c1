"""/healthz names each problem, answers 503 for any, and reads indexes only; and
`momentos serve` runs it under gunicorn and stops cleanly on SIGTERM."""

import json
import os
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError

import pytest

from connectors.timefmt import format_iso
from momentos.clock import FrozenClock
from momentos.store import Store
from server import create_app
from tests.test_server import TICKET_CREATED, zendesk_post

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
SMALL_TABLES = {"cursors", "_sqlite_migrations", "sqlite_master", "CONSTANT"}  # a few rows each


@pytest.fixture
def make_app(make_settings):
    def make(**overrides):
        settings = make_settings(**overrides)
        return create_app(settings, Store(settings.store["path"]), FrozenClock(NOW))

    return make


def health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def polled(store, stream: str, ago: timedelta) -> None:
    store.add_events([], source="poll", received_at=NOW - ago, cursor=(stream, "c"))


def due(store, key: str, ago: timedelta) -> None:
    from tests.momentos.test_dispatcher import task

    store.enqueue([replace(task(0), key=key)], NOW - ago)


def test_a_fresh_install_is_healthy_and_says_what_it_checked(make_app):
    status, body = health(make_app())
    assert status == 200
    assert (body["ok"], body["problems"]) == (True, [])
    assert body["streams"]["zendesk:tickets"] is None  # never polled yet
    assert body["backlog"] == {"overdue": 0, "oldest_due_at": None}
    assert body["webhook_age_seconds"] == {"zendesk": None, "hubspot": None}


def test_an_unreachable_store_is_named(make_app, monkeypatch):
    app = make_app()

    def broken():
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(app.config["STORE"], "ping", broken)
    assert health(app) == (
        503,
        {"ok": False, "problems": ["store: OperationalError: disk I/O error"]},
    )


def test_a_store_missing_a_migration_is_named(make_app):
    app = make_app()
    store = app.config["STORE"]
    [last] = store.db.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid DESC LIMIT 1")
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [last[0]])
    status, body = health(app)
    assert status == 503
    assert body["problems"] == [
        f"schema: 1 migration(s) not applied: {last[0]} (restart a momentos process to migrate)"
    ]


def test_a_stream_lagging_past_the_configured_limit_is_named(make_app):
    app = make_app(polling={"interval_seconds": 30, "max_lag_seconds": 300})
    store = app.config["STORE"]
    polled(store, "zendesk:tickets", timedelta(seconds=301))
    polled(store, "hubspot:contacts", timedelta(seconds=299))
    status, body = health(app)
    assert status == 503
    assert body["problems"] == ["polling: zendesk:tickets has not moved for 301s (limit 300s)"]
    assert (body["streams"]["zendesk:tickets"], body["streams"]["hubspot:contacts"]) == (301, 299)


def test_actions_due_too_long_ago_are_a_backlog(make_app):
    app = make_app(dispatch={"max_backlog_minutes": 15})
    store = app.config["STORE"]
    due(store, "old", timedelta(minutes=16))
    due(store, "recent", timedelta(minutes=14))
    status, body = health(app)
    assert status == 503
    oldest = format_iso(NOW - timedelta(minutes=16))
    assert body["backlog"]["overdue"] == 1
    assert body["problems"] == [
        f"dispatch: 1 action(s) due for more than 15 minutes (oldest due "
        f"{body['backlog']['oldest_due_at']}); is the worker running?"
    ]
    assert body["backlog"]["oldest_due_at"].startswith(oldest[:19])


def test_the_last_webhook_age_is_informational(make_app):
    app = make_app()
    zendesk_post(app.test_client(), json.dumps(TICKET_CREATED).encode())
    app.config["CLOCK"].advance(3 * 24 * 3600)  # a quiet weekend is not a problem
    status, body = health(app)
    assert status == 200
    assert body["webhook_age_seconds"] == {"zendesk": 3 * 24 * 3600.0, "hubspot": None}


def test_health_reads_indexes_not_whole_tables(make_app):
    app = make_app()
    store = app.config["STORE"]
    for n in range(3):
        due(store, f"k{n}", timedelta(minutes=n))
    statements = []
    store.db.conn.set_trace_callback(statements.append)
    health(app)
    store.db.conn.set_trace_callback(None)
    plans = [
        detail
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        for *_, detail in store.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    ]
    scans = [p for p in plans if p.startswith("SCAN") and p.split()[1] not in SMALL_TABLES]
    assert plans and scans == []


# `momentos serve` for real: gunicorn on a free port, /healthz, /metrics, SIGTERM. --------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_until(proc, needle: str, deadline: float) -> list[str]:
    """stderr lines up to the one containing `needle` (select, so a hang fails, not blocks)."""
    lines, selector = [], selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no {needle!r} from momentos serve; it said: {''.join(lines)}")


@pytest.mark.integration
def test_momentos_serve_runs_gunicorn_answers_and_stops_cleanly(make_settings, tmp_path):
    port = free_port()
    web = {"host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}",
           "workers": 2, "threads": 2}  # fmt: skip
    settings = make_settings(web=web)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "momentos", "--config", str(settings.source),
               "--log-level", "INFO", "serve"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = read_until(proc, "Listening at", time.monotonic() + 30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert (answer.status, json.load(answer)["ok"]) == (200, True)
        for _ in range(4):  # refused deliveries, answered by whichever worker
            with pytest.raises(HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/webhooks/zendesk", data=b"{}", method="POST"
                ), timeout=10)  # fmt: skip
            refused.value.close()
            assert refused.value.code == 401
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            exposition = answer.read().decode()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        lines += proc.stderr.readlines()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    # Every worker's count, added up from the files beside the store.
    assert 'momentos_webhook_rejections_total{reason="missing",tool="zendesk"} 4.0' in exposition
    # Named by host and pid: containers sharing the directory never write one file.
    files = [path.name for path in (tmp_path / "metrics").iterdir()]
    assert files and all(name.split("_", 1)[1].startswith(socket.gethostname()) for name in files)
    records = [json.loads(line) for line in lines]
    assert any("Shutting down" in record["message"] for record in records)
    assert {record["logger"] for record in records} >= {"gunicorn.error"}


def test_gunicorn_defaults_are_sized_and_bounded():
    from momentos import wsgi

    options = wsgi.options({"host": "0.0.0.0", "port": 8000, "workers": None, "threads": 4,
                            "timeout": 30}, "INFO")  # fmt: skip
    assert (options["bind"], options["worker_class"], options["loglevel"]) == (
        "0.0.0.0:8000", "gthread", "info"
    )  # fmt: skip
    assert options["workers"] == wsgi.default_workers()
    assert (wsgi.default_workers(1), wsgi.default_workers(64)) == (3, wsgi.MAX_WORKERS)
    assert options["accesslog"] is None  # request lines carry query strings
    assert (options["limit_request_line"], options["limit_request_fields"]) == (4094, 64)
    assert (
        wsgi.options({"host": "h", "port": 1, "workers": 2, "threads": 1, "timeout": 5})["workers"]
        == 2
    )


def test_the_wsgi_factory_reads_momentos_config(make_settings, monkeypatch):
    from momentos import wsgi

    settings = make_settings()
    monkeypatch.setenv("MOMENTOS_CONFIG", str(settings.source))
    app = wsgi.app()
    assert app.config["SETTINGS"].store == settings.store
    assert app.test_client().get("/healthz").status_code == 200
