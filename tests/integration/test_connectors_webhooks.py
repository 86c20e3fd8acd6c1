"""`momentos install-webhooks` against the sandbox, and what it makes possible (issue #5):
the Zendesk webhook repaired and its secret kept encrypted and used, HubSpot subscribed
through the developer API, merges followed to one customer. Real sockets throughout."""

import json
from pathlib import Path

import pytest
import requests
import yaml
from cryptography.fernet import Fernet

from momentos.cli import main
from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.engine import Engine
from momentos.secrets import ZENDESK_WEBHOOK_SECRET
from momentos.serving import BackgroundServer
from momentos.store import Store
from sandbox import seed
from server import create_app
from tests.conftest import TEST_SECRETS

DEVELOPER_KEY = "sandbox-developer-key-for-tests"
APP_ID = 54321
DEMO_CONFIG = Path(__file__).parents[2] / "config" / "demo.yaml"


def write_config(tmp_path, sandbox_url: str, web_url: str) -> Path:
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    data["store"] = {"path": str(tmp_path / "momentos.db")}
    data["web"] = {"host": "127.0.0.1", "port": 0, "public_url": web_url}
    data["zendesk"]["base_url"] = sandbox_url
    data["hubspot"].update(base_url=sandbox_url, app_id=APP_ID,
                           developer_api_key_env="HUBSPOT_DEVELOPER_API_KEY")  # fmt: skip
    data["secrets_key_env"] = "MOMENTOS_SECRETS_KEY"
    path = tmp_path / "momentos.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def wired(tmp_path, monkeypatch):
    """(engine, sandbox, config path) wired as in production, with a secrets key and a
    HubSpot developer key, so install-webhooks can do everything itself."""
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxSettings

    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MOMENTOS_SECRETS_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("HUBSPOT_DEVELOPER_API_KEY", DEVELOPER_KEY)
    built = {}
    with BackgroundServer(lambda environ, start: built["app"](environ, start)) as web:
        box_settings = SandboxSettings(
            zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
            zendesk_webhook_secret=TEST_SECRETS["ZENDESK_WEBHOOK_SECRET"],
            hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
            hubspot_client_secret=TEST_SECRETS["HUBSPOT_APP_SECRET"],
            hubspot_developer_api_key=DEVELOPER_KEY,
            hubspot_app_id=APP_ID,
            hubspot_search_lag_seconds=0.0,
            momentos_url=web.url,
        )
        with SandboxServer(box_settings) as sandbox:
            config = write_config(tmp_path, sandbox.url, web.url)
            settings = load_settings(config)
            store = Store(settings.store["path"])
            built["app"] = create_app(settings, store, SystemClock())
            yield Engine(settings, store, SystemClock()), sandbox, str(config)


def zendesk_hooks(sandbox) -> list[dict]:
    auth = ("admin@momentos-demo.example/token", TEST_SECRETS["ZENDESK_API_TOKEN"])
    response = requests.get(f"{sandbox.url}/api/v2/webhooks", auth=auth, timeout=10)
    response.raise_for_status()
    return response.json()["webhooks"]


def install(config, capsys, *flags) -> list[str]:
    assert main(["--config", config, "install-webhooks", *flags]) == 0
    captured = capsys.readouterr()
    return captured.out.splitlines()


def test_install_repairs_the_webhook_stores_its_secret_sealed_then_has_nothing_to_do(
    wired, capsys, tmp_path
):
    engine, sandbox, config = wired
    seed.apply(sandbox.state, "demo")  # its "Momentos" webhook has ticket.created only
    [before] = zendesk_hooks(sandbox)

    planned = install(config, capsys, "--dry-run")
    assert f"zendesk: update webhook {before['id']}: subscriptions" in planned
    assert "hubspot: subscribe to contact.merge" in planned
    assert planned[-1].startswith("dry run: ") and planned[-1].endswith("none made")
    assert zendesk_hooks(sandbox) == [before]
    assert engine.store.secret_token(ZENDESK_WEBHOOK_SECRET) is None

    made = install(config, capsys)
    assert made[-1] == f"{len(made) - 1} changes made"
    [after] = zendesk_hooks(sandbox)
    assert after["id"] == before["id"] and "zen:event-type:user.deleted" in after["subscriptions"]
    secret = sandbox.state.zendesk.hooks.secret(after["id"])
    assert secret.encode() not in (tmp_path / "momentos.db").read_bytes()
    assert install(config, capsys) == ["nothing to do"]
    assert all(secret not in line for line in [*planned, *made])


def test_the_stored_secret_verifies_deliveries_after_the_secret_is_reset(wired, capsys):
    engine, sandbox, config = wired
    seed.apply(sandbox.state, "demo")
    install(config, capsys)
    [hook] = zendesk_hooks(sandbox)
    sandbox.state.zendesk.hooks.secret(hook["id"], reset=True)  # the env one is stale now
    users = sorted(sandbox.state.zendesk.users)
    fields = {"subject": "Sigue sin llegar", "comment": {"body": "Nada"}, "requester_id": users[1]}
    stale = sandbox.state.zendesk.create_ticket(fields)
    assert sandbox.state.deliveries.flush(timeout=30)
    assert install(config, capsys) == [
        "zendesk: store the webhook's signing secret, encrypted",
        "1 changes made",
    ]
    fresh = sandbox.state.zendesk.create_ticket(fields)
    assert sandbox.state.deliveries.flush(timeout=30)
    rows = engine.store.db.query(
        "SELECT object_id FROM events WHERE source = 'webhook' AND object_id IN (?, ?)",
        [str(stale["id"]), str(fresh["id"])],
    )
    # The stale-signed delivery was refused (401); the one after the reinstall was taken.
    assert [r["object_id"] for r in rows] == [str(fresh["id"])]


def test_a_merge_in_hubspot_reaches_momentos_and_puts_both_records_on_one_customer(wired, capsys):
    engine, sandbox, config = wired
    seed.apply(sandbox.state, "demo")
    install(config, capsys)
    engine.sync("hubspot")
    engine.derive()
    contacts = sandbox.state.hubspot.objects("contacts")
    keep, gone = contacts[0]["id"], contacts[1]["id"]
    customer = engine.store.customer_of("hubspot", "contact", keep)
    assert engine.store.customer_of("hubspot", "contact", gone) != customer
    sandbox.state.hubspot.merge("contacts", keep, gone)
    assert sandbox.state.deliveries.flush(timeout=30)
    engine.derive()
    assert engine.store.customer_of("hubspot", "contact", gone) == customer
    merged = engine.store.db.query(
        "SELECT deleted, data FROM events WHERE object_type = 'contact' AND object_id = ?"
        " AND source = 'webhook'",
        [gone],
    )
    assert [(r["deleted"], json.loads(r["data"])["merged_into"]) for r in merged] == [(1, keep)]
