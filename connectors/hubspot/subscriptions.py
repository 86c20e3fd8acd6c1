"""HubSpot webhook subscriptions Momentos needs, and the app webhooks API that sets them.

Legacy private apps manage subscriptions only in their settings page, so the list is
printed for a person to enter. Apps with a developer account can be set up through
`/webhooks/v3/{appId}/settings|subscriptions`, authorised by the developer API key
(`hapikey` in the query string) rather than the app's token (HUBSPOT.md §6.1-6.2).
"""

from collections.abc import Iterable, Mapping
from typing import Any

import requests

from connectors.budget import Budget
from connectors.http import ApiClient
from momentos.errors import FatalApiError

# Legacy subscription names cover these types; invoices would need generic `object.*`.
OBJECTS = ("contact", "company", "deal")
CHANGES = ("creation", "deletion", "merge")
# HubSpot refuses these, and record dates change on every write anyway.
NOT_SUBSCRIBABLE = frozenset({"hs_lastmodifieddate", "lastmodifieddate", "createdate",
                              "hs_object_id", "num_unique_conversion_events"})  # fmt: skip
# Above the minimum of 5 HubSpot requires; Momentos answers fast (DESIGN.md invariants).
MAX_CONCURRENT_REQUESTS = 10

Subscription = tuple[str, str | None]  # (eventType, propertyName)


def desired_subscriptions(properties: Mapping[str, Iterable[str]]) -> list[Subscription]:
    """Creation, deletion and merge of each object, and a change of each property read."""
    wanted: list[Subscription] = []
    for name in OBJECTS:
        wanted += [(f"{name}.{change}", None) for change in CHANGES]
        names = sorted(set(properties.get(name, ())) - NOT_SUBSCRIBABLE)
        wanted += [(f"{name}.propertyChange", prop) for prop in names]
    return wanted


def describe(subscription: Subscription) -> str:
    event_type, prop = subscription
    return f"{event_type} ({prop})" if prop else event_type


def missing(current: list[dict[str, Any]], wanted: list[Subscription]):
    """(subscriptions to create, ids of paused ones to activate); others are left alone."""
    by_key = {(s.get("eventType"), s.get("propertyName") or None): s for s in current}
    create = [w for w in wanted if w not in by_key]
    activate = [str(by_key[w]["id"]) for w in wanted if w in by_key and not by_key[w]["active"]]
    return create, activate


class WebhooksApi:
    """The app webhooks API of one HubSpot app, with the developer account's key."""

    def __init__(self, base_url: str, app_id: int, developer_key: str,
                 session: requests.Session | None = None, clock=None):  # fmt: skip
        self.client = ApiClient(base_url, None, budgets={"default": Budget(100, 10.0)},
                                auth_params=lambda: {"hapikey": developer_key},
                                session=session, clock=clock)  # fmt: skip
        self.prefix = f"/webhooks/v3/{app_id}"

    def target_url(self) -> str | None:
        try:
            body = self.client.request_json("GET", f"{self.prefix}/settings")
        except FatalApiError as exc:
            if exc.status_code == 404:
                return None
            raise
        return body.get("targetUrl")

    def set_target_url(self, url: str) -> None:
        throttling = {"maxConcurrentRequests": MAX_CONCURRENT_REQUESTS}
        self.client.request("PUT", f"{self.prefix}/settings",
                            json={"targetUrl": url, "throttling": throttling})  # fmt: skip

    def subscriptions(self) -> list[dict[str, Any]]:
        body = self.client.request_json("GET", f"{self.prefix}/subscriptions")
        return list(body.get("results") or [])

    def create(self, subscription: Subscription) -> None:
        event_type, prop = subscription
        body: dict[str, Any] = {"eventType": event_type, "active": True}
        if prop:
            body["propertyName"] = prop
        # A lost answer may have created it: the next run lists it and skips it.
        self.client.request("POST", f"{self.prefix}/subscriptions", json=body, idempotent=False)

    def activate(self, subscription_id: str) -> None:
        self.client.request("PATCH", f"{self.prefix}/subscriptions/{subscription_id}",
                            json={"active": True}, idempotent=True)  # fmt: skip
