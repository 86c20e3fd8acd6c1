"""Momentos and the sandbox on real sockets, wired to each other as in production."""

import threading

import pytest
from werkzeug.serving import make_server

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.store import Store
from server import create_app
from tests.conftest import TEST_SECRETS


class LiveApp:
    """Momentos' Flask app on 127.0.0.1:<free port> in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def live(make_settings, tmp_path):
    """(engine, sandbox server) with webhooks from the sandbox reaching Momentos."""
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxSettings

    clock = SystemClock()
    # The app must know its public URL before it starts, and the sandbox its target: bind
    # the app first on a free port, then load settings that name it.
    holder = {}
    app_server = LiveApp(create_app_lazy(holder))
    with app_server:
        sandbox_settings = SandboxSettings(
            zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
            zendesk_webhook_secret=TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"],
            hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
            hubspot_client_secret=TEST_SECRETS["HUBSPOT_APP_SECRET"],
            momentos_url=app_server.url,
        )
        with SandboxServer(sandbox_settings) as sandbox:
            settings = make_settings(
                zendesk_url=sandbox.url,
                hubspot_url=sandbox.url,
                web={"host": "127.0.0.1", "port": 0, "public_url": app_server.url},
            )
            store = Store(settings.store["path"])
            holder["app"] = create_app(settings, store, clock)
            yield Engine(settings, store, clock), sandbox


def create_app_lazy(holder):
    """A WSGI callable that forwards to the app once the test has built it."""

    def wsgi(environ, start_response):
        return holder["app"](environ, start_response)

    return wsgi
