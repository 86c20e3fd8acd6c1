"""Fixtures for the HubSpot sandbox: an authorised session, clock moves, a webhook receiver."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.receiver import Receiver


class Api:
    """`requests` against the sandbox with the private-app token; paths start at /crm."""

    def __init__(self, sandbox):
        self.url = sandbox.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {sandbox.state.settings.hubspot_token}"

    def get(self, path, **kwargs):
        return self.session.get(self.url + path, timeout=10, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.session.post(self.url + path, json=json, timeout=10, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.session.patch(self.url + path, json=json, timeout=10, **kwargs)

    def delete(self, path, **kwargs):
        return self.session.delete(self.url + path, timeout=10, **kwargs)


@pytest.fixture
def api(sandbox):
    client = Api(sandbox)
    yield client
    client.session.close()


@pytest.fixture
def hubspot(sandbox):
    """The HubSpot state itself, for seeding without HTTP."""
    return sandbox.state.hubspot


@pytest.fixture
def later(sandbox):
    """Move the sandbox clock forward, e.g. past the search index lag."""

    def move(seconds: float) -> None:
        sandbox.state.clock.offset += timedelta(seconds=seconds)

    return move


@pytest.fixture
def frozen_now(sandbox, monkeypatch):
    """Stop the sandbox clock at 2026-11-23T10:00:00Z, for exact dates in answers."""
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(sandbox.state.clock, "now", lambda: moment)
    return moment


@pytest.fixture
def indexed(sandbox, later):
    """Move past the search lag so everything written so far is searchable."""
    return lambda: later(sandbox.state.settings.hubspot_search_lag_seconds + 1)


@pytest.fixture
def receiver_factory(sandbox):
    started = []

    def start(statuses=()):
        # Escapes from HubSpot's decode table, so the v3 URI rule is exercised too.
        receiver = Receiver("/webhooks/hubspot?src=hub%3Aspot", statuses).start()
        started.append(receiver)
        sandbox.state.hubspot.set_webhook_target(receiver.url)
        # Retries in the sandbox come at once; HubSpot spreads them over a day.
        sandbox.state.hubspot.webhooks.retry_delays = (0.0,)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
