"""Configuration: every problem at once, as `path.key: problem (got value)`."""

from pathlib import Path

import pytest
import yaml

from momentos.cli import main
from momentos.config import load_settings
from momentos.errors import ConfigError
from workflows import WORKFLOWS

KNOWN = ", ".join(sorted(w.NAME for w in WORKFLOWS))
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
SECRETS = ("ZENDESK_API_TOKEN", "ZENDESK_WEBHOOK_SECRET", "HUBSPOT_TOKEN", "HUBSPOT_APP_SECRET")


@pytest.fixture
def secrets_set(monkeypatch):
    for name in SECRETS:
        monkeypatch.setenv(name, f"value-of-{name.lower()}")


def write(tmp_path, data) -> Path:
    path = tmp_path / "momentos.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def test_example_and_demo_configs_are_valid(secrets_set):
    settings = load_settings(EXAMPLE)
    assert settings.zendesk["base_url"] == "https://acme.zendesk.com"
    assert settings.workflows["complaint_followup"]["horizon_days"] == 7
    assert load_settings(EXAMPLE.with_name("demo.yaml")).hubspot["portal_id"] == 62515


def test_three_mistakes_are_reported_together(tmp_path, secrets_set, capsys):
    data = example()
    data["timezone"] = "Mars/Olympus"
    data["zendesk"]["email"] = "not-an-email"
    data["polling"]["interval_seconds"] = 2
    path = write(tmp_path, data)

    assert main(["check-config", str(path)]) == 2

    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "polling.interval_seconds: Must be greater than or equal to 10 (got 2)",
        "timezone: not an IANA timezone such as Europe/Madrid (got 'Mars/Olympus')",
        "zendesk.email: Not a valid email address (got 'not-an-email')",
    ]


def test_unknown_key_and_inline_secret_are_refused(tmp_path, secrets_set):
    data = example()
    data["zendesk"]["api_token"] = "abc123"
    data["colour"] = "blue"
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "colour: unknown key (got 'blue')",
        "zendesk.api_token: unknown key (secrets go in the environment: name the variable "
        "in a *_env key) (got 'abc123')",
    ]


def test_secret_env_var_must_be_set_and_be_a_name(tmp_path, monkeypatch, secrets_set):
    monkeypatch.delenv("HUBSPOT_TOKEN")
    data = example()
    data["zendesk"]["api_token_env"] = "my token"
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "zendesk.api_token_env: must be the NAME of an environment variable, e.g. "
        "ZENDESK_API_TOKEN (got 'my token')",
    ]
    data["zendesk"]["api_token_env"] = "ZENDESK_API_TOKEN"
    with pytest.raises(
        ConfigError,
        match=r"hubspot.token_env: environment variable "
        r"HUBSPOT_TOKEN is not set",
    ):
        load_settings(write(tmp_path, data))


def test_repeat_requests_by_a_category_no_field_is_named_for_is_refused(tmp_path, secrets_set):
    data = example()
    data["moments"]["category_fields"] = {"product": 360000000001}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "workflows.repeat_request.category_by: no ticket field is named 'app' in "
        "moments.category_fields (product): name its field id there, or count by tags or "
        "form (got 'app')"
    ]
    for fixed in ({"category_by": "product"}, {"category_by": "tags"}, {"enabled": False}):
        data["workflows"]["repeat_request"] = {**data["workflows"]["repeat_request"], **fixed}
        assert load_settings(write(tmp_path, data))


def test_a_stream_turned_off_must_exist(tmp_path, secrets_set):
    data = example()
    data["polling"]["streams_off"] = ["hubspot:invoices", "hubspot:invoice"]
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    [problem] = caught.value.problems
    assert problem.startswith("polling.streams_off.1: no stream called 'hubspot:invoice'; streams:")


def test_with_a_secrets_key_the_zendesk_signing_secret_may_wait_for_install_webhooks(
    tmp_path, monkeypatch, secrets_set
):
    monkeypatch.delenv("ZENDESK_WEBHOOK_SECRET")
    data = example()
    del data["secrets_key_env"]
    with pytest.raises(ConfigError, match="ZENDESK_WEBHOOK_SECRET is not set"):
        load_settings(write(tmp_path, data))
    data["secrets_key_env"] = "MOMENTOS_SECRETS_KEY"
    assert load_settings(write(tmp_path, data)).zendesk["webhook_secret_env"]


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254",
        "http://acme.zendesk.com",
        "https://evil.example.com",
        "http://127.0.0.1:5050",
    ],
)
def test_base_url_outside_the_tool_is_refused_unless_allowed(tmp_path, secrets_set, url):
    data = example()
    data["zendesk"]["base_url"] = url
    with pytest.raises(ConfigError, match=r"^zendesk.base_url: "):
        load_settings(write(tmp_path, data))


def test_custom_base_url_to_loopback_when_allowed(tmp_path, secrets_set):
    data = example()
    data["zendesk"].update(base_url="http://127.0.0.1:5050", allow_custom_base_url=True)
    assert load_settings(write(tmp_path, data)).zendesk["base_url"] == "http://127.0.0.1:5050"


def test_workflow_params_are_validated_and_defaulted(tmp_path, secrets_set):
    data = example()
    data["workflows"] = {"complaint_followup": {"priority": "URGENT"}, "nope": {}}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "workflows.complaint_followup.priority: Must be one of: LOW, MEDIUM, HIGH (got 'URGENT')",
        f"workflows.nope: unknown workflow; known: {KNOWN} (got 'nope')",
    ]
    del data["workflows"]
    settings = load_settings(write(tmp_path, data))
    assert settings.workflows["complaint_followup"]["enabled"] is True


def test_missing_file_and_bad_yaml_are_one_line_errors(tmp_path, capsys):
    assert main(["check-config", str(tmp_path / "nope.yaml")]) == 2
    assert (
        capsys.readouterr().err.strip() == f"{tmp_path / 'nope.yaml'}: no such configuration file"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("zendesk: [unclosed")
    assert main(["check-config", str(bad)]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_a_claim_holds_at_most_1000_actions(tmp_path, secrets_set):
    # Issue #11: the claim is not the tools' batch limit (senders split it), so up to 1,000.
    data = example()
    data["dispatch"] = {"batch_size": 1001}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "dispatch.batch_size: Must be greater than or equal to 1 and less than or equal to "
        "1000 (got 1001)"
    ]
    data["dispatch"] = {"batch_size": 1000}
    assert load_settings(write(tmp_path, data)).dispatch["batch_size"] == 1000
    del data["dispatch"]
    assert load_settings(write(tmp_path, data)).dispatch == {
        "batch_size": 1000, "lease_seconds": 300.0, "max_backlog_minutes": 15.0}  # fmt: skip


def test_a_lease_shorter_than_the_zendesk_budget_needs_for_a_claim_is_refused(
    tmp_path, secrets_set
):
    # 1,000 comments are 1,000 calls: at 400 a minute the budget waits two 61 s windows.
    data = example()
    data["dispatch"] = {"lease_seconds": 120}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data))
    assert caught.value.problems == [
        "dispatch.lease_seconds: shorter than the 122 s that zendesk.requests_per_minute (400) "
        "needs for a claim of dispatch.batch_size (1000) calls; raise it or lower "
        "dispatch.batch_size (got 120.0)"
    ]
    data["dispatch"]["batch_size"] = 400
    assert load_settings(write(tmp_path, data)).dispatch["lease_seconds"] == 120.0
