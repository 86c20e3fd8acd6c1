"""The configuration's marshmallow schemas: every key, its type, default and check.

What each key means is in `momentos.config.descriptions`, for docs/configuration.md."""

import zoneinfo
from datetime import time
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from connectors.http import check_base_url

LANGUAGES = ("es", "en")
ZENDESK_HOSTS = ("*.zendesk.com",)
HUBSPOT_HOSTS = ("api.hubapi.com",)
# The dispatcher's defaults too (issue #11). Due actions one round claims, the default and
# the most: each sender splits a claim into its tool's batch calls of at most 100, and
# Zendesk reads a claim's create_many jobs with one show_many (1,000 tickets: 11 calls).
MAX_BATCH_SIZE = 1000
BATCH_SIZE = MAX_BATCH_SIZE
# A claim's lease must outlast sending it. 1,000 calls of one action each (comments) take
# Zendesk's budget (400 a minute) past two 61 s windows, and tickets wait up to a minute
# for their jobs: 120 s was too short for a claim of 1,000; 300 leaves room for latency.
LEASE_SECONDS = 300.0


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
    # How `install-webhooks` connects the Momentos webhook (ZENDESK.md §11.1): one or the other.
    webhook_connection = fields.String(load_default="events",
                                       validate=validate.OneOf(["events", "triggers"]))  # fmt: skip
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


def _stream_name(value: str) -> None:
    from momentos.streams import STREAMS  # the streams import the clients: only when checked

    names = [stream.name for stream in STREAMS]
    if value not in names:
        raise ValidationError(f"no stream called {value!r}; streams: {', '.join(names)}")


class PollingSchema(_Strict):
    interval_seconds = fields.Integer(load_default=60, validate=validate.Range(min=10))
    max_lag_seconds = fields.Integer(load_default=900, validate=validate.Range(min=10))
    streams_off = fields.List(fields.String(validate=_stream_name), load_default=list)


class DispatchSchema(_Strict):
    # An in-flight action is looked up in the tool after this long without an answer.
    lease_seconds = fields.Float(load_default=LEASE_SECONDS, validate=validate.Range(min=1))
    # Due actions one round claims; each sender splits them into the tool's batch calls.
    batch_size = fields.Integer(load_default=BATCH_SIZE,
                                validate=validate.Range(min=1, max=MAX_BATCH_SIZE))  # fmt: skip
    max_backlog_minutes = fields.Float(load_default=15.0, validate=validate.Range(min=1))


class PlanningSchema(_Strict):
    # Processes that plan a workflow's scheduled run over every customer (0: one per CPU).
    processes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=64))


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
    planning = fields.Nested(PlanningSchema, load_default=lambda: PlanningSchema().load({}))
    workflows = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    # The Fernet key that encrypts secrets kept in the store (momentos/secrets.py).
    secrets_key_env = fields.String(load_default=None, allow_none=True, validate=_env_name)
    ui = fields.Nested(UiSchema, load_default=lambda: UiSchema().load({}))
    moments = fields.Nested(MomentsSchema, load_default=lambda: MomentsSchema().load({}))
    mail = fields.Nested(MailSchema, load_default=lambda: MailSchema().load({}))
    surveys = fields.Nested(SurveysSchema, load_default=lambda: SurveysSchema().load({}))
