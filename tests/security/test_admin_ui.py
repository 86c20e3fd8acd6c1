"""Issue #12: the admin UI as an attacker meets it. Every admin route is closed without a
login (the JSON API without its token), every form refuses to act without its CSRF token
(400), and 100 XSS payloads, stored wherever a tool's text lands (customer names, ticket
subjects, task subjects, errors, review reasons), come out escaped on every page."""

import itertools
from datetime import timedelta

import pytest

from momentos.clock import FrozenClock
from momentos.model import Action, Event
from momentos.store import Store
from server import create_app
from tests.web.conftest import NOW, UI_SECRETS, csrf_token, login, make_moment, seed

TEMPLATES = [
    "<script>alert({i})</script>",
    "<img src=x onerror=alert({i})>",
    '"><svg onload=alert({i})>',
    "'><iframe src=javascript:alert({i})>",
    "<body onload=alert({i})>",
    '<a href="javascript:alert({i})">x</a>',
    "</textarea><script>alert({i})</script>",
    "</title><script>alert({i})</script>",
    "<math><mtext></mtext><mglyph><svg><script>alert({i})</script>",
    "<details open ontoggle=alert({i})>",
    "<input autofocus onfocus=alert({i})>",
    '<div style="background:url(javascript:alert({i}))">',
    "<scr<script>ipt>alert({i})</script>",
    "{{{{7*7}}}}<b>{i}</b>",
    "<object data=javascript:alert({i})>",
    "<embed src=javascript:alert({i})>",
    "<video><source onerror=alert({i})>",
    "<marquee onstart=alert({i})>",
    '<form action="javascript:alert({i})"><button>x',
    "<!--<img src=--><img src=x onerror=alert({i})//-->",
]
PAYLOADS = [t.format(i=i) for i, t in itertools.product(range(5), TEMPLATES)]
ARGUMENTS = {"customer_id": None, "name": "complaint_followup", "filename": "x.css"}


@pytest.fixture
def app(make_settings, monkeypatch):
    for name, value in UI_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = make_settings()
    store = Store(settings.store["path"])
    application = create_app(settings, store, FrozenClock(NOW))
    application.config["IDS"] = seed(store)
    application.config["EVIL"] = _plant(store)
    return application


def _plant(store: Store) -> list[int]:
    """Each payload as a customer name, a moment's subject, a task, an error, a reason."""
    ids = []
    for n, payload in enumerate(PAYLOADS):
        customer = store.create_customer(
            name=payload,
            email=f"x{n}@evil{n}.example",
            domain=f"evil{n}.example",
            language="en",
            time_zone="UTC",
            now=NOW,
        )
        ids.append(customer)
        key = f"complaint:zendesk:ticket:{9000 + n}"
        store.insert_moment(
            make_moment(key, "complaint", customer, n % 48, payload, payload), 0, customer, NOW
        )
        action = Action(
            key=f"evil:{n}",
            workflow="complaint_followup",
            tool="hubspot",
            kind="task",
            payload={"subject": payload, "owner_id": payload},
            customer_id=customer,
            moment_key=key,
        )
        store.enqueue([action], NOW - timedelta(minutes=n))
        if n % 3 == 0:
            store.settle(action.key, "failed", NOW, error=payload)
        elif n % 3 == 1:
            store.settle(action.key, "done", NOW, remote_id="1", remote_url=payload)
        store.add_review("zendesk", "user", f"u{n}", payload, [customer], NOW)
    store.add_events(
        [Event("hubspot", "owner", "evil", "1", NOW, {"id": "evil", "name": PAYLOADS[0]})],
        source="poll",
        received_at=NOW,
    )
    run = store.start_run("complaint_followup", "schedule", NOW, False, NOW)
    store.finish_run(run, NOW, 0, 0, PAYLOADS[1])
    return ids


def _rules(app, prefix="/admin"):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix) and rule.endpoint != "ui.static"
    ]


def _url(rule, customer_id: int) -> str:
    return _build(rule, {**ARGUMENTS, "customer_id": customer_id})


def _build(rule, values) -> str:
    from werkzeug.routing import Map

    bound = Map([rule.empty()]).bind("localhost")
    return bound.build(rule.endpoint, {k: values[k] for k in rule.arguments})


def test_every_admin_route_is_closed_without_a_login(app):
    client = app.test_client()
    token = csrf_token(client)  # a valid form token does not replace a login
    public = {"ui.session.login", "ui.session.language"}
    checked = 0
    for rule in _rules(app):
        if rule.endpoint in public:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(_url(rule, 1), method=method, data=data)
            assert response.status_code in (302, 401), (method, rule.rule)
            if response.status_code == 302:
                assert response.location.startswith("/admin/login"), rule.rule
            checked += 1
    assert checked >= 12


def test_every_api_route_is_closed_without_its_token(app):
    """The JSON API is admin too: no token, a wrong one, or a session cookie instead: 401."""
    client = app.test_client()
    assert login(client).status_code == 302  # a browser session does not open the API
    checked = 0
    for rule in _rules(app, "/api"):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": ""}):
                response = client.open(_url(rule, 1), method=method, headers=headers, json={})
                assert response.status_code == 401, (method, rule.rule, headers)
                checked += 1
        # The API is on: with the token the same request gets past the check.
        token = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        assert client.open(_url(rule, 1), method=method, headers=token, json={}).status_code != 401
    assert checked >= 7 * 3


FORMS = {
    "/admin/outbox/move": {"key": "review-me", "verb": "dismiss"},
    "/admin/workflows/complaint_followup/preview": {"as_of": ""},
    "/admin/workflows/complaint_followup/backtest": {"from": "2026-11-20", "to": "2026-11-21"},
    "/admin/logout": {},
    "/admin/language": {"lang": "es"},
    "/admin/login": {"password": "correct horse battery staple"},
}


def test_every_form_refuses_to_act_without_its_csrf_token(app):
    """Without the token (or with a forged or stale one) a form changes nothing, shows no
    result, and answers 400; the login form too."""
    client = app.test_client()
    assert login(client).status_code == 302
    store = app.config["STORE"]
    posts = {rule.rule for rule in _rules(app) if "POST" in rule.methods}
    # Every form of the UI is in FORMS, so a new one cannot skip this test.
    assert {_build(r, ARGUMENTS) for r in _rules(app) if r.rule in posts} <= set(FORMS)
    checked = 0
    for url, data in FORMS.items():
        for token in (None, "forged-token", csrf_token(client) + "x"):
            sent = data if token is None else {**data, "csrf_token": token}
            response = client.post(url, data=sent)
            assert response.status_code == 400, (url, token, response.status_code)
            assert "would create" not in response.get_data(as_text=True)
            checked += 1
    assert store.actions(keys=["review-me"])[0]["state"] == "needs_review"
    assert client.get("/admin/").status_code == 200  # logout without a token did nothing
    assert checked == 3 * len(FORMS)


def test_xss_payloads_are_escaped_on_every_page(app):
    client = app.test_client()
    assert login(client).status_code == 302
    pages = []
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint == "ui.session.login":
            continue
        ids = app.config["EVIL"] if "customer_id" in rule.arguments else [None]
        pages += [_url(rule, i) for i in ids]
    pages += [
        "/admin/outbox?state=failed",
        "/admin/outbox?state=done",
        "/admin/customers?q=<",
        "/admin/outbox?page=2",
        "/admin/identity",
    ]
    token = csrf_token(client, "/admin/workflows/complaint_followup")
    answers = [client.get(url) for url in pages]
    answers.append(
        client.post(
            "/admin/workflows/complaint_followup/preview", data={"csrf_token": token, "as_of": ""}
        )
    )
    shown = 0
    for url, response in zip(pages + ["preview"], answers, strict=True):
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        for payload in PAYLOADS:
            assert payload not in html, (url, payload)
        assert 'href="javascript:' not in html.lower(), url
        shown += sum(1 for p in PAYLOADS if _escaped(p) in html)
    assert len(pages) > 100 and shown > 500  # the payloads were on the pages, escaped


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
