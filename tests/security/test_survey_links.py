"""Issue #12: survey links are the survey page's only key. A tampered, forged, expired,
missing or other-purpose token opens nothing (a page with the right 4xx, never a 5xx);
whatever a form posts with a genuine token is a 2xx, 3xx or 4xx; an oversized form is a 413."""

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from momentos.clock import FrozenClock
from momentos.store import Store
from momentos.surveys.tokens import Survey, Tokens
from server import create_app

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = "survey-links-test-key-0123456789abcdef"
SURVEY = Survey(
    key="survey_mail:zendesk:ticket:1",
    customer_id=None,
    ticket_id="1",
    respondent=("zendesk", "user", "501"),
    scale="nps",
    language="es",
)


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def client(make_settings, monkeypatch, clock):
    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", KEY)
    config = make_settings(surveys={"rate_limit": "100000 per minute"})
    return create_app(config, Store(config.store["path"]), clock).test_client()


def _token(clock, key=KEY, survey=SURVEY) -> str:
    return Tokens(key, clock, timedelta(days=30)).sign(survey)


def _tampered(token: str) -> list[str]:
    """The token with one character changed at a few places, cut short, and lengthened."""
    out = []
    for i in (0, len(token) // 3, len(token) // 2, len(token) - 1):
        swap = "A" if token[i] != "A" else "B"
        out.append(token[:i] + swap + token[i + 1 :])
    return out + [token[:-5], token + "x", token.replace(".", "!", 1)]


def test_a_genuine_link_opens_and_no_other_does(client, clock):
    token = _token(clock)
    assert client.get(f"/survey/{token}").status_code == 200
    forged = _token(clock, key="somebody-elses-key-0123456789abcdef")
    bad = [*_tampered(token), forged, "x", "..", "%00", "a" * 5000]
    for candidate in bad:
        for method in ("GET", "POST"):
            response = client.open(f"/survey/{candidate}", method=method, data={"score": "9"})
            assert response.status_code in (400, 404), (candidate[:40], response.status_code)
            assert "text/html" in response.headers["Content-Type"]
    assert client.get("/survey/").status_code in (400, 404)


def test_a_token_signed_with_the_key_for_another_purpose_opens_nothing(client, clock):
    """The same key signs for one purpose only (its salt): a token signed with it for
    another purpose (a session cookie, an unsubscribe link), or with the survey salt over
    a payload that is not a survey, is refused like a forged one."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    from momentos.surveys.tokens import _ClockSigner, _payload

    def signed(salt: str, payload) -> str:
        return URLSafeTimedSerializer(
            KEY, salt=salt, signer=_ClockSigner, signer_kwargs={"clock": clock}
        ).dumps(payload)

    payload = _payload(SURVEY)
    others = [
        signed(salt, payload) for salt in ("unsubscribe", "password-reset", "survey-answer-v0", "")
    ]
    # An admin session cookie, had the same secret been set for sessions and surveys.
    other_app = Flask("other")
    other_app.secret_key = KEY
    cookie = SecureCookieSessionInterface().get_signing_serializer(other_app)
    others.append(cookie.dumps({"admin": True, "_fresh": True}))
    others += [
        signed("survey-answer", other)
        for other in ({"admin": True}, [1, 2], "survey", {**payload, "k": "stars"})
    ]
    genuine = signed("survey-answer", payload)
    assert client.get(f"/survey/{genuine}").status_code == 200  # the control: same key, salt
    for token in others:
        for method in ("GET", "POST"):
            response = client.open(f"/survey/{token}", method=method, data={"score": "9"})
            assert response.status_code == 400, (token[:30], method, response.status_code)


def test_an_expired_link_is_gone_not_an_error(client, clock):
    token = _token(clock)
    clock.advance(timedelta(days=31).total_seconds())
    assert client.get(f"/survey/{token}").status_code == 410
    assert client.post(f"/survey/{token}", data={"score": "9"}).status_code == 410


def test_an_oversized_form_is_413(client, clock):
    token = _token(clock)
    response = client.post(f"/survey/{token}", data={"score": "9", "comment": "x" * 200_000})
    assert response.status_code == 413


form_values = st.text(string.printable + "ñáé\x00", max_size=300)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    form=st.dictionaries(
        st.sampled_from(["score", "comment", "lang", "csrf_token", "x"]), form_values, max_size=4
    ),
    lang=st.sampled_from([None, "es", "en", "fr", "<b>"]),
)
def test_any_form_with_a_genuine_link_is_never_a_5xx(client, clock, form, lang):
    token = _token(clock)
    query = f"?lang={lang}" if lang else ""
    response = client.post(f"/survey/{token}{query}", data=form)
    assert response.status_code < 500, (form, response.status_code)
    assert client.get(f"/survey/{token}{query}").status_code < 500
