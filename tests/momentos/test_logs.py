"""JSON log lines with context, and no secret in them whatever path runs."""

import base64
import io
import json
import logging
from datetime import UTC, datetime

import pytest

from connectors.zendesk import poll as zendesk_poll
from momentos import engine as engine_module
from momentos import logs
from momentos.clock import FrozenClock
from momentos.engine import Engine
from momentos.store import Store
from momentos.streams import Stream
from server import create_app
from tests.test_server import HUBSPOT_EVENTS, TICKET_CREATED, hubspot_post, zendesk_post

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Recognizable values: any of them (or the Basic credentials built from one) in the log
# is a leak.
SECRETS = {
    "ZENDESK_API_TOKEN": "zd-token-SECRET-4f1c9a",
    "ZENDESK_WEBHOOK_SECRET": "zd-hook-SECRET-8b2e7d",
    "HUBSPOT_TOKEN": "hs-token-SECRET-3a9f0c",
    "HUBSPOT_APP_SECRET": "hs-app-SECRET-6d4b1e",
}
TICKETS = "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json"
TASKS = "https://api.hubapi.com/crm/v3/objects/tasks"


@pytest.fixture
def root_restored():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def engine(make_settings, monkeypatch):
    settings = make_settings()
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    engine = Engine(settings, Store(settings.store["path"]), FrozenClock(NOW))
    engine.senders["hubspot"]._provisioned.update({"tasks", "notes"})
    return engine


def run_webhooks(engine) -> None:
    client = create_app(engine.settings, engine.store, engine.clock).test_client()
    body = json.dumps(TICKET_CREATED).encode()
    assert zendesk_post(client, body, secret=SECRETS["ZENDESK_WEBHOOK_SECRET"]).status_code == 200
    assert zendesk_post(client, body, secret="wrong").status_code == 401
    hubspot = json.dumps(HUBSPOT_EVENTS).encode()
    assert hubspot_post(client, hubspot, secret=SECRETS["HUBSPOT_APP_SECRET"]).status_code == 200


def run_sync(engine, ordered, monkeypatch) -> None:
    def poll(stream, sources, cursor):
        return zendesk_poll.poll_tickets(sources.zendesk, cursor, 0)

    tickets = Stream("zendesk:tickets", "zendesk", "ticket", poll)
    monkeypatch.setattr(engine_module.streams, "select", lambda tool=None, off=(): (tickets,))
    ordered.get(TICKETS, status=429, headers={"Retry-After": "1"})
    page = {"tickets": [], "after_cursor": "c1", "end_of_stream": True}
    ordered.get(TICKETS, json=page)
    assert engine.sync("zendesk") == {"zendesk:tickets": 0}


def run_dispatch(engine, ordered) -> None:
    from tests.momentos.test_dispatcher import task

    engine.store.enqueue([task(1)], NOW)
    # A tool that echoes the credentials it got in its error: only redaction stops that.
    echo = {"message": f"token Bearer {SECRETS['HUBSPOT_TOKEN']} is overloaded"}
    ordered.post(f"{TASKS}/batch/create", status=503, json=echo)
    engine.dispatcher.run_once()


def test_webhook_sync_and_dispatch_log_no_secret_and_no_query(
    engine, ordered, monkeypatch, root_restored
):
    # Set up as the CLI does: after the environment holds the secrets.
    logs.setup("DEBUG")
    [handler] = logging.getLogger().handlers
    handler.setStream(io.StringIO())
    run_webhooks(engine)
    run_sync(engine, ordered, monkeypatch)
    run_dispatch(engine, ordered)
    err = handler.stream.getvalue()
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    basic = base64.b64encode(f"agent@acme.example/token:{SECRETS['ZENDESK_API_TOKEN']}".encode())
    for secret in [*SECRETS.values(), basic.decode(), "start_time=", "cursor=", "per_page="]:
        assert secret not in err
    [limited] = [line for line in lines if "-> 429" in line["message"]]
    assert (limited["tool"], limited["stream"], limited["attempt"]) == (
        "zendesk",
        "zendesk:tickets",
        1,
    )
    assert limited["path"] == "/api/v2/incremental/tickets/cursor.json"
    # The code itself logs no secret: only the tool's echo needed blanking.
    redacted = [line["message"] for line in lines if logs.REDACTED in json.dumps(line)]
    assert redacted and all("unknown outcome" in message for message in redacted)


def formatted(formatter: logging.Formatter, message: str, *args, **extra) -> dict:
    record = logging.LogRecord("momentos.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return json.loads(formatter.format(record))


def test_a_line_carries_its_context_and_extras_but_no_other_attribute():
    formatter = logs.JsonFormatter()
    with logs.context(workflow="complaint_followup", tool="hubspot"):
        with logs.context(key="k-1"):
            line = formatted(formatter, "sent %d", 3, attempt=2, body="{...}")
    assert line["message"] == "sent 3"
    assert (line["level"], line["logger"]) == ("warning", "momentos.test")
    assert {k: line[k] for k in ("workflow", "tool", "key", "attempt")} == {
        "workflow": "complaint_followup", "tool": "hubspot", "key": "k-1", "attempt": 2
    }  # fmt: skip
    assert "body" not in line
    assert "workflow" not in formatted(formatter, "outside the block")


@pytest.mark.parametrize(
    "text, clean",
    [
        ("GET https://x.io/a?hapikey=abc&x=1 no", "GET https://x.io/a?[query removed] no"),
        ("GET /api/v2/search.json?query=x", "GET /api/v2/search.json?[query removed]"),
        ("header Authorization: Bearer eyJhbGciOi.x.y", "header Authorization: Bearer [redacted]"),
        ("sent Basic YWdlbnQ6dG9rZW4= once", "sent Basic [redacted] once"),
        ("the secret zd-token-SECRET-4f1c9a leaked", "the secret [redacted] leaked"),
        ("is this ok? yes", "is this ok? yes"),
    ],
)  # fmt: skip
def test_the_redactor_blanks_queries_credentials_and_known_secrets(text, clean):
    assert logs.Redactor(["zd-token-SECRET-4f1c9a"])(text) == clean


def test_secret_values_are_taken_from_secret_looking_variables_only():
    environ = {"HUBSPOT_TOKEN": "long-enough-1", "MOMENTOS_SECRETS_KEY": "k" * 44,
               "HOME": "/home/someone-long", "SHORT_TOKEN": "abc"}  # fmt: skip
    assert logs.secret_values(environ) == {"long-enough-1", "k" * 44}


def test_setup_sends_json_lines_through_one_root_handler(root_restored):
    logs.setup("INFO")
    root = logging.getLogger()
    [handler] = root.handlers
    handler.setStream(io.StringIO())
    logging.getLogger("momentos.x").info("hello %s", "there", extra={"stream": "s"})
    line = json.loads(handler.stream.getvalue())
    assert (line["message"], line["stream"]) == ("hello there", "s")
