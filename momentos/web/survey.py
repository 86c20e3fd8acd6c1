"""The survey page customers open from the email: `/survey/<token>`, in Spanish or English.

No login and no cookie: the signed token in the address names the survey, and it is the
form's only protection (a forged form cannot name a survey). Every failure is a page in
the customer's language with the right status, never a traceback or a JSON error: a bad
or expired link, a closed survey, too many requests (429), too big a form (413).
Server-rendered, no script, one request per page.
"""

import logging
import math
import sqlite3
from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from momentos.config import Settings
from momentos.surveys.answers import AnswerProblem, editable_until, latest, read_form, record_answer
from momentos.surveys.mail import TEMPLATES, survey_tokens
from momentos.surveys.tokens import SCORES, LinkProblem, Survey, Tokens
from momentos.texts import LANGUAGES, render
from momentos.web.errors import BUSY_RETRY_AFTER, is_busy

logger = logging.getLogger(__name__)

# No script at all, styles only inline, forms only back to us, never framed; the link is
# a credential, so no page may leak it in a Referer or keep it in a shared cache.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
STATUS_PAGES = {
    400: "invalid",
    404: "invalid",
    410: "expired",
    413: "too_large",
    429: "too_many",
    503: "unavailable",
}


class Unavailable(Exception):
    """Surveys are not configured here (no signing key)."""


def _config() -> dict:
    return current_app.config["SURVEYS"]


def _tokens() -> Tokens:
    tokens = _config()["tokens"]
    if tokens is None:
        raise Unavailable()
    return tokens


def page_language(survey: Survey | None = None, fallback: str | None = None) -> str:
    """The `lang` the link or the switch asked for, else the survey's, else the browser's."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    known = (survey.language if survey else None) or fallback
    if known in LANGUAGES:
        return known
    return request.accept_languages.best_match(LANGUAGES) or _config()["default_language"]


def _texts(language: str, survey: Survey | None = None, **values) -> dict[str, str]:
    service = ""
    if survey and survey.ticket_id:
        ticket = current_app.config["STORE"].live_record("zendesk", "ticket", survey.ticket_id)
        service = (ticket or {}).get("subject") or ""
    context = {
        "service": service,
        "scale": survey.scale if survey else "csat",
        "max_chars": _config()["max_comment_chars"],
        "minutes": 0,
        **values,
    }
    return render("survey_page", language, **context)


def _message(reason: str, status: int, language: str):
    texts = _texts(language)
    page = render_template(
        "survey/message.html",
        t=texts,
        language=language,
        reason=reason,
        heading=texts[f"{reason}_heading"],
        body=texts[f"{reason}_body"],
    )
    return page, status


def _minutes_left(answer: dict) -> int:
    left = editable_until(answer) - current_app.config["CLOCK"].now()
    return max(0, math.ceil(left / timedelta(minutes=1)))


def _form(
    token: str,
    survey: Survey,
    answer: dict | None,
    error: str | None = None,
    chosen: str | None = None,
    comment: str | None = None,
    status: int = 200,
):
    language = page_language(survey)
    minutes = _minutes_left(answer) if answer else 0
    texts = _texts(language, survey, minutes=minutes)
    if chosen is None:
        chosen = request.args.get("score") or str((answer or {}).get("score", ""))
    page = render_template(
        "survey/form.html",
        t=texts,
        language=language,
        token=token,
        survey=survey,
        scores=list(SCORES[survey.scale]),
        chosen=chosen,
        error=error and texts[error],
        comment=(answer or {}).get("comment", "") if comment is None else comment,
        answered=answer is not None,
        switch=_switch(token, language),
    )
    return page, status


def _switch(token: str, language: str) -> dict[str, str]:
    other = next(code for code in LANGUAGES if code != language)
    return {"code": other, "url": url_for("survey.page", token=token, lang=other)}


def _read(token: str) -> Survey:
    return _tokens().read(token)


def page(token: str):
    survey = _read(token)
    answer = latest(current_app.config["STORE"], survey)
    now = current_app.config["CLOCK"].now()
    if answer is not None and request.args.get("done"):
        return _thanks(token, survey, answer)
    if answer is not None and now >= editable_until(answer):
        return _message("closed", 200, page_language(survey))
    return _form(token, survey, answer)


def answer(token: str):
    survey = _read(token)
    store, now = current_app.config["STORE"], current_app.config["CLOCK"].now()
    try:
        score, comment = read_form(request.form, survey, _config()["max_comment_chars"])
    except AnswerProblem as problem:
        return _form(
            token,
            survey,
            latest(store, survey),
            problem.reason,
            request.form.get("score", ""),
            request.form.get("comment", ""),
            400,
        )
    outcome = record_answer(store, survey, score, comment, now, _config()["window"])
    if outcome.state == "closed":
        return _message("closed", 409, page_language(survey))
    _config()["on_answer"]()
    # Post/redirect/get: reloading the thanks page never sends the form again.
    return redirect(url_for("survey.page", token=token, lang=page_language(survey), done=1), 303)


def _thanks(token: str, survey: Survey, answer: dict):
    language = page_language(survey)
    texts = _texts(language, survey, minutes=_minutes_left(answer))
    feeling = answer.get("sentiment") or "neutral"
    return render_template(
        "survey/thanks.html",
        t=texts,
        language=language,
        message=texts[f"thanks_{feeling}"],
        can_change=_minutes_left(answer) > 0,
        change_url=url_for("survey.page", token=token, lang=language),
    )


def _error_page(exc: Exception):
    """Every failure on a survey address as a page in the customer's language."""
    if isinstance(exc, LinkProblem):
        status = 410 if exc.reason == "expired" else 400
        return _message(exc.reason, status, page_language(fallback=exc.language))
    if isinstance(exc, Unavailable):
        return _message("unavailable", 503, page_language())
    if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
        # The store stayed locked past its busy timeout (issue #12): try again, not a fault.
        logger.warning("the store stayed locked past its busy timeout; answered 503")
        response, status = _message("unavailable", 503, page_language())
        return response, status, {"Retry-After": str(BUSY_RETRY_AFTER)}
    status = exc.code if isinstance(exc, HTTPException) and exc.code else 500
    if isinstance(exc, RateLimitExceeded):
        status = 429
    if status >= 500:
        logger.exception("survey page failed")
    return _message(STATUS_PAGES.get(status, "failed"), status, page_language())


def _limit_body():
    # A survey form is a score and a comment: far below the app's webhook limit.
    limit = request.max_content_length = _config()["max_body_bytes"]
    # A chunked form was read before this limit was known (errors.refuse_oversized).
    if request.content_length is None and len(request.get_data(cache=True)) > limit:
        raise RequestEntityTooLarge()


def _secure(response):
    response.headers.update(HEADERS)
    return response


def register(app: Flask, settings: Settings, clock, on_answer: Callable[[], None]) -> None:
    """Mount /survey on the app, with its own rate limit, body limit and error pages."""
    surveys = settings.surveys
    app.config["SURVEYS"] = {
        "tokens": survey_tokens(settings, clock),
        "window": timedelta(minutes=surveys["answer_window_minutes"]),
        "max_comment_chars": surveys["max_comment_chars"],
        "max_body_bytes": surveys["max_body_bytes"],
        "default_language": settings.default_language,
        "on_answer": on_answer,
    }
    # The page's templates live with the rest of the surveys (momentos/surveys/templates).
    bp = Blueprint("survey", __name__, url_prefix="/survey", template_folder=str(TEMPLATES))
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")
    limit = limiter.limit(surveys["rate_limit"])
    bp.add_url_rule("/<path:token>", "page", limit(page), methods=["GET"])
    bp.add_url_rule("/<path:token>", "answer", limit(answer), methods=["POST"])
    bp.add_url_rule("/", "no_token", limit(lambda: _message("invalid", 400, page_language())))
    bp.before_request(_limit_body)
    bp.after_request(_secure)
    bp.register_error_handler(Exception, _error_page)
    app.register_blueprint(bp)
