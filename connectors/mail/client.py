"""An SMTP connection as configured: TLS from the start, STARTTLS, or plain (local relays
and the sandbox only), with a login when credentials are set."""

import smtplib
import ssl
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None
    port: int
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    # Never in a repr: configs end up in logs and tracebacks.
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    # The name we greet the server with: the sending domain, not this machine's FQDN (which
    # smtplib would otherwise ask the resolver for, slowly, on every connection).
    local_hostname: str = "localhost"


def connect(config: SmtpConfig) -> smtplib.SMTP:
    """An open, greeted (and, when configured, encrypted and logged-in) connection.

    Raises OSError or smtplib.SMTPException; nothing has been sent when it does.
    """
    if not config.host:
        raise smtplib.SMTPException("mail.host is not set")
    context = ssl.create_default_context()
    if config.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, config.local_hostname, timeout=config.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(config.host, config.port, config.local_hostname, timeout=config.timeout)
    try:
        smtp.ehlo()
        if config.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
