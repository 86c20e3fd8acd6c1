"""Issue #12: the 100 XSS payloads of test_admin_ui.py, this time arriving the way a tool's
text arrives: as Zendesk user names, ticket subjects and descriptions, CSAT comments,
HubSpot contact and company names, and comments typed into the survey form. They are
derived into customers and moments, planned into tasks, and shown: every admin page, the
survey form that shows an answer back, and the survey mail show them escaped."""

import logging
from datetime import timedelta

import pytest
from markupsafe import escape

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.model import Action
from momentos.moments.context import rule_context
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.surveys.answers import record_answer
from momentos.surveys.mail import SurveyMail
from momentos.surveys.tokens import Survey, Tokens
from server import create_app
from tests.factories import (
    hubspot_contact,
    hubspot_object,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from tests.security.test_admin_ui import PAYLOADS, _rules, _url
from tests.web.conftest import NOW, UI_SECRETS, login

logger = logging.getLogger(__name__)

SURVEY_KEY = "xss-survey-key-0123456789abcdef"


def _events(n: int, payload: str) -> list:
    stamp = (NOW - timedelta(hours=1, minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user, ticket = 10_000 + n, 20_000 + n
    return [
        zendesk_user(user_id=user, email=f"u{n}@cliente{n}.example", name=payload),
        zendesk_ticket(
            ticket_id=ticket,
            requester_id=user,
            tags=("queja",),
            updated=stamp,
            subject=payload,
            description=payload,
        ),  # fmt: skip
        zendesk_rating(
            rating_id=30_000 + n,
            comment=payload,
            ticket_id=ticket,
            requester_id=user,
            created=stamp,
        ),  # fmt: skip
        hubspot_object("company", str(40_000 + n), {"name": payload, "domain": f"hs{n}.example"}),
        hubspot_contact(
            str(50_000 + n),
            email=f"c{n}@hs{n}.example",
            firstname=payload,
            lastname=payload,
            companies=(str(40_000 + n),),
        ),  # fmt: skip
    ]


@pytest.fixture
def app(make_settings, monkeypatch):
    for name, value in {**UI_SECRETS, "MOMENTOS_SURVEY_KEY": SURVEY_KEY}.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(surveys={"rate_limit": "100000 per minute"})
    store = Store(settings.store["path"])
    clock = FrozenClock(NOW)
    for n, payload in enumerate(PAYLOADS):
        store.add_events(_events(n, payload), source="poll", received_at=NOW)
    derive_pending(store, rule_context(settings), clock)
    run_workflow(store, settings, "complaint_followup", now=NOW)
    application = create_app(settings, store, clock)
    application.config["TOKENS"] = _answer_surveys(store, clock)
    return application


def _answer_surveys(store: Store, clock) -> list[str]:
    """A survey per payload, answered with the payload as the customer's comment."""
    tokens, links = Tokens(SURVEY_KEY, clock, timedelta(days=30)), []
    for n, payload in enumerate(PAYLOADS):
        survey = Survey(f"survey_mail:zendesk:ticket:{20_000 + n}", None, str(20_000 + n),
                        ("zendesk", "user", str(10_000 + n)), "nps", "es")  # fmt: skip
        record_answer(store, survey, n % 11, payload, clock.now(), timedelta(hours=1))
        links.append(tokens.sign(survey))
    return links


def _assert_escaped(html: str, where: str) -> int:
    """No payload raw; returns how many were there, escaped."""
    for payload in PAYLOADS:
        assert payload not in html, (where, payload)
    assert 'href="javascript:' not in html.lower(), where
    return sum(1 for payload in PAYLOADS if str(escape(payload)) in html)


def test_payloads_from_the_tools_and_the_survey_form_are_escaped_everywhere(app):
    store = app.config["STORE"]
    customers = [row["id"] for row in store.db.query("SELECT id FROM customers")]
    assert len(customers) >= len(PAYLOADS)
    # A complaint per ticket, and one per bad CSAT rating with its comment.
    assert store.counts("moments", "type")["complaint"] == 2 * len(PAYLOADS)
    client = app.test_client()
    assert login(client).status_code == 302
    pages = [
        url
        for rule in _rules(app)
        if "GET" in rule.methods and rule.endpoint != "ui.session.login"
        for url in (
            [_url(rule, c) for c in customers]
            if "customer_id" in rule.arguments
            else [_url(rule, 1)]
        )
    ]
    pages += ["/admin/outbox?state=pending", "/admin/customers?q=script", "/admin/insights"]
    shown = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown += _assert_escaped(response.get_data(as_text=True), url)
    # The survey form shows the customer's own comment back, in its textarea.
    for token in app.config["TOKENS"]:
        response = client.get(f"/survey/{token}?lang=es")
        assert response.status_code == 200
        shown += _assert_escaped(response.get_data(as_text=True), "survey form")
    logger.info("pages: %d, survey forms: %d, payloads shown escaped: %d", len(pages),
                len(app.config["TOKENS"]), shown)  # fmt: skip
    assert len(pages) > 2 * len(PAYLOADS) and shown > 5 * len(PAYLOADS)


def test_a_name_or_service_that_is_a_payload_is_escaped_in_the_survey_mail(make_settings):
    clock = FrozenClock(NOW)
    mail = SurveyMail(Tokens(SURVEY_KEY, clock, timedelta(days=30)), "https://m.example",
                      "encuestas@m.example", "Momentos", clock)  # fmt: skip
    for n, payload in enumerate(PAYLOADS):
        action = Action(f"survey_mail:zendesk:ticket:{n}", "survey_mail", "mail", "survey",
                        {"to": f"c{n}@example.com", "name": payload, "service": payload,
                         "scale": "nps", "language": "en" if n % 2 else "es"})  # fmt: skip
        message = mail.compose(action)
        html = message.get_body(("html",)).get_content()
        _assert_escaped(html, f"mail {n}")
