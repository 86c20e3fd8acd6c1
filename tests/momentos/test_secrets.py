"""Secrets kept in the store are Fernet ciphertext; the key comes from the environment."""

import pytest
from cryptography.fernet import Fernet

from momentos.errors import ConfigError
from momentos.secrets import (
    ZENDESK_WEBHOOK_SECRET,
    SecretBox,
    require_box,
    stored_secret,
    zendesk_webhook_secret,
)
from momentos.store import Store
from tests.factories import T0

KEY = Fernet.generate_key().decode()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def test_a_sealed_secret_opens_with_its_key_only():
    token = SecretBox(KEY).seal("s3cr3t")
    assert "s3cr3t" not in token
    assert SecretBox(KEY).open(token) == "s3cr3t"
    with pytest.raises(ConfigError, match="cannot decrypt a stored secret"):
        SecretBox(Fernet.generate_key().decode()).open(token)


def test_a_bad_key_is_refused_without_echoing_it():
    with pytest.raises(ConfigError) as caught:
        SecretBox("not-a-key-but-secret-text")
    assert "not-a-key-but-secret-text" not in str(caught.value)


def test_require_box_names_what_is_missing(monkeypatch):
    with pytest.raises(ConfigError, match="secrets_key_env: is required"):
        require_box(None)
    with pytest.raises(ConfigError, match="MOMENTOS_SECRETS_KEY is not set"):
        require_box("MOMENTOS_SECRETS_KEY")
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", KEY)
    assert require_box("MOMENTOS_SECRETS_KEY").open(SecretBox(KEY).seal("x")) == "x"


def test_the_store_holds_only_ciphertext(store, tmp_path, monkeypatch):
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", KEY)
    store.put_secret(ZENDESK_WEBHOOK_SECRET, SecretBox(KEY).seal("s3cr3t"), T0)
    assert b"s3cr3t" not in (tmp_path / "m.db").read_bytes()
    assert stored_secret(store, ZENDESK_WEBHOOK_SECRET, "MOMENTOS_SECRETS_KEY") == "s3cr3t"
    assert stored_secret(store, "other", "MOMENTOS_SECRETS_KEY") is None


class FakeSettings:
    zendesk = {"webhook_secret_env": "ZENDESK_WEBHOOK_SECRET"}

    def __init__(self, key_env):
        self.secrets_key_env = key_env

    def secret(self, tool, key):
        import os

        return os.environ[getattr(self, tool)[key]]


def test_webhooks_verify_with_the_stored_secret_else_the_environments(store, monkeypatch):
    monkeypatch.setenv("ZENDESK_WEBHOOK_SECRET", "from-env")
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", KEY)
    settings = FakeSettings("MOMENTOS_SECRETS_KEY")
    assert zendesk_webhook_secret(store, settings) == "from-env"
    store.put_secret(ZENDESK_WEBHOOK_SECRET, SecretBox(KEY).seal("stored"), T0)
    assert zendesk_webhook_secret(store, settings) == "stored"
    # Without the key, or with another one, the environment's secret still works.
    assert zendesk_webhook_secret(store, FakeSettings(None)) == "from-env"
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", Fernet.generate_key().decode())
    assert zendesk_webhook_secret(store, settings) == "from-env"
