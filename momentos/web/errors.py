"""One JSON error shape for every failure, and never a traceback in front of a user."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from momentos.errors import MomentosError

logger = logging.getLogger(__name__)


def error_body(status: int, message: str):
    return jsonify({"error": {"status": status, "message": message}}), status


def register(app: Flask) -> None:
    @app.errorhandler(MomentosError)
    def momentos_error(exc: MomentosError):
        return error_body(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_body(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        logger.exception("unexpected error")
        return error_body(500, "internal error; see the server log")
