"""An app with a store holding one of everything the admin pages show, and a logged-in client.

Ticket subjects and a customer name carry XSS payloads and a moment carries a `javascript:`
link, so every page test is also an escaping test.
"""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from werkzeug.security import generate_password_hash

from momentos.clock import FrozenClock
from momentos.model import Action, Event
from momentos.store import Store
from server import create_app

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
PASSWORD = "correct horse battery staple"
UI_SECRETS = {
    # A cheap hash keeps logins fast in tests; production hashes use werkzeug's default.
    "MOMENTOS_ADMIN_PASSWORD": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
    "MOMENTOS_SECRET_KEY": "test-session-key-do-not-show-0123456789",
    "MOMENTOS_API_TOKEN": "test-api-token-do-not-show-9876543210",
}
XSS_SUBJECT = '<script>alert("subject")</script>'
XSS_NAME = '<img src=x onerror=alert("name")>'
BAD_LINK = "javascript:alert(1)"
OWNER = ("64492917", "Sofía Ruiz")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def ui_env(monkeypatch):
    for name, value in UI_SECRETS.items():
        monkeypatch.setenv(name, value)


def make_moment(key, type_, customer, hours_ago, link, subject):
    return SimpleNamespace(
        key=key,
        type=type_,
        customer_ref=("zendesk", "user", "501"),
        occurred_at=NOW - timedelta(hours=hours_ago),
        tool="zendesk",
        object_type="ticket",
        object_id=key.rsplit(":", 1)[1],
        link=link,
        data={"subject": subject},
    )


def make_action(key, customer_id, moment_key=None, subject=XSS_SUBJECT):
    payload = {"subject": subject, "owner_id": OWNER[0], "due_at": "2026-11-25T17:00:00+01:00"}
    return Action(
        key=key,
        workflow="complaint_followup",
        tool="hubspot",
        kind="task",
        payload=payload,
        customer_id=customer_id,
        moment_key=moment_key,
    )


TICKETS = "https://acme.zendesk.com/agent/tickets/"
DONE_URL = "https://app.hubspot.com/contacts/62515/record/0-27/10"


def seed_customers(store: Store) -> tuple[int, int]:
    """A customer whose name is an XSS payload, and a baker; three moments between them."""
    evil = store.create_customer(name=XSS_NAME, email="mallory@evil.example",
                                 domain="evil.example", language="en",
                                 time_zone="Europe/London", now=NOW)  # fmt: skip
    baker = store.create_customer(name="Panadería La Espiga", email="carmen@laespiga.es",
                                  domain="laespiga.es", language="es",
                                  time_zone="Europe/Madrid", now=NOW)  # fmt: skip
    moments = [
        ("complaint:zendesk:ticket:1", evil, 2, BAD_LINK, XSS_SUBJECT),
        ("support_request:zendesk:ticket:1", evil, 2, f"{TICKETS}1", XSS_SUBJECT),
        ("complaint:zendesk:ticket:2", baker, 30, f"{TICKETS}2", "La factura está duplicada"),
    ]
    for key, customer, hours_ago, link, subject in moments:
        moment = make_moment(key, key.split(":")[0], customer, hours_ago, link, subject)
        store.insert_moment(moment, 0, customer, NOW)
    return evil, baker


def seed_actions(store: Store, evil: int, baker: int) -> None:
    """Two done (one with a `javascript:` link), one to review, one failed, one pending."""
    first, second = (f"complaint_followup:complaint:zendesk:ticket:{n}" for n in (1, 2))
    store.enqueue(
        [
            make_action(first, evil, "complaint:zendesk:ticket:1"),
            make_action(second, baker, "complaint:zendesk:ticket:2", "Llamar hoy a Carmen Vidal"),
            make_action("review-me", baker),
            make_action("failed-one", baker),
            make_action("pending-one", evil),
        ],
        NOW - timedelta(hours=1),
    )
    store.settle(first, "done", NOW, remote_id="9", remote_url=BAD_LINK)
    store.settle(second, "done", NOW, remote_id="10", remote_url=DONE_URL)
    store.settle("review-me", "needs_review", NOW, error="the tool cannot tell")
    store.settle("failed-one", "failed", NOW, error=f"HubSpot refused: {XSS_SUBJECT}")


def seed_operations(store: Store, evil: int, baker: int) -> None:
    """A webhook delivery, a fresh and a stale cursor, an owner's name, an identity review
    and a failed run."""
    store.log_delivery("zendesk", NOW - timedelta(minutes=5), 200, 3)
    for stream, age in (("zendesk:tickets", timedelta(minutes=2)),
                        ("hubspot:contacts", timedelta(hours=2))):  # fmt: skip
        store.add_events([], source="poll", received_at=NOW - age, cursor=(stream, "cursor"))
    owner = Event("hubspot", "owner", OWNER[0], "1", NOW, {"id": OWNER[0], "name": OWNER[1]})
    store.add_events([owner], source="poll", received_at=NOW)
    reason = "several customers share this domain"
    store.add_review("zendesk", "user", "777", reason, [evil, baker], NOW)
    run = store.start_run("complaint_followup", "schedule", NOW, False, NOW - timedelta(hours=3))
    store.finish_run(run, NOW - timedelta(hours=3), 0, 0, f"KeyError: {XSS_SUBJECT}")


def seed(store: Store) -> dict[str, int]:
    evil, baker = seed_customers(store)
    seed_actions(store, evil, baker)
    seed_operations(store, evil, baker)
    return {"evil": evil, "baker": baker}


@pytest.fixture
def make_app(make_settings, ui_env):
    def make(**overrides):
        settings = make_settings(**overrides)
        store = Store(settings.store["path"])
        app = create_app(settings, store, FrozenClock(NOW))
        app.config["IDS"] = seed(store)
        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, url="/admin/login") -> str:
    return CSRF.search(client.get(url).text).group(1)


def login(client, password=PASSWORD):
    return client.post(
        "/admin/login", data={"csrf_token": csrf_token(client), "password": password}
    )


@pytest.fixture
def admin(client):
    """A client logged in as the admin, in English unless a test switches."""
    assert login(client).status_code == 302
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client
