"""Issue #12: every public endpoint is rate-limited per client. The survey page and the
login form count every request (their own settings); the webhooks and the JSON API count
refusals only, so a tool's good deliveries are never held up; /healthz and /metrics count
every call, generously. Past a limit the answer is 429 with a Retry-After, before the body
is read, and another client is not affected."""

from datetime import timedelta

import pytest

from momentos.clock import FrozenClock
from momentos.store import Store
from momentos.surveys.tokens import Survey, Tokens
from server import create_app
from tests.reliability.helpers import NOW, zendesk_headers, zendesk_ticket_body
from tests.web.conftest import UI_SECRETS, login

SURVEY_KEY = "rate-limit-survey-key-0123456789abcdef"
LIMIT = 5
OTHER = {"REMOTE_ADDR": "10.9.8.7"}


@pytest.fixture
def app(make_settings, monkeypatch):
    for name, value in {**UI_SECRETS, "MOMENTOS_SURVEY_KEY": SURVEY_KEY}.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(
        surveys={"rate_limit": f"{LIMIT} per minute"},
        ui={"login_rate_limit": f"{LIMIT} per minute"},
    )
    application = create_app(settings, Store(settings.store["path"]), FrozenClock(NOW))
    application.config["RATE_LIMITS"] = {"refused": f"{LIMIT} per minute", "probes": "8/minute"}
    return application


def _survey_url(app) -> str:
    survey = Survey("survey_mail:zendesk:ticket:1", None, "1", ("zendesk", "user", "501"),
                    "nps", "es")  # fmt: skip
    return "/survey/" + Tokens(SURVEY_KEY, app.config["CLOCK"], timedelta(days=1)).sign(survey)


def _limited(send, limit: int) -> list[int]:
    """The statuses of limit + 2 calls."""
    return [send().status_code for _ in range(limit + 2)]


def test_every_public_endpoint_answers_429_past_its_limit(app):
    client = app.test_client()
    bad = zendesk_ticket_body(1, 501, NOW)
    unsigned = {"Content-Type": "application/json"}
    survey = _survey_url(app)
    calls = {
        "webhook, refused": lambda: client.post("/webhooks/zendesk", data=bad, headers=unsigned),
        "api, no token": lambda: client.get("/api/actions"),
        "survey page": lambda: client.get(survey),
        "login": lambda: login(client, "a guess"),
        "health": lambda: client.get("/healthz"),
        "metrics": lambda: client.get("/metrics"),
    }
    seen = {name: _limited(send, 8 if name in ("health", "metrics") else LIMIT)
            for name, send in calls.items()}  # fmt: skip
    for name, statuses in seen.items():
        assert 429 not in statuses[:-2] and statuses[-2:] == [429, 429], (name, statuses)
    limited = client.get("/api/actions")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"]["status"] == 429  # the one error shape
    # Another client is not held up by the first one's refusals.
    good = zendesk_ticket_body(2, 501, NOW - timedelta(minutes=1))
    other = client.post(
        "/webhooks/zendesk", data=good, headers=zendesk_headers(good), environ_base=OTHER
    )
    assert other.status_code == 200
    assert client.get("/healthz", environ_base=OTHER).status_code in (200, 503)


def test_good_deliveries_and_authorized_calls_are_never_counted(app):
    """A tool's bursts and retries: many good deliveries at once are all taken; so are
    many calls with the API token, even those that fail."""
    client = app.test_client()
    for n in range(4 * LIMIT):
        body = zendesk_ticket_body(100 + n, 501, NOW - timedelta(seconds=n))
        response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
        assert response.status_code == 200
    token = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
    # A script's own mistakes (a customer that does not exist, a bad page) are not refusals.
    for _ in range(2 * LIMIT):
        assert client.get("/api/customers/999999/timeline", headers=token).status_code == 404
        assert client.get("/api/actions?page=x", headers=token).status_code == 400
    assert [client.get("/api/actions", headers=token).status_code for _ in range(4 * LIMIT)] == [
        200
    ] * (4 * LIMIT)
    assert app.config["STORE"].total("events") == 4 * LIMIT


def test_a_client_over_the_webhook_limit_is_refused_before_its_body_is_read(app):
    """Refusals at either webhook count for both."""
    client = app.test_client()
    for _ in range(LIMIT):
        assert client.post("/webhooks/hubspot", data=b"[]").status_code == 401
    body = zendesk_ticket_body(7, 501, NOW - timedelta(minutes=1))
    response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    # Even a good one, from this client, until the window passes: no signature is checked.
    assert response.status_code == 429
    assert app.config["STORE"].total("events") == 0
