"""The sandbox's mail server: an SMTP port that keeps every message for tests and the demo.

Momentos' email goes here instead of to real people. Each message is parsed once, on
arrival, into what a test wants to assert on: addresses, the decoded subject, the text and
HTML parts, headers. `GET /_sandbox/mail` lists them (see control.py). Mail is kept in
memory only: it is evidence for the run that sent it, not part of the tools' state.
"""

import email
import email.policy
import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any, cast

from aiosmtpd.controller import Controller

from connectors.timefmt import format_iso

DEFAULT_SMTP_PORT = 1025
# Fixed, because aiosmtpd otherwise asks the resolver for this machine's FQDN on start.
SERVER_HOSTNAME = "sandbox.localhost"


class Mailbox:
    """Messages in arrival order; safe to use from the SMTP thread and request threads."""

    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._ids = itertools.count(1)

    def keep(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict[str, Any]:
        with self._lock:
            message = {"id": next(self._ids), **parse(raw, mail_from, rcpt_tos, self._now())}
            self._messages.append(message)
            return message

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)


def _addresses(message: EmailMessage, name: str) -> list[str]:
    return [address for _, address in getaddresses(message.get_all(name, [])) if address]


def _part(message: EmailMessage, subtype: str) -> str | None:
    """The decoded text of the `text/<subtype>` body, if the message has one."""
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    return body.get_content()


def parse(raw: bytes, mail_from: str, rcpt_tos: list[str], received: datetime) -> dict:
    """One message as `/_sandbox/mail` shows it; header values are decoded (RFC 2047)."""
    # policy.default makes an EmailMessage (decoded headers, get_body); typeshed says Message.
    # SMTP sends lines ending in CRLF; the texts are kept with `\n`, as the sender wrote them.
    raw = raw.replace(b"\r\n", b"\n")
    message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
    return {
        "received_at": format_iso(received),
        "mail_from": mail_from,
        "rcpt_to": list(rcpt_tos),
        "from": str(message.get("From", "")),
        "to": _addresses(message, "To"),
        "cc": _addresses(message, "Cc"),
        "subject": str(message.get("Subject", "")),
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
        "attachments": [
            {"filename": part.get_filename(), "content_type": part.get_content_type()}
            for part in message.iter_attachments()
        ],
        "headers": [[name, str(value)] for name, value in message.items()],
    }


class _Handler:
    """aiosmtpd's DATA hook: keep the message, then accept it."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        self.mailbox.keep(raw, envelope.mail_from, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, able to bind port 0 (it would otherwise dial port 0 to check
    that the server is up)."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """SMTP on `host:port` in a background thread; port 0 picks a free port."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = DEFAULT_SMTP_PORT):
        self._controller = _Controller(
            _Handler(mailbox), hostname=host, port=port, server_hostname=SERVER_HOSTNAME
        )

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
