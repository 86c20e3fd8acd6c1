"""The Zendesk Support API client: Basic auth with an API token, budgets per family."""

import base64
from collections.abc import Mapping

import requests

from connectors.budget import Budget
from connectors.http import ApiClient

INCREMENTAL = "incremental"
DEFAULT = "default"
SEARCH = "search"


def default_budgets(
    requests_per_minute: int = 400, incremental_per_minute: int = 10
) -> dict[str, Budget]:
    """Zendesk's limits with a little slack (ZENDESK.md §4): a healthy run meets no 429.

    Incremental exports allow 10 a minute (30 with High Volume); the account limit depends
    on the plan (Team 200, Growth and Professional 400, Enterprise 700 a minute).
    """
    return {
        INCREMENTAL: Budget(incremental_per_minute, 61.0),
        DEFAULT: Budget(requests_per_minute, 61.0),
        SEARCH: Budget(100, 61.0),
    }


class ZendeskClient(ApiClient):
    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        session: requests.Session | None = None,
        clock=None,
        budgets: Mapping[str, Budget] | None = None,
        **options,
    ):
        credentials = base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
        header = f"Basic {credentials}"
        super().__init__(base_url, lambda: header, session=session, clock=clock,
                         budgets={**default_budgets(), **(budgets or {})}, **options)  # fmt: skip
