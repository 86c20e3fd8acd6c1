"""Shared fixtures: a clean environment, a fresh sandbox on a real socket per test."""

import pytest


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
