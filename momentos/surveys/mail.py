"""The survey email: text and HTML in the customer's language, with a link signed at send
time (the outbox holds no link, so nothing in the store can answer a survey).

`mail_sender(settings, clock)` is what the engine registers for tool `mail`.
"""

import os
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from connectors.mail.actions import MailActions
from connectors.mail.client import SmtpConfig
from momentos.model import Action
from momentos.surveys.tokens import SCORES, Survey, Tokens
from momentos.texts import language_or_default, render

KIND = "survey"
# The mail's and the survey page's templates (`survey/...`).
TEMPLATES = Path(__file__).parent / "templates"
# Autoescaped: names and ticket subjects come from customers.
_html = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


class ComposeError(ValueError):
    """An action that cannot become a survey email (a configuration or payload problem)."""


def survey_of(action: Action) -> Survey:
    """The survey an outbox action sends; its link names it."""
    payload = action.payload
    respondent = payload.get("respondent")
    return Survey(
        key=action.key,
        customer_id=action.customer_id,
        ticket_id=payload.get("ticket_id"),
        respondent=tuple(respondent) if respondent else None,  # type: ignore[arg-type]
        scale=payload["scale"],
        language=payload["language"],
    )


def survey_link(base_url: str, token: str, language: str) -> str:
    # The language also rides outside the signature, so a damaged link still gets an
    # answer in the customer's language.
    return f"{base_url.rstrip('/')}/survey/{token}?lang={language}"


class SurveyMail:
    """Turns a `mail`/`survey` action into an EmailMessage."""

    def __init__(
        self,
        tokens: Tokens | None,
        base_url: str,
        from_address: str | None,
        from_name: str,
        clock: Any,
        missing: str | None = None,
    ):
        self.tokens, self.base_url, self.clock = tokens, base_url, clock
        self.from_address, self.from_name = from_address, from_name
        self.missing = missing

    def compose(self, action: Action) -> EmailMessage:
        if self.tokens is None or not self.from_address:
            raise ComposeError(self.missing or "surveys are not configured")
        if action.kind != KIND:
            raise ComposeError(f"mail cannot send a {action.kind!r}")
        payload = action.payload
        if not payload.get("to"):
            raise ComposeError("a survey needs the customer's email address")
        survey = survey_of(action)
        language = language_or_default(survey.language, "en")
        link = survey_link(self.base_url, self.tokens.sign(survey), language)
        expires = (self.clock.now() + self.tokens.max_age).date()
        texts = render(
            "survey_mail",
            language,
            first_name=greeted(payload),
            service=payload.get("service") or "",
            scale=survey.scale,
            expires_on=format_date(expires, "long", locale=language),
            sender=self.from_name,
        )
        return self._message(action, survey, texts, link, language)

    def _message(
        self, action: Action, survey: Survey, texts: dict[str, str], link: str, language: str
    ) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = texts["subject"]
        message["From"] = Address(self.from_name, addr_spec=self.from_address)
        message["To"] = Address(action.payload.get("name") or "", addr_spec=action.payload["to"])
        # The same survey always has the same Message-ID: a receiving server that sees it
        # twice can tell it is one message.
        domain = self.from_address.rpartition("@")[2]
        message["Message-ID"] = f"<survey-{survey.id}@{domain}>"
        # Out-of-office replies should not answer a survey.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(plain_text(texts, link))
        html = _html.get_template("survey/mail.html").render(
            t=texts, link=link, language=language, scores=list(SCORES[survey.scale])
        )
        message.add_alternative(html, subtype="html")
        # After the body: set_content moves any Content-* header into the text part.
        message["Content-Language"] = language
        return message


def greeted(payload: dict) -> str:
    """Whom the mail greets: the person's first name; no one for a company (a survey planned
    before `first_name` was in the payload greets the first word of its `name`)."""
    if "first_name" in payload:
        return payload["first_name"] or ""
    return (payload.get("name") or "").strip().split(" ")[0]


def plain_text(texts: dict[str, str], link: str) -> str:
    parts = [
        texts["greeting"],
        texts["intro"],
        f"{texts['question']}\n({texts['scale_hint']})",
        f"{texts['button']}: {link}",
        texts["after"],
        texts["signature"],
        f"--\n{texts['footer']}",
    ]
    return "\n\n".join(parts) + "\n"


def _secret(settings: Any) -> str | None:
    return os.environ.get(settings.surveys["secret_key_env"]) or None


def survey_tokens(settings: Any, clock: Any) -> Tokens | None:
    """The link signer, or None when the key's environment variable is unset."""
    secret = _secret(settings)
    if secret is None:
        return None
    return Tokens(secret, clock, timedelta(days=settings.surveys["link_max_age_days"]))


def public_url(settings: Any) -> str:
    return settings.surveys["public_url"] or settings.web["public_url"]


def smtp_config(settings: Any) -> SmtpConfig:
    mail = settings.mail
    env = {
        key: os.environ.get(mail[key]) if mail[key] else None
        for key in ("username_env", "password_env")
    }
    return SmtpConfig(
        host=mail["host"],
        port=mail["port"],
        security=mail["security"],
        username=env["username_env"],
        password=env["password_env"],
        timeout=mail["timeout_seconds"],
        local_hostname=(mail["from_address"] or "@localhost").rpartition("@")[2],
    )


def mail_sender(settings: Any, clock: Any) -> MailActions:
    """The dispatcher's sender for tool `mail`: surveys composed here, sent by SMTP."""
    mail = settings.mail
    missing = None
    if _secret(settings) is None:
        missing = f"survey links cannot be signed: set {settings.surveys['secret_key_env']}"
    composer = SurveyMail(
        survey_tokens(settings, clock),
        public_url(settings),
        mail["from_address"],
        mail["from_name"],
        clock,
        missing,
    )
    return MailActions(smtp_config(settings), composer.compose, compose_errors=(ComposeError,))
