"""`momentos install-webhooks` against the sandbox, and what it makes possible (issue #5):
the Zendesk webhook repaired and its secret kept encrypted and used, HubSpot subscribed
through the developer API, merges followed to one customer, and with
`webhook_connection: triggers` ticket changes brought by the Momentos trigger, stored once
however often they are polled. Real sockets throughout."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import yaml
from cryptography.fernet import Fernet

from connectors.zendesk.poll import poll_tickets
from connectors.zendesk.records import ticket_record
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


def zendesk_api(sandbox, method: str, path: str, **kwargs) -> requests.Response:
    auth = ("admin@momentos-demo.example/token", TEST_SECRETS["ZENDESK_API_TOKEN"])
    return requests.request(method, f"{sandbox.url}/api/v2{path}", auth=auth, timeout=10, **kwargs)


def zendesk_hooks(sandbox) -> list[dict]:
    response = zendesk_api(sandbox, "GET", "/webhooks")
    response.raise_for_status()
    return response.json()["webhooks"]


def zendesk_triggers(sandbox) -> list[dict]:
    response = zendesk_api(sandbox, "GET", "/triggers")
    response.raise_for_status()
    return response.json()["triggers"]


def connect(config: str, connection: str) -> None:
    """Set `zendesk.webhook_connection` in the configuration file the CLI reads."""
    data = yaml.safe_load(Path(config).read_text())
    data["zendesk"]["webhook_connection"] = connection
    Path(config).write_text(yaml.safe_dump(data))


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


def ticket_events(store, ticket_id) -> list[tuple]:
    rows = store.db.query(
        "SELECT version, source, data FROM events WHERE object_type = 'ticket' AND object_id = ?"
        " ORDER BY id",
        [str(ticket_id)],
    )
    return [(r["version"], r["source"], json.loads(r["data"])) for r in rows]


def test_ticket_changes_arrive_by_the_trigger_once_even_when_polled_too(wired, capsys):
    engine, sandbox, config = wired
    connect(config, "triggers")
    assert install(config, capsys, "--dry-run")[:3] == [
        f'zendesk: create webhook "Momentos" -> {engine.settings.web["public_url"]}'
        "/webhooks/zendesk",
        'zendesk: create trigger "Momentos: ticket changes" -> webhook <new webhook>',
        "zendesk: store its signing secret, encrypted",
    ]
    assert zendesk_hooks(sandbox) == [] and zendesk_triggers(sandbox) == []
    install(config, capsys)
    [hook] = zendesk_hooks(sandbox)
    assert hook["subscriptions"] == ["conditional_ticket_events"]
    [rule] = zendesk_triggers(sandbox)
    assert rule["actions"][0]["value"][0] == hook["id"]
    assert install(config, capsys) == ["nothing to do"]

    zendesk = sandbox.state.zendesk
    fields = {"subject": 'Sigue sin "llegar"', "comment": {"body": "Nada"},
              "requester": {"email": "ana@example.com", "name": "Ana"}}  # fmt: skip
    created = zendesk.create_ticket(fields)
    assert sandbox.state.deliveries.flush(timeout=30)
    # Versions are to the second: the change must land in a later one to be a new version.
    sandbox.state.clock.offset += timedelta(seconds=2)
    changed, _ = zendesk.update_ticket(created["id"], {"status": "solved", "tags": ["queja"]})
    assert sandbox.state.deliveries.flush(timeout=30)
    assert ticket_events(engine.store, created["id"]) == [
        (created["updated_at"], "webhook", ticket_record(created)),
        (changed["updated_at"], "webhook", ticket_record(changed)),
    ]
    # The export withholds the last minute: a minute on, the poll reads the same version
    # with the same natural key, and stores nothing new.
    sandbox.state.clock.offset += timedelta(seconds=90)
    polled = [event.key for page in poll_tickets(engine.zendesk, None, 0)
              for event in page.events if event.object_id == str(created["id"])]  # fmt: skip
    assert polled == [("zendesk", "ticket", str(created["id"]), changed["updated_at"])]
    engine.sync("zendesk")
    engine.sync("zendesk")
    assert [v for v, _, _ in ticket_events(engine.store, created["id"])] == [
        created["updated_at"],
        changed["updated_at"],
    ]


def test_the_trigger_is_repaired_and_leaving_trigger_mode_replaces_the_webhook(wired, capsys):
    engine, sandbox, config = wired
    connect(config, "triggers")
    install(config, capsys)
    [hook] = zendesk_hooks(sandbox)
    [rule] = zendesk_triggers(sandbox)
    assert zendesk_api(sandbox, "DELETE", f"/triggers/{rule['id']}").status_code == 204
    assert install(config, capsys, "--dry-run") == [
        f'zendesk: create trigger "Momentos: ticket changes" -> webhook {hook["id"]}',
        "dry run: 1 changes planned, none made",
    ]
    assert zendesk_triggers(sandbox) == []
    assert install(config, capsys)[0].startswith('zendesk: create trigger "Momentos')
    [rule] = zendesk_triggers(sandbox)
    page = zendesk_api(sandbox, "GET", "/triggers", params={"page[size]": 1}).json()
    assert [t["id"] for t in page["triggers"]] == [rule["id"]] and not page["meta"]["has_more"]
    # Sending conditions without actions clears the actions, as Zendesk does: refused.
    alone = {"trigger": {"conditions": rule["conditions"]}}
    assert zendesk_api(sandbox, "PUT", f"/triggers/{rule['id']}", json=alone).status_code == 422
    zendesk_api(sandbox, "PUT", f"/triggers/{rule['id']}", json={"trigger": {"active": False}})
    assert install(config, capsys)[0] == f"zendesk: update trigger {rule['id']}: active"
    assert install(config, capsys) == ["nothing to do"]
    # Zendesk refuses to move a webhook between connection methods (ZENDESK.md §11.1).
    moved = {"webhook": {"subscriptions": ["zen:event-type:ticket.created"]}}
    assert zendesk_api(sandbox, "PATCH", f"/webhooks/{hook['id']}", json=moved).status_code == 400

    connect(config, "events")
    assert install(config, capsys)[:3] == [
        f"zendesk: delete trigger {rule['id']}",
        f"zendesk: replace webhook {hook['id']} (connection method cannot change)",
        f'zendesk: create webhook "Momentos" -> {engine.settings.web["public_url"]}'
        "/webhooks/zendesk",
    ]
    assert zendesk_triggers(sandbox) == []
    [events_hook] = zendesk_hooks(sandbox)
    assert "zen:event-type:ticket.created" in events_hook["subscriptions"]
    assert install(config, capsys) == ["nothing to do"]
    # The new webhook's secret was stored: its event deliveries are taken.
    ticket = sandbox.state.zendesk.create_ticket(
        {"subject": "Hola", "comment": {"body": "x"}, "requester": {"email": "bo@example.com"}}
    )
    assert sandbox.state.deliveries.flush(timeout=30)
    assert [s for _, s, _ in ticket_events(engine.store, ticket["id"])] == ["webhook"]
