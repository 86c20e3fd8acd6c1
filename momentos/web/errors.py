"""One JSON error shape for every failure, and never a traceback in front of a user."""

import logging
import sqlite3

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from momentos.errors import MomentosError

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Seconds a client is asked to wait when the store stayed locked past its busy timeout.
BUSY_RETRY_AFTER = 5


def error_body(status: int, message: str):
    return jsonify({"error": {"status": status, "message": message}}), status


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked" / "busy": another writer
    held the lock past the busy timeout; the same request later will go through."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def refuse_oversized() -> None:
    """A body over the limit is refused before anything else looks at the request (a
    login, a token, a survey link), so every route answers it 413 (issue #12). A chunked
    body (no Content-Length) is read here, up to the limit: werkzeug cuts it there without
    an error, and one more read past the limit raises the 413 it should be."""
    limit, length = request.max_content_length, request.content_length
    if limit is None or request.method not in BODY_METHODS:
        return
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        return
    if len(request.get_data(cache=True)) >= limit:
        request.stream.read(1)


def register(app: Flask) -> None:
    app.before_request(refuse_oversized)

    @app.errorhandler(MomentosError)
    def momentos_error(exc: MomentosError):
        return error_body(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_body(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(sqlite3.OperationalError)
    def store_error(exc: sqlite3.OperationalError):
        # A locked store is a moment's congestion, not a fault: 503 with Retry-After, which
        # both tools retry, and never SQLite's words in front of a user (issue #12).
        if not is_busy(exc):
            return unexpected(exc)
        logger.warning("the store stayed locked past its busy timeout; answered 503")
        body, status = error_body(503, "busy; try again shortly")
        body.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return body, status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        logger.exception("unexpected error")
        return error_body(500, "internal error; see the server log")
