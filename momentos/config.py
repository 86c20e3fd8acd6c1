"""The YAML configuration, validated with marshmallow at start-up.

Every problem is reported at once as `path.key: problem (got value)`. Secrets are never in
the file: it names the environment variables that hold them.
"""

import os
import zoneinfo
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from connectors.http import check_base_url
from momentos.errors import ConfigError
from workflows import WORKFLOWS

LANGUAGES = ("es", "en")
ZENDESK_HOSTS = ("*.zendesk.com",)
HUBSPOT_HOSTS = ("api.hubapi.com",)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("not an IANA timezone such as Europe/Madrid") from exc


def _env_name(value: str) -> None:
    if not value.replace("_", "").isalnum() or not value[0].isalpha() or not value.isupper():
        raise ValidationError("must be the NAME of an environment variable, e.g. ZENDESK_API_TOKEN")


EnvVar = fields.String(required=True, validate=_env_name)


class StoreSchema(_Strict):
    path = fields.String(load_default="momentos.db")


class WebSchema(_Strict):
    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=8000, validate=validate.Range(min=0, max=65535))
    public_url = fields.Url(require_tld=False, load_default="http://127.0.0.1:8000")


class _ToolSchema(_Strict):
    base_url = fields.Url(require_tld=False, required=True)
    allow_custom_base_url = fields.Boolean(load_default=False)
    ALLOWED_HOSTS: tuple[str, ...] = ()

    @validates_schema
    def _guard_base_url(self, data: dict, **kwargs: Any) -> None:
        problem = check_base_url(
            data.get("base_url", ""), self.ALLOWED_HOSTS, data.get("allow_custom_base_url", False)
        )
        if problem:
            raise ValidationError(problem, field_name="base_url")


class ZendeskSchema(_ToolSchema):
    ALLOWED_HOSTS = ZENDESK_HOSTS
    email = fields.Email(required=True)
    api_token_env = EnvVar
    webhook_secret_env = EnvVar
    complaint_tags = fields.List(fields.String(), load_default=lambda: ["complaint", "queja"])
    poll_start = fields.Date(load_default=None, allow_none=True)


class HubSpotSchema(_ToolSchema):
    ALLOWED_HOSTS = HUBSPOT_HOSTS
    token_env = EnvVar
    app_secret_env = EnvVar
    portal_id = fields.Integer(required=True)
    app_url = fields.Url(require_tld=False, load_default="https://app.hubspot.com")
    fallback_owner_id = fields.String(required=True)
    # How long HubSpot search takes to show a new task; a lookup is trusted only after it.
    search_lag_seconds = fields.Float(load_default=60.0, validate=validate.Range(min=0))


class PollingSchema(_Strict):
    interval_seconds = fields.Integer(load_default=60, validate=validate.Range(min=10))


class DispatchSchema(_Strict):
    # An in-flight action is looked up in the tool after this long without an answer.
    lease_seconds = fields.Float(load_default=120.0, validate=validate.Range(min=1))
    batch_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


class GuardsSchema(_Strict):
    # No new action while the same workflow acted for the customer this many days ago.
    open_days = fields.Integer(load_default=7, validate=validate.Range(min=0))
    max_proactive_per_week = fields.Integer(load_default=2, validate=validate.Range(min=0))
    # Proactive work waits for the customer's working hours (quiet_start to quiet_end is night).
    quiet_start = fields.Time(load_default=time(20, 0))
    quiet_end = fields.Time(load_default=time(8, 0))
    business_days = fields.List(fields.Integer(validate=validate.Range(min=0, max=6)),
                                load_default=lambda: [0, 1, 2, 3, 4])  # fmt: skip


class SettingsSchema(_Strict):
    timezone = fields.String(load_default="UTC", validate=_timezone)
    default_language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    store = fields.Nested(StoreSchema, load_default=lambda: StoreSchema().load({}))
    web = fields.Nested(WebSchema, load_default=lambda: WebSchema().load({}))
    zendesk = fields.Nested(ZendeskSchema, required=True)
    hubspot = fields.Nested(HubSpotSchema, required=True)
    polling = fields.Nested(PollingSchema, load_default=lambda: PollingSchema().load({}))
    dispatch = fields.Nested(DispatchSchema, load_default=lambda: DispatchSchema().load({}))
    guards = fields.Nested(GuardsSchema, load_default=lambda: GuardsSchema().load({}))
    workflows = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


@dataclass
class Settings:
    """The validated configuration; `secret(name)` reads a secret from the environment."""

    timezone: str
    default_language: str
    store: dict[str, Any]
    web: dict[str, Any]
    zendesk: dict[str, Any]
    hubspot: dict[str, Any]
    polling: dict[str, Any]
    dispatch: dict[str, Any]
    guards: dict[str, Any]
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None

    def secret(self, tool: str, key: str) -> str:
        return os.environ[getattr(self, tool)[key]]


def _flatten(messages: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            out += _flatten(value, f"{path}.{name}" if path and name else path or name)
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [(path, "; ".join(messages))]
    if isinstance(messages, list):
        return [item for message in messages for item in _flatten(message, path)]
    return [(path, str(messages))]


def _value_at(data: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return "nothing"
    return data


def _describe(problem: str, path: str) -> str:
    if problem == "Unknown field.":
        leaf = path.rsplit(".", 1)[-1]
        hint = (
            " (secrets go in the environment: name the variable in a *_env key)"
            if any(word in leaf for word in ("token", "secret", "password"))
            else ""
        )
        return f"unknown key{hint}"
    if problem == "Missing data for required field.":
        return "is required"
    return problem.rstrip(".")


def _format(messages: dict, data: Any) -> list[str]:
    lines = []
    for path, problem in _flatten(messages):
        value = _value_at(data, path)
        got = "nothing" if value == "nothing" else repr(value)
        lines.append(f"{path or '(top)'}: {_describe(problem, path)} (got {got})")
    return lines


def _workflow_problems(raw: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    known = {workflow.NAME: workflow for workflow in WORKFLOWS}
    loaded, problems = {}, []
    for name, params in (raw or {}).items():
        if name not in known:
            problems.append(
                f"workflows.{name}: unknown workflow; known: "
                f"{', '.join(sorted(known))} (got {name!r})"
            )
            continue
        try:
            loaded[name] = known[name].Params().load(params or {})
        except ValidationError as exc:
            problems += _format({"workflows": {name: exc.messages}}, {"workflows": raw})
    for name, workflow in known.items():
        loaded.setdefault(name, workflow.Params().load({}))
    return loaded, problems


def _missing_secrets(data: dict[str, Any]) -> list[str]:
    problems = []
    for tool in ("zendesk", "hubspot"):
        for key, env in sorted(data.get(tool, {}).items()):
            if key.endswith("_env") and env not in os.environ:
                problems.append(
                    f"{tool}.{key}: environment variable {env} is not set (got {env!r})"
                )
    return problems


def load_settings(path: str | Path, *, require_secrets: bool = True) -> Settings:
    """Read and validate the YAML file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: no such configuration file"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: the configuration must be a mapping of keys"])
    problems: list[str] = []
    try:
        data = SettingsSchema().load(raw)
    except ValidationError as exc:
        problems += _format(exc.messages, raw)
        data = None
    raw_workflows = raw.get("workflows")
    workflows, workflow_problems = _workflow_problems(
        raw_workflows if isinstance(raw_workflows, dict) else {}
    )
    problems += workflow_problems
    if data is not None and require_secrets:
        problems += _missing_secrets(data)
    if problems:
        raise ConfigError(sorted(problems))
    data["workflows"] = workflows
    return Settings(**data, source=path)
