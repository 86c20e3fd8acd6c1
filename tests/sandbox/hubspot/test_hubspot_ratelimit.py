"""The ten-second burst limit: headers on every non-search answer, then HubSpot's 429."""

from datetime import timedelta

import pytest

from sandbox.state import SandboxSettings


@pytest.fixture
def sandbox_settings():
    return SandboxSettings(hubspot_requests_per_10s=3)


def test_headers_count_down_then_burst_429(api, sandbox, monkeypatch):
    frozen = sandbox.state.clock.now()
    monkeypatch.setattr(sandbox.state.clock, "now", lambda: frozen)
    answers = [api.get("/crm/v3/objects/contacts") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-HubSpot-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    first = answers[0].headers
    assert first["X-HubSpot-RateLimit-Max"] == "3"
    assert first["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert int(first["X-HubSpot-RateLimit-Daily-Remaining"]) < int(
        first["X-HubSpot-RateLimit-Daily"]
    )
    limited = answers[-1]
    assert limited.headers["Retry-After"] == "10"
    body = limited.json()
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["correlationId"]

    monkeypatch.setattr(sandbox.state.clock, "now", lambda: frozen + timedelta(seconds=10))
    assert api.get("/crm/v3/objects/contacts").status_code == 200


def test_limits_can_be_switched_off(api, sandbox):
    sandbox.state.settings.rate_limits = False
    answers = [api.get("/crm/v3/owners") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert "X-HubSpot-RateLimit-Max" not in answers[-1].headers


def test_storm_fault_uses_the_burst_body(api, sandbox):
    sandbox.state.faults.storm_429 = True
    response = api.get("/crm/v3/objects/contacts")
    assert response.status_code == 429
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert response.headers["Retry-After"] == "1"
