"""Issue #12: secrets canary. Recognizable secret values run through representative paths
(polling, webhooks good and bad, dispatch, a tool refusing the token, the web app, the
CLI); they appear in no log line, no stored row and no response."""

import base64
import functools
import json
import logging
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from momentos import logs
from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.crashtest import planned_tasks
from momentos.engine import Engine
from momentos.errors import MomentosError
from momentos.secrets import ZENDESK_WEBHOOK_SECRET, SecretBox
from momentos.store import Store
from momentos.surveys.mail import survey_tokens
from momentos.surveys.tokens import Survey
from sandbox.server import SandboxServer
from sandbox.state import SandboxSettings
from server import create_app
from tests.reliability.helpers import hubspot_body, hubspot_headers, zendesk_headers
from tests.reliability.helpers import zendesk_ticket_body as ticket_body
from tests.reliability.world import ROOT, build_world, write_config

CANARIES = {
    "ZENDESK_API_TOKEN": "canary-zd-token-7f3a9c21e4",
    "ZENDESK_WEBHOOK_SECRET": "canary-zd-hook-5b8e2d7a10",
    "HUBSPOT_TOKEN": "canary-hs-token-c4d19e6b33",
    "HUBSPOT_APP_SECRET": "canary-hs-secret-91a7f0e2c8",
    "MOMENTOS_API_TOKEN": "canary-api-token-3e6b8d1f52",
    "MOMENTOS_SECRET_KEY": "canary-session-key-a2c4e6f8b0",
    "MOMENTOS_ADMIN_PASSWORD": "canary-admin-password-d9f1b3",
    "MOMENTOS_SURVEY_KEY": "canary-survey-key-4e7a1c9d05b2",
}
STORED_WEBHOOK_SECRET = "canary-stored-hook-6c2e9a4f17"


def forms(value: str) -> set[str]:
    """The secret, and the forms it could leak in: base64 (Basic auth), JSON-escaped."""
    basic = base64.b64encode(f"admin@momentos-demo.example/token:{value}".encode()).decode()
    return {value, base64.b64encode(value.encode()).decode(), basic}


def _leaks(text: str, extra=()) -> list[str]:
    values = [*CANARIES.values(), STORED_WEBHOOK_SECRET, *extra]
    return [v for value in values for v in forms(value) if v in text]


def dump_store(path: str) -> str:
    """Every row of every table, as text."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))
    finally:
        conn.close()


@pytest.fixture
def captured_logs():
    """Everything logged at DEBUG, through the production JSON formatter and unformatted
    (so the check does not rely on the formatter's redaction alone)."""
    lines, raw = [], []

    class Keep(logging.Handler):
        def emit(self, record):
            raw.append(record.getMessage() + repr(record.args) + repr(record.__dict__))
            lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logs.JsonFormatter(logs.secret_values()))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lines, raw
    root.removeHandler(handler)
    root.setLevel(level)


def test_no_secret_reaches_a_log_a_row_or_a_response(tmp_path, monkeypatch, captured_logs):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", key)
    box = SandboxSettings(
        zendesk_api_token=CANARIES["ZENDESK_API_TOKEN"],
        zendesk_webhook_secret=CANARIES["ZENDESK_WEBHOOK_SECRET"],
        hubspot_token=CANARIES["HUBSPOT_TOKEN"],
        hubspot_client_secret=CANARIES["HUBSPOT_APP_SECRET"],
        rate_limits=False,
        hubspot_search_lag_seconds=0,
    )
    seen: list[str] = []
    with SandboxServer(box) as sandbox:
        world = build_world(sandbox.state, customers=5, bulk_tickets=20)
        config = write_config(tmp_path, sandbox.url)
        data = config.read_text() + "secrets_key_env: MOMENTOS_SECRETS_KEY\n"
        config.write_text(data)
        settings = load_settings(config)
        store = Store(settings.store["path"])
        # A secret learned at run time is kept encrypted (momentos/secrets.py).
        store.put_secret(
            ZENDESK_WEBHOOK_SECRET, SecretBox(key).seal(STORED_WEBHOOK_SECRET), datetime.now(UTC)
        )
        engine = Engine(settings, store, SystemClock())
        engine.sync()
        engine.derive()
        engine.store.enqueue(planned_tasks(3, world["owners"][0]), datetime.now(UTC))
        engine.dispatcher.drain()

        # A tool refusing the token: the error names the call, never the credential.
        sandbox.state.settings.hubspot_token = "another-token-entirely"
        try:
            engine.hubspot.request("GET", "/crm/v3/owners/", params={"hapikey": "x"})
        except MomentosError as exc:
            seen.append(str(exc) + repr(exc.__dict__))

        app = create_app(settings, store, SystemClock())
        client = app.test_client()
        now = datetime.now(UTC)
        body = ticket_body(777, 1, now - timedelta(minutes=1))
        for headers in (
            zendesk_headers(body, now, STORED_WEBHOOK_SECRET),
            zendesk_headers(body, now, CANARIES["ZENDESK_WEBHOOK_SECRET"]),
            zendesk_headers(body, now, "wrong"),
        ):
            seen.append(_answer(client.post("/webhooks/zendesk", data=body, headers=headers)))
        hub = hubspot_body(5, now)
        for secret in (CANARIES["HUBSPOT_APP_SECRET"], "wrong"):
            headers = hubspot_headers(hub, now, secret, public_url=settings.web["public_url"])
            seen.append(_answer(client.post("/webhooks/hubspot", data=hub, headers=headers)))
        for path in ("/healthz", "/metrics", "/api/actions", "/admin/login", "/admin/"):
            seen.append(_answer(client.get(path)))
            seen.append(
                _answer(
                    client.get(
                        path, headers={"Authorization": f"Bearer {CANARIES['MOMENTOS_API_TOKEN']}"}
                    )
                )
            )
        seen.append(
            _answer(
                client.post("/admin/login", data={"password": CANARIES["MOMENTOS_ADMIN_PASSWORD"]})
            )
        )
        # A survey link (signed with its key), opened and answered.
        survey = Survey("survey_mail:zendesk:ticket:1", None, "1", ("zendesk", "user", "1"),
                        "nps", "es")  # fmt: skip
        link = "/survey/" + survey_tokens(settings, SystemClock()).sign(survey)
        seen.append(_answer(client.get(link)))
        seen.append(_answer(client.post(link, data={"score": "9", "comment": "bien"})))
        store.close()

        # The command line, with the same environment: output and its own log lines.
        for args in (("check-config",), ("sync",), ("outbox",), ("dispatch",)):
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "momentos",
                    "--config",
                    str(config),
                    "--log-level",
                    "DEBUG",
                    *args,
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=120,
            )
            seen.append(result.stdout + result.stderr)

    lines, raw = captured_logs
    assert len(lines) > 20  # the paths above did log
    assert any(text.startswith("303 ") for text in seen)  # the survey was answered
    # The key that encrypts stored secrets is a secret too.
    leaks = functools.partial(_leaks, extra=[key])
    assert leaks("\n".join(lines)) == []
    assert leaks("\n".join(seen)) == []
    assert leaks(dump_store(settings.store["path"])) == []
    # The unformatted records carry none either: redaction is a second line, not the only.
    assert leaks("\n".join(raw)) == []


def _answer(response) -> str:
    """A response as a client sees it: status, headers (cookies too) and body."""
    return (
        f"{response.status} {json.dumps(dict(response.headers))} {response.get_data(as_text=True)}"
    )
