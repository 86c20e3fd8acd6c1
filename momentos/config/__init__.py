"""The YAML configuration, validated with marshmallow at start-up.

Every problem is reported at once as `path.key: problem (got value)`. Secrets are never in
the file: it names the environment variables that hold them.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from connectors.zendesk.client import DEFAULT, default_budgets

# Importing it attaches each key's meaning to the schemas (docs and `check-config`).
from momentos.config import descriptions  # noqa: F401
from momentos.config.schema import (
    HUBSPOT_HOSTS,
    ZENDESK_HOSTS,
    MailSchema,
    MomentsSchema,
    PlanningSchema,
    SettingsSchema,
    SurveysSchema,
    UiSchema,
)
from momentos.errors import ConfigError
from workflows import WORKFLOWS

__all__ = [
    "HUBSPOT_HOSTS",
    "ZENDESK_HOSTS",
    "ConfigError",
    "Settings",
    "SettingsSchema",
    "load_settings",
]


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
    secrets_key_env: str | None = None
    ui: dict[str, Any] = field(default_factory=lambda: UiSchema().load({}))
    moments: dict[str, Any] = field(default_factory=lambda: MomentsSchema().load({}))
    mail: dict[str, Any] = field(default_factory=lambda: MailSchema().load({}))
    surveys: dict[str, Any] = field(default_factory=lambda: SurveysSchema().load({}))
    planning: dict[str, Any] = field(default_factory=lambda: PlanningSchema().load({}))

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


def _problem_text(problem: str, path: str) -> str:
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
        lines.append(f"{path or '(top)'}: {_problem_text(problem, path)} (got {got})")
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
    # With a key to encrypt it, `install-webhooks` fetches Zendesk's signing secret and
    # stores it: a new install has none to put in the environment yet.
    fetched = {("zendesk", "webhook_secret_env")} if data.get("secrets_key_env") else set()
    problems = []
    for tool in ("zendesk", "hubspot"):
        for key, env in sorted(data.get(tool, {}).items()):
            if key.endswith("_env") and env not in os.environ and (tool, key) not in fetched:
                problems.append(
                    f"{tool}.{key}: environment variable {env} is not set (got {env!r})"
                )
    return problems


def _lease_problems(data: dict[str, Any]) -> list[str]:
    """A lease that expires while its claim is still being sent lets a second dispatcher
    look the actions up, find them absent and send them again (issue #11)."""
    dispatch, rpm = data["dispatch"], data["zendesk"]["requests_per_minute"]
    window = default_budgets(rpm)[DEFAULT].per_seconds
    # Calls of one action each (comments): past each `rpm` of them, the budget waits a window.
    needed = (dispatch["batch_size"] - 1) // rpm * window
    if dispatch["lease_seconds"] >= needed:
        return []
    return [
        f"dispatch.lease_seconds: shorter than the {needed:.0f} s that "
        f"zendesk.requests_per_minute ({rpm}) needs for a claim of dispatch.batch_size "
        f"({dispatch['batch_size']}) calls; raise it or lower dispatch.batch_size "
        f"(got {dispatch['lease_seconds']!r})"
    ]


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
    if data is not None:
        # A workflow may check its parameters against the rest (`config_problems`).
        for workflow in WORKFLOWS:
            check = getattr(workflow, "config_problems", None)
            problems += check(workflows[workflow.NAME], data) if check else []
    if data is not None:
        problems += _lease_problems(data)
    if data is not None and require_secrets:
        problems += _missing_secrets(data)
    if problems:
        raise ConfigError(sorted(problems))
    data["workflows"] = workflows
    return Settings(**data, source=path)
