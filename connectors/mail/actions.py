"""Send `mail` actions over SMTP, one connection per batch, one message per action.

What each failure proves decides what the outbox does with it:
- refused before any message went out (no connection, login refused, a recipient or the
  message refused with a 4xx/5xx): nothing was sent, so retry (4xx) or fail (5xx);
- the connection dropped or timed out while a message was on its way: it may have been
  delivered. That action gets no result, stays in flight, and the dispatcher's lookup,
  which SMTP cannot answer (`LOOKUP_LAG = None`), moves it to needs_review rather than
  risk a second survey. Actions after it were never tried and are retried.
"""

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from connectors.batches import failed
from connectors.mail.client import SmtpConfig, connect
from momentos.model import Action, ActionResult

logger = logging.getLogger(__name__)

Compose = Callable[[Action], EmailMessage]


def _temporary(code: int) -> bool:
    return 400 <= code < 500


def refusal(exc: smtplib.SMTPException) -> tuple[str, bool] | None:
    """(error, retriable) when the server refused the message (so it was not sent); None
    when the outcome is unknown."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return f"recipient refused ({', '.join(map(str, codes))})", all(map(_temporary, codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        # MAIL FROM or DATA answered with an error code: the server kept nothing.
        return f"SMTP refused the message ({exc.smtp_code})", _temporary(exc.smtp_code)
    return None


class MailActions:
    # SMTP cannot tell whether a message went out: an unknown outcome goes to review.
    LOOKUP_LAG = None

    def __init__(
        self,
        config: SmtpConfig,
        compose: Compose,
        compose_errors: tuple[type[Exception], ...] = (ValueError,),
    ):
        self.config = config
        self.compose = compose
        self.compose_errors = compose_errors

    def create(self, actions: list[Action]) -> list[ActionResult]:
        """One result per action, except an action whose outcome is unknown (none)."""
        results, ready = [], []
        for action in actions:
            try:
                ready.append((action, self.compose(action)))
            except self.compose_errors as exc:
                results.append(failed(action, str(exc)))
        if not ready:
            return results
        if not self.config.host:
            return results + [failed(a, "mail.host is not set: no mail is sent") for a, _ in ready]
        try:
            smtp = connect(self.config)
        except smtplib.SMTPAuthenticationError as exc:
            return results + [failed(a, f"SMTP login refused ({exc.smtp_code})") for a, _ in ready]
        except (OSError, smtplib.SMTPException) as exc:
            error = f"cannot reach the SMTP server: {type(exc).__name__}"
            return results + [failed(a, error, retriable=True) for a, _ in ready]
        try:
            return results + self._send_all(smtp, ready)
        finally:
            _quit(smtp)

    def _send_all(
        self, smtp: smtplib.SMTP, ready: list[tuple[Action, EmailMessage]]
    ) -> list[ActionResult]:
        results = []
        for index, (action, message) in enumerate(ready):
            try:
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                refused = refusal(exc) if isinstance(exc, smtplib.SMTPException) else None
                if refused is not None:
                    results.append(failed(action, refused[0], retriable=refused[1]))
                    continue
                logger.warning("mail %s has an unknown outcome: %s", action.key, type(exc).__name__)
                untried = [a for a, _ in ready[index + 1 :]]
                return results + [
                    failed(a, "not tried: the connection dropped", retriable=True) for a in untried
                ]
            results.append(ActionResult(action.key, True, remote_id=message["Message-ID"]))
        return results

    def lookup(self, actions: list[Action]) -> dict[str, tuple[str, str]]:
        """SMTP keeps no list of what it sent: nothing can be proven either way."""
        return {}


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
