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


def _env_var() -> fields.String:
    # One field object per key: each carries its own description.
    return fields.String(required=True, validate=_env_name)


class StoreSchema(_Strict):
    path = fields.String(load_default="momentos.db")


class WebSchema(_Strict):
    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=8000, validate=validate.Range(min=0, max=65535))
    public_url = fields.Url(require_tld=False, load_default="http://127.0.0.1:8000")
    # gunicorn (momentos/wsgi.py); None: sized from the CPUs when it starts.
    workers = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    threads = fields.Integer(load_default=4, validate=validate.Range(min=1, max=64))
    timeout = fields.Integer(load_default=30, validate=validate.Range(min=1))


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
    api_token_env = _env_var()
    webhook_secret_env = _env_var()
    complaint_tags = fields.List(fields.String(), load_default=lambda: ["complaint", "queja"])
    poll_start = fields.Date(load_default=None, allow_none=True)
    # The account's request budgets (ZENDESK.md §4): plan limit, and exports (30 with HV).
    requests_per_minute = fields.Integer(load_default=400, validate=validate.Range(min=1))
    incremental_per_minute = fields.Integer(load_default=10, validate=validate.Range(min=1))


class HubSpotSchema(_ToolSchema):
    ALLOWED_HOSTS = HUBSPOT_HOSTS
    token_env = _env_var()
    app_secret_env = _env_var()
    portal_id = fields.Integer(required=True)
    app_url = fields.Url(require_tld=False, load_default="https://app.hubspot.com")
    fallback_owner_id = fields.String(required=True)
    # How long HubSpot search takes to show a new task; a lookup is trusted only after it.
    search_lag_seconds = fields.Float(load_default=60.0, validate=validate.Range(min=0))
    # The app's request budgets (HUBSPOT.md §5): burst per 10 s, and search per second.
    requests_per_10s = fields.Integer(load_default=100, validate=validate.Range(min=1))
    search_per_second = fields.Integer(load_default=5, validate=validate.Range(min=1))
    # Optional: a developer account's key and the app id let install-webhooks subscribe.
    developer_api_key_env = fields.String(validate=_env_name)
    app_id = fields.Integer()


class PollingSchema(_Strict):
    interval_seconds = fields.Integer(load_default=60, validate=validate.Range(min=10))
    max_lag_seconds = fields.Integer(load_default=900, validate=validate.Range(min=10))


class DispatchSchema(_Strict):
    # An in-flight action is looked up in the tool after this long without an answer.
    lease_seconds = fields.Float(load_default=120.0, validate=validate.Range(min=1))
    batch_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))
    max_backlog_minutes = fields.Float(load_default=15.0, validate=validate.Range(min=1))


class GuardsSchema(_Strict):
    # No new action while the same workflow acted for the customer this many days ago.
    open_days = fields.Integer(load_default=7, validate=validate.Range(min=0))
    max_proactive_per_week = fields.Integer(load_default=2, validate=validate.Range(min=0))
    # Proactive work waits for the customer's working hours (quiet_start to quiet_end is night).
    quiet_start = fields.Time(load_default=time(20, 0))
    quiet_end = fields.Time(load_default=time(8, 0))
    business_days = fields.List(fields.Integer(validate=validate.Range(min=0, max=6)),
                                load_default=lambda: [0, 1, 2, 3, 4])  # fmt: skip


def _rate_limit(value: str) -> None:
    from limits import parse

    try:
        parse(value)
    except ValueError as exc:
        raise ValidationError("not a rate limit such as '5 per minute'") from exc


class UiSchema(_Strict):
    """The admin UI and its JSON API: each secret is named here and read from the environment."""

    # Holds a werkzeug password hash (config/example.yaml shows how to make one) or, less
    # safely, the plain password.
    password_env = fields.String(load_default="MOMENTOS_ADMIN_PASSWORD", validate=_env_name)
    # Signs the session cookie; unset means nobody can log in (there is no default key).
    secret_key_env = fields.String(load_default="MOMENTOS_SECRET_KEY", validate=_env_name)
    # The bearer token of /api/...; unset means the API answers 401 to everyone.
    api_token_env = fields.String(load_default="MOMENTOS_API_TOKEN", validate=_env_name)
    # The staff's language; unset means `default_language`.
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    login_rate_limit = fields.String(load_default="5 per minute", validate=_rate_limit)
    session_hours = fields.Integer(load_default=8, validate=validate.Range(min=1, max=24 * 30))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=5, max=500))
    # A backtest replays each day of its window: a bound keeps one request from running for hours.
    max_backtest_days = fields.Integer(load_default=92, validate=validate.Range(min=1, max=3660))


class MomentsSchema(_Strict):
    """How records become moments (momentos/moments/): dates, pipelines, thresholds."""

    horizon_days = fields.Integer(load_default=120, validate=validate.Range(min=1, max=730))
    feb29_policy = fields.String(load_default="feb28", validate=validate.OneOf(["feb28", "mar1"]))
    date_order = fields.String(load_default="dmy", validate=validate.OneOf(["dmy", "mdy"]))
    birthday_field = fields.String(load_default="birthday")
    founding_field = fields.String(load_default="founding_date")
    anniversary_round_years = fields.Integer(load_default=5, validate=validate.Range(min=1))
    renewal_pipelines = fields.List(fields.String(), load_default=list)
    renewal_date_property = fields.String(load_default=None, allow_none=True)
    service_pipelines = fields.List(fields.String(), load_default=list)
    won_stages = fields.List(fields.String(), load_default=lambda: ["closedwon"])
    lost_stages = fields.List(fields.String(), load_default=lambda: ["closedlost"])
    usage_object_type = fields.String(
        load_default="company",
        validate=validate.OneOf(["company", "contact", "user", "organization"]),
    )
    usage_property = fields.String(load_default=None, allow_none=True)
    usage_stale_days = fields.Integer(load_default=30, validate=validate.Range(min=1))
    billing_variation_percent = fields.Float(load_default=20.0, validate=validate.Range(min=0))
    billing_history = fields.Integer(load_default=3, validate=validate.Range(min=1, max=24))
    category_fields = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)


class MailSchema(_Strict):
    """The SMTP server Momentos sends customer mail through (surveys, issue #9)."""

    # Empty: no mail is sent; survey actions fail with a message saying so.
    host = fields.String(load_default=None, allow_none=True)
    port = fields.Integer(load_default=587, validate=validate.Range(min=1, max=65535))
    security = fields.String(load_default="starttls",
                             validate=validate.OneOf(["starttls", "ssl", "none"]))  # fmt: skip
    username_env = fields.String(load_default=None, allow_none=True, validate=_env_name)
    password_env = fields.String(load_default=None, allow_none=True, validate=_env_name)
    from_address = fields.Email(load_default=None, allow_none=True)
    from_name = fields.String(load_default="Momentos")
    timeout_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=1, max=300))

    @validates_schema
    def _sender_named(self, data: dict, **kwargs: Any) -> None:
        if data.get("host") and not data.get("from_address"):
            raise ValidationError("is required when mail.host is set", field_name="from_address")


class SurveysSchema(_Strict):
    """Survey links and the survey page (issue #9)."""

    # Signs the links; unset: the page answers 503 and no survey can be sent.
    secret_key_env = fields.String(load_default="MOMENTOS_SURVEY_KEY", validate=_env_name)
    # Where customers reach the survey page; empty means `web.public_url`.
    public_url = fields.Url(require_tld=False, load_default=None, allow_none=True)
    link_max_age_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    answer_window_minutes = fields.Integer(load_default=30,
                                           validate=validate.Range(min=0, max=24 * 60))  # fmt: skip
    rate_limit = fields.String(load_default="20 per minute", validate=_rate_limit)
    max_body_bytes = fields.Integer(load_default=16 * 1024,
                                    validate=validate.Range(min=1024, max=1024 * 1024))  # fmt: skip
    max_comment_chars = fields.Integer(load_default=2000,
                                       validate=validate.Range(min=100, max=10_000))  # fmt: skip


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
    # The Fernet key that encrypts secrets kept in the store (momentos/secrets.py).
    secrets_key_env = fields.String(load_default=None, allow_none=True, validate=_env_name)
    ui = fields.Nested(UiSchema, load_default=lambda: UiSchema().load({}))
    moments = fields.Nested(MomentsSchema, load_default=lambda: MomentsSchema().load({}))
    mail = fields.Nested(MailSchema, load_default=lambda: MailSchema().load({}))
    surveys = fields.Nested(SurveysSchema, load_default=lambda: SurveysSchema().load({}))


def _describe(schema: type[Schema], **descriptions: str) -> None:
    """Attach each key's meaning as field metadata (`python -m momentos.configdoc` reads it);
    a misspelt key fails at import."""
    for name, text in descriptions.items():
        schema._declared_fields[name].metadata["description"] = text


# What each key means, for docs/configuration.md; say what a reader needs to set it.
_describe(StoreSchema, path="SQLite file, on a local disk that `serve` and `worker` share.")
_describe(
    WebSchema,
    host="Address `momentos serve` listens on (0.0.0.0 in a container).",
    port="Port `momentos serve` listens on.",
    public_url="The URL Zendesk and HubSpot call; HubSpot signs it, so it must be exactly this.",
    workers="gunicorn worker processes; empty means 2 x CPUs + 1, at most 8.",
    threads="Threads per worker process.",
    timeout="Seconds a request may take before gunicorn restarts its worker.",
)
_TOOL = {
    "base_url": "The API: https://SUBDOMAIN.zendesk.com, https://api.hubapi.com, or the sandbox.",
    "allow_custom_base_url": "Allow any other host for `base_url` (the sandbox, a proxy); "
    "link-local (cloud metadata) addresses stay refused.",
}
_describe(
    ZendeskSchema,
    **_TOOL,
    email="The agent the API token belongs to.",
    api_token_env="Environment variable holding the Zendesk API token.",
    webhook_secret_env="Environment variable holding the Momentos webhook's signing secret.",
    complaint_tags="Tickets with any of these tags are complaints.",
    poll_start="Date the first poll starts from (later ones resume from the cursor); empty: all.",
    requests_per_minute="API requests a minute the plan allows (Team 200, Growth 400, "
    "Enterprise 700).",
    incremental_per_minute="Incremental exports a minute (10; 30 with High Volume).",
)
_describe(
    HubSpotSchema,
    **_TOOL,
    token_env="Environment variable holding the app's access token.",
    app_secret_env="Environment variable holding the app's client secret (it signs webhooks).",
    portal_id="Your portal (hub) id, for links to records.",
    app_url="HubSpot's web app, for links to records.",
    fallback_owner_id="Owner of tasks for customers who have no owner in HubSpot.",
    search_lag_seconds="How long search takes to show a new task; a lookup is trusted only after.",
    requests_per_10s="Requests the app may make in any 10 seconds.",
    search_per_second="CRM search requests a second.",
    developer_api_key_env="Environment variable holding a developer account's API key, so that "
    "`momentos install-webhooks` can subscribe the app itself.",
    app_id="The app's id (with `developer_api_key_env`).",
)
_describe(
    PollingSchema,
    interval_seconds="Seconds between polls of each tool (webhooks bring changes sooner).",
    max_lag_seconds="/healthz reports a stream whose cursor has not moved for longer than this.",
)
_describe(
    DispatchSchema,
    lease_seconds="An action sent without an answer is looked up in the tool after this long.",
    batch_size="Actions per batch call (the tools take at most 100).",
    max_backlog_minutes="/healthz reports actions still unsent this long after they were due.",
)
_describe(
    GuardsSchema,
    open_days="No new action while the same workflow acted for the customer this many days ago.",
    max_proactive_per_week="Most proactive actions per customer in any 7 days.",
    quiet_start="Start of the customer's night: proactive work waits until `quiet_end`.",
    quiet_end="End of the customer's night.",
    business_days="Days proactive work may land on: 0 is Monday, 6 is Sunday.",
)
_describe(
    UiSchema,
    password_env="Environment variable holding the admin password (a werkzeug hash, preferably).",
    secret_key_env="Environment variable holding the key that signs session cookies; unset: "
    "nobody can log in.",
    api_token_env="Environment variable holding the bearer token of /api; unset: the API "
    "answers 401.",
    language="The staff's language; empty means `default_language`.",
    login_rate_limit="Login attempts allowed per client, such as '5 per minute'.",
    session_hours="Hours a login lasts.",
    page_size="Rows per page in the UI and the API.",
    max_backtest_days="Longest backtest window, in days.",
)
_describe(
    SettingsSchema,
    timezone="The company's IANA timezone, e.g. Europe/Madrid.",
    default_language="Language of staff texts, and of customers whose language is unknown.",
    store="Where Momentos keeps its data.",
    web="`momentos serve`: webhooks, health, metrics and the UI.",
    zendesk="The Zendesk account.",
    hubspot="The HubSpot account (a private or public app).",
    polling="How often the worker polls each tool.",
    dispatch="How the outbox is sent.",
    guards="Limits on proactive contact, applied between plan and outbox.",
    workflows="Each workflow's parameters, under its name (see the workflow sections).",
    secrets_key_env="Environment variable holding the Fernet key for secrets kept in the store.",
    ui="The admin UI and its JSON API.",
)


_describe(
    MomentsSchema,
    horizon_days="How far ahead dated moments (birthdays, anniversaries, renewals) are "
    "foreseen; cover the earliest lead a workflow needs (renewals: 90 days).",
    feb29_policy="When a 29 February birthday or anniversary falls in a common year: "
    "`feb28` or `mar1`.",
    date_order="How `01/02/1990` in a free-text date of birth reads: day first (`dmy`) or "
    "month first (`mdy`); a number over 12 decides by itself.",
    birthday_field="Key of the Zendesk user field holding the birthday.",
    founding_field="Key of the Zendesk organization field holding the founding date.",
    anniversary_round_years="A founding year without a day gives only these round "
    "anniversaries, on the day the company became a customer in the tool.",
    renewal_pipelines="HubSpot deal pipelines whose deals are renewals (close date = "
    "renewal date).",
    renewal_date_property="A HubSpot date property on deals or companies holding the "
    "renewal date; empty: none.",
    service_pipelines="HubSpot deal pipelines whose won deals are services completed.",
    won_stages="Deal stages that mean won.",
    lost_stages="Deal stages that mean lost.",
    usage_object_type="Record type carrying the last-activity property.",
    usage_property="Property (or Zendesk field) with the date of the last activity; empty: "
    "no usage drops.",
    usage_stale_days="Days without activity that make a usage drop.",
    billing_variation_percent="An invoice this many percent above or below the average of the "
    "previous ones is a billing variation.",
    billing_history="How many previous invoices (same company, same currency) make the average.",
    category_fields="Zendesk ticket fields that categorise requests, by name: e.g. "
    "`{app: 360000000001}`.",
)
_describe(SettingsSchema, moments="How records become moments of truth.")
_describe(
    MailSchema,
    host="SMTP server for customer mail (surveys); empty: no mail is sent.",
    port="SMTP port: 587 for STARTTLS, 465 for SSL, 25 or 1025 for a local relay.",
    security="`starttls` (upgrade after connecting), `ssl` (TLS from the start) or `none` "
    "(a local relay or the sandbox only).",
    username_env="Environment variable holding the SMTP user name; empty: no login.",
    password_env="Environment variable holding the SMTP password.",
    from_address="The address surveys come from (required with `host`).",
    from_name="The name surveys come from.",
    timeout_seconds="Seconds to wait for the SMTP server before giving up on a message.",
)
_describe(
    SurveysSchema,
    secret_key_env="Environment variable holding the key that signs survey links; unset: "
    "no survey is sent and the page answers 503. Make one with "
    '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.',
    public_url="Where customers open survey links; empty means `web.public_url`.",
    link_max_age_days="Days a survey link stays valid.",
    answer_window_minutes="Minutes after the first answer in which the customer may change "
    "it; follow-ups wait for the window to close and act on the last answer.",
    rate_limit="Survey page requests allowed per client, such as '20 per minute'.",
    max_body_bytes="Largest survey form accepted; bigger ones get 413.",
    max_comment_chars="Longest comment accepted.",
)
_describe(
    SettingsSchema,
    mail="The SMTP server for customer mail.",
    surveys="Survey links and the survey page.",
)


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
