"""Issue #12: a request body over the limit gets 413 on every route that takes one: the
webhooks, the JSON API, the survey form, the login and every admin form, whether the body
says its length or not, and whoever sends it (with or without a login and token)."""

import pytest
import requests
from werkzeug.routing import Map

from momentos.clock import FrozenClock
from momentos.serving import BackgroundServer
from momentos.store import Store
from server import MAX_BODY_BYTES, create_app
from tests.web.conftest import CSRF, NOW, PASSWORD, UI_SECRETS

API = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
TOO_BIG = MAX_BODY_BYTES + 1
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def app(make_settings, monkeypatch):
    for name, value in {**UI_SECRETS, "MOMENTOS_SURVEY_KEY": "limits-key-0123456789abcdef"}.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(surveys={"rate_limit": "100000 per minute"})
    return create_app(settings, Store(settings.store["path"]), FrozenClock(NOW))


def _posts(app) -> list[str]:
    """Every route that takes a POST, its arguments filled in."""
    values = {"name": "complaint_followup", "token": "any-token"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            bound = Map([rule.empty()]).bind("localhost")
            urls.append(bound.build(rule.endpoint, {k: values[k] for k in rule.arguments}))
    return urls


def _bodies() -> dict:
    """What to send: a sized JSON body, a sized form, and a chunked stream (a generator,
    which requests sends with no Content-Length to refuse it by)."""
    return {
        "json with a length": {"data": b"[" + b" " * TOO_BIG + b"]", "headers": JSON},
        "form with a length": {"data": {"comment": "x" * TOO_BIG, "score": "9"}},
        "chunked, no length": {
            "data": (b" " * 65536 for _ in range(TOO_BIG // 65536 + 1)),
            "headers": JSON,
        },
    }


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_post_route_answers_413_to_a_body_over_the_limit(app, logged_in):
    """Over a real socket, so that a chunked body really comes without a length."""
    urls = _posts(app)
    assert {"/webhooks/zendesk", "/webhooks/hubspot", "/survey/any-token", "/admin/login"} <= set(
        urls
    )
    outcomes = {}
    with BackgroundServer(app) as web, requests.Session() as session:
        headers = {}
        if logged_in:
            token = CSRF.search(session.get(web.url + "/admin/login").text).group(1)
            form = {"csrf_token": token, "password": PASSWORD}
            assert session.post(web.url + "/admin/login", data=form).status_code == 200
            headers = {**API, "X-CSRFToken": token}
        for url in urls:
            for label, sent in _bodies().items():
                response = session.post(
                    web.url + url,
                    data=sent["data"],
                    headers={**headers, **sent.get("headers", {})},
                    timeout=30,
                )
                outcomes[url, label] = response.status_code
    wrong = {key: status for key, status in outcomes.items() if status != 413}
    assert wrong == {}, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert len(outcomes) >= 3 * 8


def test_chunked_bodies_under_the_limits_go_through_and_the_survey_keeps_its_own(app):
    """The pre-read of a chunked body changes nothing for one under the limit (a signed
    delivery is stored, a survey answer recorded), and the survey form keeps its smaller
    limit (surveys.max_body_bytes) for a chunked body too."""
    from datetime import timedelta

    from momentos.surveys.tokens import Survey, Tokens
    from tests.reliability.helpers import zendesk_headers, zendesk_ticket_body

    survey = Survey("survey_mail:zendesk:ticket:1", None, "1", ("zendesk", "user", "501"),
                    "nps", "es")  # fmt: skip
    token = Tokens("limits-key-0123456789abcdef", app.config["CLOCK"], timedelta(days=1)).sign(
        survey
    )
    delivery = zendesk_ticket_body(1, 501, NOW - timedelta(minutes=1))
    form = "score=9&comment=" + "muy bien " * 10

    def chunked(data: bytes):
        return (data[i : i + 1000] for i in range(0, len(data), 1000))

    with BackgroundServer(app) as web, requests.Session() as session:
        stored = session.post(web.url + "/webhooks/zendesk", data=chunked(delivery),
                              headers=zendesk_headers(delivery, NOW), timeout=30)  # fmt: skip
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answered = session.post(
            web.url + f"/survey/{token}",
            data=chunked(form.encode()),
            headers=form_headers,
            allow_redirects=False,
            timeout=30,
        )
        big = ("score=9&comment=" + "x" * 100_000).encode()  # over 16 KiB, under 1 MiB
        refused = session.post(web.url + f"/survey/{token}", data=chunked(big),
                               headers=form_headers, timeout=30)  # fmt: skip
    assert (stored.status_code, answered.status_code, refused.status_code) == (200, 303, 413)
    assert app.config["STORE"].total("events") == 2  # the delivery and the answer
