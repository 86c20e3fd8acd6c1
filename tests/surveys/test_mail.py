"""Survey mail through a real SMTP server: both languages, both parts, and what each
failure means for the outbox (retry, fail, or review when it may have been sent)."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from momentos.dispatcher import Dispatcher
from momentos.model import Action
from momentos.store import Store
from momentos.surveys.mail import mail_sender, survey_tokens
from momentos.surveys.tokens import Survey, survey_id
from sandbox.mail import Mailbox

KEY = "post_service_survey:service_completed:zendesk:ticket:101"


def survey_action(
    key=KEY, language="es", name="Carmen Vidal", to="carmen@laespiga.es", scale="csat"
) -> Action:
    payload = {
        "to": to,
        "name": name,
        "language": language,
        "scale": scale,
        "ticket_id": "101",
        "service": "La factura está duplicada",
        "respondent": ["zendesk", "user", "501"],
    }
    return Action(
        key=key,
        workflow="post_service_survey",
        tool="mail",
        kind="survey",
        payload=payload,
        customer_id=7,
    )


def link_in(text: str) -> str:
    return next(word for word in text.split() if "/survey/" in word)


def token_of(link: str) -> str:
    return link.split("/survey/")[1].split("?")[0]


def test_a_spanish_survey_arrives_with_text_html_and_a_link_that_names_it(
    survey_settings, clock, smtp
):
    settings = survey_settings()
    [result] = mail_sender(settings, clock).create([survey_action()])
    assert result.ok and result.remote_id == f"<survey-{survey_id(KEY)}@acme.example>"
    [mail] = smtp.messages()
    assert mail["to"] == ["carmen@laespiga.es"] and mail["rcpt_to"] == ["carmen@laespiga.es"]
    assert mail["from"] == "Acme <encuestas@acme.example>"
    assert mail["subject"] == "Carmen, ¿quedó todo bien?"
    assert mail["text"].startswith("Hola, Carmen:\n\nHace poco resolvimos tu solicitud «La factura")
    assert (
        "¿Cómo valorarías la atención que recibiste?\n(1 = muy mal, 5 = excelente)" in mail["text"]
    )
    link = link_in(mail["text"])
    assert link.startswith("https://surveys.acme.example/survey/") and link.endswith("?lang=es")
    assert survey_tokens(settings, clock).read(token_of(link)) == Survey(
        KEY, 7, "101", ("zendesk", "user", "501"), "csat", "es"
    )
    html = mail["html"]
    assert '<html lang="es">' in html and "Responder la encuesta" in html
    assert all(f"?lang=es&amp;score={n}" in html for n in range(1, 6))
    assert "score=0" not in html and "score=6" not in html
    # It works until the link expires, 30 days from now, said the Spanish way.
    assert "El enlace funciona hasta el 25 de diciembre de 2026." in mail["text"]
    headers = dict(mail["headers"])
    assert headers["Content-Language"] == "es" and headers["Auto-Submitted"] == "auto-generated"


def test_an_english_nps_survey_and_a_name_that_is_html_is_escaped(survey_settings, clock, smtp):
    action = survey_action(
        language="en", name="<b>Emily</b> Brooks", scale="nps", to="emily@northwind.example"
    )
    [result] = mail_sender(survey_settings(), clock).create([action])
    assert result.ok
    [mail] = smtp.messages()
    assert mail["subject"] == "<b>Emily</b>, did everything go well?"
    assert "How likely are you to recommend us to a friend or colleague?" in mail["text"]
    assert "(0 = not at all likely, 10 = extremely likely)" in mail["text"]
    assert "<b>Emily" not in mail["html"] and "Hi &lt;b&gt;Emily&lt;/b&gt;," in mail["html"]
    assert all(f"&amp;score={n}" in mail["html"] for n in range(0, 11))
    assert "The link works until December 25, 2026." in mail["text"]


def test_a_survey_for_a_company_greets_no_one_by_its_name(survey_settings, clock, smtp):
    # Only the company is known (no contact, no named Zendesk user): `first_name` is empty.
    action = survey_action(name="Farmacias del Bajío", to="compras@farmaciasdelbajio.mx")
    action.payload["first_name"] = ""
    [result] = mail_sender(survey_settings(), clock).create([action])
    assert result.ok
    [mail] = smtp.messages()
    assert mail["subject"] == "¿Quedó todo bien?"
    assert mail["text"].startswith("Hola:\n\nHace poco resolvimos tu solicitud")


def test_one_connection_sends_a_batch(survey_settings, clock, smtp):
    actions = [survey_action(key=f"{KEY}{n}", to=f"c{n}@acme.example") for n in range(3)]
    results = mail_sender(survey_settings(), clock).create(actions)
    assert [r.ok for r in results] == [True] * 3
    assert [m["to"] for m in smtp.messages()] == [[f"c{n}@acme.example"] for n in range(3)]


def test_without_a_signing_key_or_a_server_nothing_is_sent_and_the_reason_is_clear(
    survey_settings, clock, smtp, monkeypatch
):
    settings = survey_settings()
    monkeypatch.delenv("MOMENTOS_SURVEY_KEY")
    [result] = mail_sender(settings, clock).create([survey_action()])
    assert (result.ok, result.retriable) == (False, False)
    assert result.error == "survey links cannot be signed: set MOMENTOS_SURVEY_KEY"
    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", "k" * 32)
    no_host = survey_settings(mail={"host": None})
    [result] = mail_sender(no_host, clock).create([survey_action()])
    assert result.error == "mail.host is not set: no mail is sent"
    assert smtp.messages() == []


def test_an_action_without_an_address_fails_alone(survey_settings, clock, smtp):
    results = mail_sender(survey_settings(), clock).create(
        [survey_action(to=""), survey_action(key=KEY + "b")]
    )
    assert [(r.ok, r.error) for r in results] == [
        (False, "a survey needs the customer's email address"),
        (True, None),
    ]
    assert len(smtp.messages()) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_server_means_nothing_was_sent_so_retry(survey_settings, clock):
    settings = survey_settings(mail={"port": free_port()})
    [result] = mail_sender(settings, clock).create([survey_action()])
    assert (result.ok, result.retriable) == (False, True)
    assert result.error == "cannot reach the SMTP server: ConnectionRefusedError"


class PortZeroController(Controller):
    """aiosmtpd's Controller on a free port (it would dial port 0 to check it is up)."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Refusing:
    """A server that refuses recipients or messages with the given replies."""

    def __init__(self, rcpt: str | None = None, data: str | None = None, drop: bool = False):
        self.rcpt, self.data, self.drop, self.kept = rcpt, data, drop, Mailbox(lambda: None)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.rcpt:
            return self.rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop:
            # The message reached the server, which goes away before it answers.
            server.transport.close()
            return "250 never heard"
        return self.data or "250 OK"


@pytest.fixture
def serve():
    controllers = []

    def start(handler, **options):
        controller = PortZeroController(
            handler, hostname="127.0.0.1", port=0, server_hostname="test.localhost", **options
        )
        controller.start()
        controllers.append(controller)
        return controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.mark.parametrize(
    ("handler", "error", "retriable"),
    [
        (Refusing(rcpt="550 5.1.1 No such user"), "recipient refused (550)", False),
        (Refusing(rcpt="450 4.2.1 Mailbox busy"), "recipient refused (450)", True),
        (Refusing(data="554 5.7.1 Rejected as spam"), "SMTP refused the message (554)", False),
        (Refusing(data="451 4.3.0 Try again later"), "SMTP refused the message (451)", True),
    ],
)
def test_a_refusal_proves_nothing_was_sent(
    survey_settings, clock, serve, handler, error, retriable
):
    settings = survey_settings(mail={"port": serve(handler)})
    [result] = mail_sender(settings, clock).create([survey_action()])
    assert (result.ok, result.error, result.retriable) == (False, error, retriable)


def test_a_login_is_made_when_credentials_are_configured(
    survey_settings, clock, serve, monkeypatch
):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd itself answers 535 to a failure.
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    port = serve(Refusing(), authenticator=authenticator, auth_require_tls=False)
    monkeypatch.setenv("SMTP_USER", "momentos")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    mail = {"port": port, "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"}
    [result] = mail_sender(survey_settings(mail=mail), clock).create([survey_action()])
    assert result.ok and logins == [("momentos", "s3cret")]
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    [result] = mail_sender(survey_settings(mail=mail), clock).create([survey_action()])
    assert (result.ok, result.retriable, result.error) == (False, False, "SMTP login refused (535)")


def test_a_dropped_connection_may_have_sent_it_so_it_goes_to_review_and_is_never_resent(
    survey_settings, clock, serve, tmp_path
):
    settings = survey_settings(mail={"port": serve(Refusing(drop=True))})
    store = Store(tmp_path / "outbox.db")
    first, second = survey_action(), survey_action(key=KEY + ":second", to="b@acme.example")
    store.enqueue([first, second], clock.now())
    dispatcher = Dispatcher(
        store, {"mail": mail_sender(settings, clock)}, clock, lease=timedelta(minutes=2)
    )
    dispatcher.run_once()
    states = {row["key"]: row["state"] for row in store.actions()}
    # The first may have been delivered: in flight. The second was never tried: retry.
    assert states == {first.key: "in_flight", second.key: "retry"}
    clock.advance(timedelta(minutes=3).total_seconds())
    report = dispatcher.run_once()
    assert report.needs_review == 1 and report.resent == 0
    [row] = store.actions(keys=[first.key])
    assert (row["state"], row["error"]) == (
        "needs_review",
        "the tool cannot tell whether this action happened",
    )
