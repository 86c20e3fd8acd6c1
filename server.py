"""The Flask application factory: webhooks, health, and the admin UI as it grows."""

from collections.abc import Callable

from flask import Flask

from momentos.config import Settings
from momentos.store import Store
from momentos.web import api, errors, health, limits, metrics, survey, ui, webhooks

# Webhook batches are small (HubSpot: 100 events); anything bigger is refused with 413.
MAX_BODY_BYTES = 1024 * 1024


def create_app(
    settings: Settings, store: Store, clock, on_events: Callable[[], None] | None = None
) -> Flask:
    app = Flask("momentos")
    app.config.update(
        SETTINGS=settings, STORE=store, CLOCK=clock, MAX_CONTENT_LENGTH=MAX_BODY_BYTES
    )
    app.json.sort_keys = False
    errors.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(webhooks.blueprint(on_events or (lambda: None)))
    # The admin UI (its login, CSRF, languages) and its token-authenticated JSON API.
    ui.register(app, settings)
    app.register_blueprint(api.bp)
    # The survey page customers open from their email; an answer wakes the worker as
    # a webhook does.
    survey.register(app, settings, clock, on_events or (lambda: None))
    # The public endpoints the survey page and the login form leave unlimited (issue #12).
    limits.register(app)
    return app
