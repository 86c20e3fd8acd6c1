"""The sandbox's SMTP server keeps the mail Momentos sends, for tests to read (issue #4)."""

import smtplib
from email.message import EmailMessage

import pytest
import requests

NOW = "2026-11-23T10:00:00Z"


def send(sandbox, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", sandbox.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def mailbox(sandbox) -> list[dict]:
    answer = requests.get(f"{sandbox.url}/_sandbox/mail", timeout=10)
    assert answer.status_code == 200
    return answer.json()


def message(subject: str, to: str = "Sofía Ruiz <sofia@cliente.example>") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Momentos <avisos@momentos-demo.example>"
    mail["To"] = to
    mail["Subject"] = subject
    return mail


@pytest.fixture
def frozen(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/clock", json={"now": NOW}, timeout=10)
    assert answer.ok


def test_a_message_is_kept_with_decoded_subject_and_both_parts(sandbox, frozen):
    mail = message("¿Qué tal tu renovación? Señal de alerta en Añil S.A.")
    mail["Cc"] = "equipo@momentos-demo.example"
    mail.set_content("Hola Sofía,\n\n¿Podemos hablar mañana?")
    mail.add_alternative("<p>Hola Sofía,</p><p>¿Podemos hablar mañana?</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", sandbox.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail, to_addrs=["sofia@cliente.example", "oculto@momentos-demo.example"])

    [kept] = mailbox(sandbox)
    assert kept["id"] == 1
    assert kept["received_at"].startswith("2026-11-23T10:00:")
    assert kept["mail_from"] == "avisos@momentos-demo.example"
    # The envelope has the blind copy the headers do not show.
    assert kept["rcpt_to"] == ["sofia@cliente.example", "oculto@momentos-demo.example"]
    assert kept["from"] == "Momentos <avisos@momentos-demo.example>"
    assert (kept["to"], kept["cc"]) == (["sofia@cliente.example"], ["equipo@momentos-demo.example"])
    assert kept["subject"] == "¿Qué tal tu renovación? Señal de alerta en Añil S.A."
    assert kept["text"] == "Hola Sofía,\n\n¿Podemos hablar mañana?\n"
    assert kept["html"] == "<p>Hola Sofía,</p><p>¿Podemos hablar mañana?</p>\n"
    assert kept["attachments"] == []
    headers = dict(kept["headers"])
    assert headers["Subject"] == kept["subject"]
    assert headers["Content-Type"].startswith("multipart/alternative")


def test_plain_text_mail_has_no_html_and_attachments_are_named(sandbox):
    mail = message("Factura vencida")
    mail.set_content("Su factura está pendiente.")
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="factura.pdf")
    send(sandbox, mail)

    [kept] = mailbox(sandbox)
    assert kept["text"] == "Su factura está pendiente.\n"
    assert kept["html"] is None
    assert kept["attachments"] == [{"filename": "factura.pdf", "content_type": "application/pdf"}]


def test_messages_are_listed_newest_last_and_can_be_cleared(sandbox):
    for subject in ("Primero", "Segundo", "Tercero"):
        mail = message(subject)
        mail.set_content(subject.lower())
        send(sandbox, mail)

    kept = mailbox(sandbox)
    assert [m["subject"] for m in kept] == ["Primero", "Segundo", "Tercero"]
    assert [m["id"] for m in kept] == [1, 2, 3]

    cleared = requests.delete(f"{sandbox.url}/_sandbox/mail", timeout=10)
    assert cleared.status_code == 204
    assert mailbox(sandbox) == []


def test_a_sandbox_reset_empties_the_mailbox(sandbox):
    mail = message("Antes del reinicio")
    mail.set_content("x")
    send(sandbox, mail)
    assert requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10).ok
    assert mailbox(sandbox) == []


def test_the_smtp_port_is_its_own_free_port(sandbox):
    assert sandbox.smtp_port not in (0, int(sandbox.url.rsplit(":", 1)[1]))
