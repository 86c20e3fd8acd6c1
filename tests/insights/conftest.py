"""A sandbox account whose requests shift towards one app at a known day, synced through
the real connector and derived into moments, and the Momentos app reading that store."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from momentos.clock import FrozenClock
from momentos.engine import Engine
from momentos.store import Store
from sandbox.scale import seed_size
from server import create_app
from tests.conftest import TEST_SECRETS
from tests.web.conftest import UI_SECRETS

TOKEN = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
# The spike: Android's share goes from 20% to 42% (sandbox/scale.py's mixes) on this day.
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
SHIFT = END - timedelta(days=9, hours=5)


@pytest.fixture(autouse=True)
def ui_env(monkeypatch):
    """The API reads its token from the environment at each request (after clean_environ)."""
    for name, value in UI_SECRETS.items():
        monkeypatch.setenv(name, value)


@dataclass
class Planted:
    engine: Engine
    client: object  # the app's test client, with the API token
    shift: datetime
    sandbox: object


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """4,000 tickets over 70 days, synced and derived once for the module's tests."""
    from sandbox.server import SandboxServer
    from sandbox.state import SandboxSettings

    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**TEST_SECRETS, **UI_SECRETS}.items():
            patch.setenv(name, value)
        sandbox_settings = SandboxSettings(
            rate_limits=False, zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
            hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"])  # fmt: skip
        with SandboxServer(sandbox_settings) as sandbox:
            seeded = seed_size(sandbox.state, 4000, start=END - timedelta(days=70), end=END,
                               seed=3, shift_at=SHIFT)  # fmt: skip
            settings = _settings(tmp_path_factory.mktemp("planted"), sandbox.url,
                                 seeded["app_field_id"])  # fmt: skip
            store = Store(settings.store["path"])
            clock = FrozenClock(datetime.now(UTC))
            engine = Engine(settings, store, clock)
            engine.sync("zendesk")
            engine.derive()
            app = create_app(settings, store, clock)
            yield Planted(engine, _client(app), SHIFT, sandbox)


def _settings(directory, url: str, field_id: int):
    from pathlib import Path

    import yaml

    from momentos.config import load_settings

    data = yaml.safe_load((Path(__file__).parents[2] / "config" / "demo.yaml").read_text())
    data["store"] = {"path": str(directory / "momentos.db")}
    data["zendesk"] = {**data["zendesk"], "base_url": url}
    data["hubspot"] = {**data["hubspot"], "base_url": url}
    data["moments"] = {"category_fields": {"app": field_id}}
    data["workflows"] = {"spike_root_cause": {"group_id": 360000000201}}
    path = directory / "momentos.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_settings(path)


def _client(app):
    client = app.test_client()

    def get(url):
        return client.get(url, headers=TOKEN)

    client.api = get
    return client
