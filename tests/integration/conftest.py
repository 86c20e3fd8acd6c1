"""Momentos and the sandbox on real sockets, wired to each other as in production."""

import pytest

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.serving import BackgroundServer
from momentos.store import Store
from server import create_app
from tests.conftest import TEST_SECRETS


@pytest.fixture
def live(make_settings):
    """(engine, sandbox server) with the sandbox's webhooks reaching Momentos' app."""
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxSettings

    clock = SystemClock()
    # The app's URL is known once it is bound, and the settings must name it: bind first,
    # then forward requests to the app built from those settings.
    built = {}
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
            )
            store = Store(settings.store["path"])
            built["app"] = create_app(settings, store, clock)
            yield Engine(settings, store, clock), sandbox
