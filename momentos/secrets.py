"""Secrets Momentos learns at run time (a webhook's signing secret), kept encrypted.

Fernet (from `cryptography`) because it is authenticated encryption with a versioned,
timestamped token format and key rotation (`MultiFernet`) in a widely reviewed library:
a tampered or wrongly keyed value fails loudly instead of decrypting to garbage, and no
cryptography is written here. The key lives in the environment variable named by
`secrets_key_env`, never in the store or the configuration file.
"""

import logging
import os

from cryptography.fernet import Fernet, InvalidToken

from momentos.errors import ConfigError, SignatureError

logger = logging.getLogger(__name__)

ZENDESK_WEBHOOK_SECRET = "zendesk.webhook_signing_secret"


class SecretBox:
    """Encrypts and decrypts secret text with one Fernet key."""

    def __init__(self, key: str):
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            # Never echo the key: say what is wrong with it.
            raise ConfigError(["secrets key: not a Fernet key (32 url-safe base64 bytes)"]) from exc

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ConfigError(["secrets key: cannot decrypt a stored secret (wrong key?)"]) from exc


def box_from_env(env_name: str | None) -> SecretBox | None:
    """The box keyed by the variable `env_name` names; None when unnamed or unset."""
    key = os.environ.get(env_name) if env_name else None
    return SecretBox(key) if key else None


def require_box(env_name: str | None) -> SecretBox:
    """The box, or a ConfigError saying which setting or variable is missing."""
    if not env_name:
        raise ConfigError(["secrets_key_env: is required to store webhook secrets (got nothing)"])
    box = box_from_env(env_name)
    if box is None:
        raise ConfigError([f"secrets_key_env: environment variable {env_name} is not set"])
    return box


def stored_secret(store, name: str, env_name: str | None) -> str | None:
    """The stored secret `name`, decrypted; None when none is stored or there is no key."""
    token = store.secret_token(name)
    if token is None:
        return None
    box = box_from_env(env_name)
    return box.open(token) if box is not None else None


def zendesk_webhook_secret(store, settings) -> str:
    """The secret that signs Zendesk's deliveries: the one `install-webhooks` stored, else
    the one named by `zendesk.webhook_secret_env`."""
    try:
        stored = stored_secret(store, ZENDESK_WEBHOOK_SECRET, settings.secrets_key_env)
    except ConfigError as exc:
        logger.warning("stored Zendesk webhook secret unusable, using the environment's: %s", exc)
        stored = None
    if stored:
        return stored
    env = settings.zendesk["webhook_secret_env"]
    if env not in os.environ:
        raise SignatureError("no Zendesk signing secret yet: run momentos install-webhooks")
    return os.environ[env]
