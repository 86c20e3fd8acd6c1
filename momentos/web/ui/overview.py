"""The read-only pages: the dashboard, the connectors' health and the identity review list."""

from flask import Blueprint, current_app, render_template

from momentos.web.ui import reads

bp = Blueprint("overview", __name__)


def _context():
    config = current_app.config
    return config["STORE"], config["SETTINGS"], config["CLOCK"].now()


@bp.get("/")
def dashboard():
    store, settings, now = _context()
    return render_template("ui/dashboard.html", data=reads.dashboard(store, settings, now))


@bp.get("/connectors")
def connectors():
    store, settings, now = _context()
    return render_template("ui/connectors.html", data=reads.connectors(store, settings, now))


@bp.get("/identity")
def identity():
    store, _, _ = _context()
    return render_template("ui/identity.html", reviews=reads.reviews(store))
