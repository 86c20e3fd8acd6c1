"""What each configuration key means, attached to the schemas as field metadata, for
`python -m momentos.configdoc` (docs/configuration.md) and error messages."""

from marshmallow import Schema

from momentos.config.schema import (
    DispatchSchema,
    GuardsSchema,
    HubSpotSchema,
    MailSchema,
    MomentsSchema,
    PlanningSchema,
    PollingSchema,
    SettingsSchema,
    StoreSchema,
    SurveysSchema,
    UiSchema,
    WebSchema,
    ZendeskSchema,
)


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
    webhook_connection="How `momentos install-webhooks` connects the Momentos webhook: "
    "`events` (subscribed to ticket and user events) or `triggers` (called by the trigger "
    '"Momentos: ticket changes" on every ticket create and change; users then come by '
    "polling only). Zendesk cannot switch a webhook between the two: a change replaces it.",
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
    streams_off="Streams never polled, e.g. `[hubspot:invoices]` for a portal without invoices "
    "(or without the `crm.objects.invoices.read` scope): their workflows then have nothing.",
)
_describe(
    PlanningSchema,
    processes="Processes that plan a workflow's scheduled run over every customer, each for a "
    "share of the customers (by id), from 10,000 customers on; 0 means one per CPU, 1 plans "
    "in the worker's own process. Runs woken by new moments plan for their customers alone.",
)
_describe(
    DispatchSchema,
    lease_seconds="An action sent without an answer is looked up in the tool after this long. "
    "It must outlast sending a whole claim: a Zendesk comment is a call of its own, and "
    "`zendesk.requests_per_minute` paces those calls, so a lease shorter than the budget "
    "needs for `dispatch.batch_size` calls is refused.",
    batch_size="Due actions one dispatch round claims. Each tool's sender splits them into its "
    "own batch calls of at most 100; a bigger claim means fewer job-status reads for Zendesk "
    "(1,000 tickets: 10 `create_many` and 1 `show_many`). A claim must be sent within "
    "`dispatch.lease_seconds`.",
    max_backlog_minutes="/healthz reports actions still unsent this long after they were due.",
)
_describe(
    GuardsSchema,
    open_days="No new action while the same workflow acted for the customer this many days ago.",
    max_proactive_per_week="Most proactive contacts per customer in any 7 days; past it, "
    "courtesy contacts (greetings, offers, usage-drop calls) are dropped, warnings never.",
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
    planning="How a workflow's scheduled run is spread over processes.",
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
