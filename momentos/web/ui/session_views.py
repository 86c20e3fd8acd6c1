"""Logging in and out, and the language switch."""

import logging

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter

from momentos.config import Settings
from momentos.web import auth
from momentos.web.ui.i18n import LANGUAGES

logger = logging.getLogger(__name__)


def login_page(error: str | None = None) -> str:
    settings = current_app.config["SETTINGS"]
    return render_template(
        "ui/login.html",
        error=error,
        missing=auth.missing_secrets(settings),
        next=auth.local_path(request.values.get("next"), ""),
    )


def blueprint(limiter: Limiter, settings: Settings) -> Blueprint:
    bp = Blueprint("session", __name__)

    # Only attempts count: showing the form is free, guessing the password is not.
    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit(settings.ui["login_rate_limit"], methods=["POST"])
    def login():
        if request.method == "GET":
            return login_page()
        if auth.missing_secrets(current_app.config["SETTINGS"]):
            return login_page(), 503
        if not auth.password_ok(current_app.config["SETTINGS"], request.form.get("password", "")):
            logger.warning("admin login refused from %s", request.remote_addr)
            return login_page(_("Wrong password.")), 401
        auth.start_session(admin=True)
        return redirect(auth.local_path(request.form.get("next"), url_for("ui.overview.dashboard")))

    @bp.post("/logout")
    def logout():
        auth.start_session(admin=False)
        return redirect(url_for("ui.session.login"))

    @bp.post("/language")
    def language():
        chosen = request.form.get("lang")
        if chosen in LANGUAGES:
            session["lang"] = chosen
        return redirect(auth.local_path(request.form.get("next"), url_for("ui.overview.dashboard")))

    return bp
