"""Fixtures for the fake Zendesk: an authenticated client and a real webhook receiver."""

from datetime import timedelta

import pytest
import requests

from tests.receiver import Receiver


class ZendeskClient:
    """`requests` with the sandbox's API-token auth and `/api/v2` prefix."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.base = f"{sandbox.url}/api/v2"
        settings = sandbox.state.settings
        self.session = requests.Session()
        self.session.auth = (f"{settings.zendesk_agent_email}/token", settings.zendesk_api_token)

    def __getattr__(self, method):
        def call(path, **kwargs):
            url = path if path.startswith("http") else f"{self.base}{path}"
            return self.session.request(method.upper(), url, timeout=10, **kwargs)

        return call

    def create(self, **ticket):
        ticket.setdefault("comment", {"body": "Hello", "public": False})
        answer = self.post("/tickets.json", json={"ticket": ticket})
        assert answer.status_code == 201, answer.text
        return answer.json()["ticket"]

    def advance(self, seconds):
        """Move the sandbox clock on, instead of sleeping."""
        self.sandbox.state.clock.offset += timedelta(seconds=seconds)


@pytest.fixture
def zd(sandbox):
    client = ZendeskClient(sandbox)
    yield client
    client.session.close()


@pytest.fixture
def receiver():
    receiver = Receiver("/hooks/zendesk").start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def oas():
    """Zendesk's OpenAPI file, parsed and corrected once per test session (1.2 MB of YAML)."""
    from tests.sandbox.zendesk.oas import SPEC, Spec

    if not SPEC.exists():
        pytest.skip(f"Zendesk's OpenAPI file is not at {SPEC}")
    return Spec()
