"""Sandbox credentials from the same environment variables Momentos' demo config names.

The sandbox and Momentos must agree on tokens and webhook secrets; reading both from the
environment keeps them out of files and in step.
"""

import os

from sandbox.state import SandboxSettings

DEMO_SECRETS = {
    "ZENDESK_API_TOKEN": "sandbox-zendesk-token",
    "ZENDESK_WEBHOOK_SECRET": "demo-zendesk-webhook-secret",
    "HUBSPOT_TOKEN": "sandbox-hubspot-token",
    "HUBSPOT_APP_SECRET": "demo-hubspot-app-secret",
    "HUBSPOT_DEVELOPER_API_KEY": "demo-hubspot-developer-key",
}


def use_demo_secrets() -> None:
    """Fill in demo values for any secret the environment does not set."""
    for name, value in DEMO_SECRETS.items():
        os.environ.setdefault(name, value)


def settings_from_env(momentos_url: str | None = None, **overrides) -> SandboxSettings:
    use_demo_secrets()
    return SandboxSettings(
        zendesk_api_token=os.environ["ZENDESK_API_TOKEN"],
        zendesk_webhook_secret=os.environ["ZENDESK_WEBHOOK_SECRET"],
        hubspot_token=os.environ["HUBSPOT_TOKEN"],
        hubspot_client_secret=os.environ["HUBSPOT_APP_SECRET"],
        hubspot_developer_api_key=os.environ["HUBSPOT_DEVELOPER_API_KEY"],
        momentos_url=momentos_url,
        **overrides,
    )
