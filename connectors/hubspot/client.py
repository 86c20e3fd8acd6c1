"""The HubSpot CRM API client: Bearer token, a ten-second budget and a search budget."""

from collections.abc import Mapping

import requests

from connectors.budget import Budget
from connectors.http import ApiClient
from connectors.hubspot import API_VERSION

DEFAULT = "default"
SEARCH = "search"
# Associations are v4 while objects are v3; dated versions name both the same way.
ASSOCIATIONS_VERSION = "v4" if API_VERSION == "v3" else API_VERSION


def crm_path(area: str, rest: str, version: str = API_VERSION) -> str:
    """`/crm/v3/objects/deals` today, `/crm/objects/2026-09/deals` with dated versions."""
    rest = rest.strip("/")
    if version.startswith("v"):
        return f"/crm/{version}/{area}/{rest}".rstrip("/")
    return f"/crm/{area}/{version}/{rest}".rstrip("/")


def default_budgets(requests_per_10s: int = 100, search_per_second: int = 5) -> dict[str, Budget]:
    """HubSpot's limits with slack (HUBSPOT.md §5): 100 per 10 s is the lowest tier's burst;
    search allows 5 a second, and the window is widened a little for network jitter."""
    return {DEFAULT: Budget(requests_per_10s, 10.0), SEARCH: Budget(search_per_second, 1.2)}


class HubSpotClient(ApiClient):
    def __init__(
        self,
        base_url: str,
        token: str,
        session: requests.Session | None = None,
        clock=None,
        budgets: Mapping[str, Budget] | None = None,
        **options,
    ):
        header = f"Bearer {token}"
        super().__init__(base_url, lambda: header, session=session, clock=clock,
                         budgets={**default_budgets(), **(budgets or {})}, **options)  # fmt: skip
