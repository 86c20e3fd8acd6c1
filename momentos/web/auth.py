"""Who may use the admin UI and its API: one admin password, one API bearer token.

Both secrets live in environment variables that the `ui` configuration names. When one is
unset, the door it guards stays shut (no default password, key or token, ever).
"""

import hmac
import os
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from werkzeug.security import check_password_hash

from momentos.config import Settings
from momentos.errors import MomentosError

# The prefixes werkzeug's generate_password_hash writes; anything else is a plain password.
HASH_PREFIXES = ("scrypt:", "pbkdf2:")
SESSION_KEY = "admin"


class Unauthorized(MomentosError):
    """401 on the API: no token, a wrong token, or no token configured."""

    status = 401


def _env(settings: Settings, key: str) -> str | None:
    return os.environ.get(settings.ui[key]) or None


def configure_session(app: Flask, settings: Settings) -> None:
    """Signed-cookie sessions keyed from the environment; no key, no sessions (no login)."""
    https = settings.web["public_url"].startswith("https://")
    app.config.update(
        SECRET_KEY=_env(settings, "secret_key_env"),
        SESSION_COOKIE_NAME="momentos_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Browsers drop a Secure cookie over plain http, which the demo on 127.0.0.1 uses.
        SESSION_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.ui["session_hours"]),
    )


def missing_secrets(settings: Settings) -> list[str]:
    """The environment variables the login needs and lacks (names only, never values)."""
    return [
        settings.ui[key] for key in ("password_env", "secret_key_env") if not _env(settings, key)
    ]


def password_ok(settings: Settings, given: str) -> bool:
    """Compare with the stored werkzeug hash, or in constant time with a plain password."""
    stored = _env(settings, "password_env")
    if stored is None or not given:
        return False
    if stored.startswith(HASH_PREFIXES):
        return check_password_hash(stored, given)
    return hmac.compare_digest(stored.encode(), given.encode())


def start_session(admin: bool) -> None:
    """A fresh session at login and logout, so nothing set before (a planted value) carries
    over; only the chosen language does."""
    language = session.get("lang")
    session.clear()
    if admin:
        session.permanent = True
        session[SESSION_KEY] = True
    if language:
        session["lang"] = language


def logged_in() -> bool:
    return bool(session.get(SESSION_KEY))


def require_token() -> None:
    """Raise Unauthorized unless the request carries the configured bearer token."""
    settings = current_app.config["SETTINGS"]
    expected = _env(settings, "api_token_env")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if expected is None:
        raise Unauthorized(f"the API is disabled: set {settings.ui['api_token_env']}")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")


def local_path(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    # Browsers read a backslash as a slash, so "/\\evil.example" is another site too.
    elsewhere = target.startswith("//") or "\\" in target
    if parts.scheme or parts.netloc or not target.startswith("/") or elsewhere:
        return fallback
    return target
