"""The worker's steps, each safe to repeat: sync, derive, plan, dispatch."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.hubspot.actions import HubSpotActions
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.poll import get_owners, poll_objects
from connectors.zendesk.actions import ZendeskActions
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import poll_organizations, poll_tickets, poll_users
from momentos.config import Settings
from momentos.derive import derive_pending
from momentos.dispatcher import Dispatcher, DispatchReport
from momentos.moments import RuleContext
from momentos.planner import RunResult, run_woken
from momentos.store import Store

logger = logging.getLogger(__name__)

HUBSPOT_PROPERTIES = {
    "companies": [
        "name",
        "domain",
        "hubspot_owner_id",
        "founded_year",
        "hs_lastmodifieddate",
        "createdate",
    ],
    "contacts": [
        "email",
        "firstname",
        "lastname",
        "hs_language",
        "hubspot_owner_id",
        "date_of_birth",
        "lastmodifieddate",
        "createdate",
    ],
}


@dataclass
class CycleReport:
    synced: dict[str, int] = field(default_factory=dict)
    derived: int = 0
    new_moments: int = 0
    runs: list[RunResult] = field(default_factory=list)
    dispatch: DispatchReport | None = None


class Engine:
    """Connects the store to both tools with the settings; the CLI, worker and demo use it."""

    def __init__(self, settings: Settings, store: Store, clock):
        self.settings, self.store, self.clock = settings, store, clock
        zendesk, hubspot = settings.zendesk, settings.hubspot
        self.zendesk = ZendeskClient(
            zendesk["base_url"],
            zendesk["email"],
            settings.secret("zendesk", "api_token_env"),
            clock=clock,
        )
        self.hubspot = HubSpotClient(
            hubspot["base_url"], settings.secret("hubspot", "token_env"), clock=clock
        )
        self.senders = {
            "zendesk": ZendeskActions(self.zendesk, zendesk["base_url"]),
            "hubspot": HubSpotActions(self.hubspot, hubspot["app_url"], hubspot["portal_id"]),
        }
        # The search lag is the tool's; a config knob lets a test or a slow portal change it.
        self.senders["hubspot"].LOOKUP_LAG = timedelta(seconds=hubspot["search_lag_seconds"])
        self.dispatcher = Dispatcher(
            store,
            self.senders,
            clock,
            lease=timedelta(seconds=settings.dispatch["lease_seconds"]),
            batch_size=settings.dispatch["batch_size"],
        )
        self.rules = RuleContext(
            zendesk_url=zendesk["base_url"],
            complaint_tags=frozenset(t.lower() for t in zendesk["complaint_tags"]),
        )

    def _zendesk_start(self) -> int:
        start = self.settings.zendesk.get("poll_start")
        return (
            int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
            if start
            else 0
        )

    def _streams(self, tool: str | None):
        start = self._zendesk_start()
        zendesk = {
            "zendesk:organizations": lambda c: poll_organizations(self.zendesk, c, start),
            "zendesk:users": lambda c: poll_users(self.zendesk, c, start),
            "zendesk:tickets": lambda c: poll_tickets(self.zendesk, c, start),
        }
        hubspot = {
            f"hubspot:{kind}": (
                lambda c, kind=kind: poll_objects(
                    self.hubspot, kind, c, HUBSPOT_PROPERTIES[kind], now=self.clock.now()
                )
            )
            for kind in HUBSPOT_PROPERTIES
        }
        streams = {}
        if tool in (None, "hubspot"):
            streams.update(hubspot)
        if tool in (None, "zendesk"):
            streams.update(zendesk)
        return streams

    def sync(self, tool: str | None = None) -> dict[str, int]:
        """Poll each stream from its cursor; a page's events and cursor commit together."""
        new = {}
        for stream, poll in self._streams(tool).items():
            new[stream] = 0
            for page in poll(self.store.cursor(stream)):
                new[stream] += self.store.add_events(
                    page.events,
                    source="poll",
                    received_at=self.clock.now(),
                    cursor=(stream, page.cursor),
                )
        return new

    def derive(self):
        return derive_pending(self.store, self.rules, self.clock)

    def process(self) -> CycleReport:
        """Derive new events, run the workflows their moments wake, dispatch what is due."""
        report = CycleReport()
        derived = self.derive()
        report.derived, report.new_moments = derived.events, len(derived.new_moments)
        if derived.new_types:
            report.runs = run_woken(self.store, self.settings, derived.new_types, self.clock.now())
        report.dispatch = self.dispatcher.run_once()
        return report

    def created_records(self) -> dict[str, list[dict]]:
        """What Momentos has created in each tool, as the tool itself lists it."""
        return {tool: sender.created() for tool, sender in self.senders.items()}

    def owner_names(self) -> dict[str, str]:
        return {owner["id"]: owner["name"] or owner["email"] for owner in get_owners(self.hubspot)}

    def cycle(self, tool: str | None = None) -> CycleReport:
        synced = self.sync(tool)
        report = self.process()
        report.synced = synced
        return report
