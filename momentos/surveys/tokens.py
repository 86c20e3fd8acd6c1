"""Survey links: signed, expiring, for one purpose (itsdangerous).

A link carries the survey's outbox key, customer, ticket, respondent, scale and language;
its signature is the form's only protection (CSRF included), so it must be unforgeable
and useless for anything but answering that one survey: the salt names the purpose, and
the timestamp lets it expire. Time comes from the injected clock, so tests never sleep.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import (
    BadPayload,
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

SALT = "survey-answer"
SCALES = ("csat", "nps")
SCORES = {"csat": range(1, 6), "nps": range(0, 11)}


@dataclass(frozen=True)
class Survey:
    """One survey sent to one customer about one service."""

    key: str  # the outbox key of the mail that sent it
    customer_id: int | None
    ticket_id: str | None
    respondent: tuple[str, str, str] | None
    scale: str
    language: str

    @property
    def id(self) -> str:
        """Short and without colons, so it fits a moment key (`survey_answered:momentos:…`)."""
        return survey_id(self.key)


def survey_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class LinkProblem(Exception):
    """A link that cannot be answered: `reason` is `expired` or `invalid`; `language` is the
    survey's when the link was genuine but expired."""

    def __init__(self, reason: str, language: str | None = None):
        self.reason, self.language = reason, language
        super().__init__(f"survey link {reason}")


class _ClockSigner(TimestampSigner):
    """itsdangerous' signer reading the injected clock instead of time.time()."""

    def __init__(self, *args: Any, clock: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


def _payload(survey: Survey) -> dict[str, Any]:
    return {
        "s": survey.key,
        "c": survey.customer_id,
        "t": survey.ticket_id,
        "r": list(survey.respondent) if survey.respondent else None,
        "k": survey.scale,
        "l": survey.language,
    }


def _survey(payload: Any) -> Survey:
    """The survey a verified payload names; a payload of another shape is invalid (a token
    signed with the same key and salt by an older version, say)."""
    try:
        respondent = payload["r"]
        survey = Survey(
            key=str(payload["s"]),
            customer_id=payload["c"],
            ticket_id=payload["t"],
            respondent=tuple(respondent) if respondent else None,  # type: ignore[arg-type]
            scale=payload["k"],
            language=payload["l"],
        )
    except (KeyError, TypeError) as exc:
        raise LinkProblem("invalid") from exc
    if survey.scale not in SCALES or (survey.respondent and len(survey.respondent) != 3):
        raise LinkProblem("invalid")
    return survey


class Tokens:
    def __init__(self, secret: str, clock: Any, max_age: timedelta):
        if not secret:
            raise ValueError("survey links need a secret key")
        self._serializer = URLSafeTimedSerializer(
            secret, salt=SALT, signer=_ClockSigner, signer_kwargs={"clock": clock}
        )
        self.max_age = max_age

    def sign(self, survey: Survey) -> str:
        return self._serializer.dumps(_payload(survey))

    def read(self, token: str) -> Survey:
        """The survey a link names; LinkProblem when it is expired, tampered or not ours."""
        try:
            payload = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired as exc:
            # The signature was good, so the payload can be trusted enough to pick a language.
            raise LinkProblem("expired", self._language(exc.payload)) from exc
        except BadSignature as exc:
            raise LinkProblem("invalid") from exc
        return _survey(payload)

    def _language(self, raw: Any) -> str | None:
        try:
            payload = self._serializer.load_payload(raw)
        except BadPayload:
            return None
        return payload.get("l") if isinstance(payload, dict) else None
