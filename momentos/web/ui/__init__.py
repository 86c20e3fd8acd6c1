"""The admin UI: server-rendered pages in Spanish and English behind one login.

One parent blueprint (`ui`, under /admin) holds every page, so its `before_request` guards
them all: a page is open only to a logged-in admin, and every POST carries a CSRF token.
"""

import logging
import re
import sqlite3
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from momentos.config import Settings
from momentos.errors import MomentosError
from momentos.web import auth
from momentos.web.errors import BUSY_RETRY_AFTER, is_busy
from momentos.web.ui import customers, i18n, insights, outbox, overview, session_views, workflows

logger = logging.getLogger(__name__)

PREFIX = "/admin"
# Reachable without logging in: the login form itself, the language switch and the CSS.
PUBLIC = {"ui.static", "ui.session.login", "ui.session.language"}
SAFE_SCHEMES = ("http://", "https://")
STRONG = re.compile(r"\*\*(.+?)\*\*")
NAVIGATION = (
    ("ui.overview.dashboard", _l("Dashboard")),
    ("ui.customers.search", _l("Customers")),
    ("ui.workflows.index", _l("Workflows")),
    ("ui.insights.index", _l("Insights")),
    ("ui.outbox.index", _l("Outbox")),
    ("ui.overview.connectors", _l("Connectors")),
    ("ui.overview.identity", _l("Identity review")),
)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links reach an href: a `javascript:` URL is script even when escaped."""
    return url if url and url.lower().startswith(SAFE_SCHEMES) else None


def inline_code(text: str) -> Markup:
    """README prose with its `code` and **strong** spans as HTML; every part escaped first."""
    parts = str(escape(text)).split("`")
    html = "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))
    return Markup(STRONG.sub(r"<strong>\1</strong>", html))


def _referrer_path() -> str | None:
    """The page a form was sent from, when it is one of ours."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _template_context() -> dict:
    def current(endpoint: str) -> bool:
        section = endpoint.rsplit(".", 1)[0]
        # The overview's pages are separate sections; elsewhere a blueprint is one section.
        return request.endpoint == endpoint or (
            section != "ui.overview" and request.blueprint == section
        )

    navigation = [(endpoint, text, current(endpoint)) for endpoint, text in NAVIGATION]
    # Where the language switch returns: this page, or for a POST's answer (a dry run) the
    # page its form was on, since the POST address cannot be fetched again.
    here = request.full_path.rstrip("?") if request.method == "GET" else _referrer_path()
    return {"logged_in": auth.logged_in, "navigation": navigation, "here": here or ""}


def _guard(csrf: CSRFProtect):
    def guard():
        if request.endpoint == "ui.static":
            return None
        if not current_app.secret_key:
            # No key, no sessions: every page says which variables to set, and nothing else.
            return session_views.login_page(), 503
        if request.endpoint not in PUBLIC and not auth.logged_in():
            return redirect(url_for("ui.session.login", next=request.full_path.rstrip("?")))
        if request.method == "POST":
            csrf.protect()
        return None

    return guard


def _error_page(exc: Exception):
    if isinstance(exc, RateLimitExceeded) and request.endpoint == "ui.session.login":
        return session_views.login_page(_("Too many attempts; try again later.")), 429
    if isinstance(exc, CSRFError) and request.endpoint == "ui.session.login":
        return session_views.login_page(_("The form had expired; please try again.")), 400
    if isinstance(exc, CSRFError):
        # A 400, not a redirect: a forged or stale form must not look like it went through.
        message = _("The form had expired; please try again.")
        return render_template("ui/error.html", status=400, message=message), 400
    if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
        # Another writer held the store past its busy timeout (issue #12): try again.
        logger.warning("the store stayed locked past its busy timeout; answered 503")
        message = _("Busy for a moment; please try again.")
        page = render_template("ui/error.html", status=503, message=message)
        return page, 503, {"Retry-After": str(BUSY_RETRY_AFTER)}
    if isinstance(exc, HTTPException | MomentosError):
        status = (exc.code if isinstance(exc, HTTPException) else exc.status) or 500
    else:
        logger.exception("admin page failed")
        status = 500
    messages = {
        400: _("The request was not valid."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that method."),
    }
    message = messages.get(status, _("Something went wrong; the server log has the details."))
    return render_template("ui/error.html", status=status, message=message), status


def register(app: Flask, settings: Settings) -> None:
    auth.configure_session(app, settings)
    # Only the UI's forms carry CSRF tokens: webhooks are signed and the API takes a token.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    i18n.init(app, settings)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")
    app.jinja_env.filters.update(safe_url=safe_url, inline_code=inline_code)

    ui = Blueprint(
        "ui",
        __name__,
        url_prefix=PREFIX,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    ui.before_request(_guard(csrf))
    ui.context_processor(_template_context)
    ui.register_error_handler(Exception, _error_page)
    ui.register_blueprint(session_views.blueprint(limiter, settings))
    for page in (overview, customers, workflows, insights, outbox):
        ui.register_blueprint(page.bp)
    app.register_blueprint(ui)
    app.add_url_rule("/", "home", lambda: redirect(url_for("ui.overview.dashboard")))
