"""Survey fixtures: a real SMTP server on a free port, a signing key, settings that use both."""

from datetime import UTC, datetime

import pytest

from momentos.clock import FrozenClock
from sandbox.mail import Mailbox, SmtpServer

SURVEY_KEY = "test-survey-key-0123456789-do-not-use"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Madrid


@pytest.fixture
def survey_key(monkeypatch):
    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", SURVEY_KEY)
    return SURVEY_KEY


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def smtp(clock):
    """The sandbox's SMTP server (aiosmtpd) on 127.0.0.1:<free port>; its mailbox."""
    mailbox = Mailbox(clock.now)
    server = SmtpServer(mailbox, port=0).start()
    mailbox.port = server.port
    yield mailbox
    server.stop()


@pytest.fixture
def survey_settings(make_settings, survey_key, smtp):
    """Settings sending mail to the test's SMTP server, with a 30-minute answer window."""

    def make(**overrides):
        mail = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
            "from_address": "encuestas@acme.example",
            "from_name": "Acme",
        }
        surveys = {"answer_window_minutes": 30, "public_url": "https://surveys.acme.example"}
        return make_settings(
            mail={**mail, **overrides.pop("mail", {})},
            surveys={**surveys, **overrides.pop("surveys", {})},
            **overrides,
        )

    return make


@pytest.fixture
def survey_live(make_settings, survey_key):
    """(engine, sandbox, make_engine): Momentos and the sandbox on real sockets, wired as in
    production, with survey mail going to the sandbox's SMTP server."""
    from momentos.clock import SystemClock
    from momentos.engine import Engine
    from momentos.serving import BackgroundServer
    from momentos.store import Store
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxSettings
    from server import create_app
    from tests.conftest import TEST_SECRETS

    clock, built = SystemClock(), {}
    # The app's URL is known once it is bound, and the settings must name it.
    with BackgroundServer(lambda environ, start: built["app"](environ, start)) as web:
        sandbox_settings = SandboxSettings(
            zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
            zendesk_webhook_secret=TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"],
            hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
            hubspot_client_secret=TEST_SECRETS["HUBSPOT_APP_SECRET"],
            momentos_url=web.url,
        )
        with SandboxServer(sandbox_settings) as sandbox:
            settings = make_settings(
                zendesk_url=sandbox.url,
                hubspot_url=sandbox.url,
                web={"host": "127.0.0.1", "port": 0, "public_url": web.url},
                mail={
                    "host": "127.0.0.1",
                    "port": sandbox.smtp_port,
                    "security": "none",
                    "from_address": "encuestas@acme.example",
                    "from_name": "Acme",
                },
                surveys={"answer_window_minutes": 0},
                workflows={
                    "post_service_survey": {
                        "enabled": True,
                        "send_from": "00:00",
                        "send_until": "23:59:59",
                    },
                    "survey_followup": {"enabled": True},
                },
            )
            store = Store(settings.store["path"])
            built["app"] = create_app(settings, store, clock)
            yield Engine(settings, store, clock), sandbox
