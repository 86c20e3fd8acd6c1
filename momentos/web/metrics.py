"""`/metrics` for Prometheus, and the count of webhook deliveries refused for their signature."""

from flask import Blueprint, Response, current_app, request

from momentos import metrics
from momentos.errors import SignatureError
from momentos.web.errors import error_body

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape():
    body, content_type = metrics.exposition(
        current_app.config["STORE"], current_app.config["CLOCK"].now()
    )
    return Response(body, content_type=content_type)


@bp.app_errorhandler(SignatureError)
def signature_refused(exc: SignatureError):
    # A handler for the narrower class wins over errors.py's MomentosError one, so the
    # count is taken here and the answer stays the one JSON error shape.
    tool = (request.endpoint or "").rpartition(".")[2] or "unknown"
    metrics.count_rejection(tool, str(exc))
    return error_body(exc.status, str(exc))
