"""Shared fixtures: a clean environment, a fresh sandbox on a real socket per test."""

import pytest
import responses
from responses import registries


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch):
    """Tests see no MOMENTOS_/ZENDESK_/HUBSPOT_ variables from the developer's shell."""
    import os

    for name in list(os.environ):
        if name.startswith(("MOMENTOS_", "ZENDESK_", "HUBSPOT_")):
            monkeypatch.delenv(name)


@pytest.fixture
def sandbox_settings():
    from sandbox.state import SandboxSettings

    return SandboxSettings()


@pytest.fixture
def sandbox(sandbox_settings):
    """An empty sandbox on 127.0.0.1:<free port>, stopped after the test."""
    from sandbox.server import SandboxServer

    with SandboxServer(sandbox_settings) as server:
        yield server


TEST_SECRETS = {
    "ZENDESK_API_TOKEN": "test-zendesk-token",
    "ZENDESK_WEBHOOK_SECRET": "test-zendesk-webhook-secret",
    "HUBSPOT_TOKEN": "test-hubspot-token",
    "HUBSPOT_APP_SECRET": "test-hubspot-app-secret",
}


@pytest.fixture
def make_settings(tmp_path, monkeypatch):
    """Settings loaded from a YAML file written for the test, through the real loader."""
    from pathlib import Path

    import yaml

    from momentos.config import load_settings

    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    base = yaml.safe_load((Path(__file__).parents[1] / "config" / "demo.yaml").read_text())

    def make(
        zendesk_url="https://acme.zendesk.com",
        hubspot_url="https://api.hubapi.com",
        hubspot=None,
        **overrides,
    ):
        data = {**base, **overrides}
        data["store"] = {"path": str(tmp_path / "momentos.db")}
        data["zendesk"] = {**base["zendesk"], "base_url": zendesk_url}
        data["hubspot"] = {**base["hubspot"], "base_url": hubspot_url, **(hubspot or {})}
        path = tmp_path / "momentos.yaml"
        path.write_text(yaml.safe_dump(data))
        return load_settings(path)

    return make


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def ordered():
    """Answers served in the order they were added: 429 then 200, 503 then 200."""
    with responses.RequestsMock(
        assert_all_requests_are_fired=True, registry=registries.OrderedRegistry
    ) as mock:
        yield mock
