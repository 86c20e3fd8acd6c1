"""The worker's steps, each safe to repeat: sync, derive, plan, dispatch."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from connectors.hubspot.actions import HubSpotActions
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.client import default_budgets as hubspot_budgets
from connectors.hubspot.poll import get_owners
from connectors.zendesk.actions import ZendeskActions
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.client import default_budgets as zendesk_budgets
from momentos import logs, metrics, streams
from momentos.config import Settings
from momentos.derive import derive_pending, refresh_dated
from momentos.dispatcher import Dispatcher, DispatchReport
from momentos.insights.record import detect_and_wake
from momentos.insights.repeats import record_repeats
from momentos.moments.context import rule_context
from momentos.planner import RunResult, run_woken
from momentos.store import Store
from momentos.streams import Sources, history_start, pull
from momentos.surveys.mail import mail_sender

logger = logging.getLogger(__name__)


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
            budgets=zendesk_budgets(
                zendesk["requests_per_minute"], zendesk["incremental_per_minute"]
            ),
            on_rate_limited=metrics.rate_limit_counter("zendesk"),
        )
        self.hubspot = HubSpotClient(
            hubspot["base_url"],
            settings.secret("hubspot", "token_env"),
            clock=clock,
            budgets=hubspot_budgets(hubspot["requests_per_10s"], hubspot["search_per_second"]),
            on_rate_limited=metrics.rate_limit_counter("hubspot"),
        )
        self.senders = {
            "zendesk": ZendeskActions(self.zendesk, zendesk["base_url"]),
            "hubspot": HubSpotActions(self.hubspot, hubspot["app_url"], hubspot["portal_id"]),
        }
        # The search lag is the tool's; a config knob lets a test or a slow portal change it.
        self.senders["hubspot"].LOOKUP_LAG = timedelta(seconds=hubspot["search_lag_seconds"])
        # Customer mail (surveys): SMTP, with the survey composed and its link signed at send time.
        self.senders["mail"] = mail_sender(settings, clock)
        self.dispatcher = Dispatcher(
            store,
            self.senders,
            clock,
            lease=timedelta(seconds=settings.dispatch["lease_seconds"]),
            batch_size=settings.dispatch["batch_size"],
        )
        self.rules = rule_context(settings)

    def sources(self) -> Sources:
        """The clients and bounds a poll needs, as of now."""
        start = history_start(self.settings.zendesk.get("poll_start"))
        configured = streams.configured_properties(self.settings.moments)
        return Sources(self.zendesk, self.hubspot, start, self.clock.now(), configured)

    def sync(self, tool: str | None = None) -> dict[str, int]:
        """Poll each stream from its cursor; a page's events and cursor commit together."""
        sources, synced = self.sources(), {}
        for stream in streams.select(tool, self.settings.polling["streams_off"]):
            with logs.context(tool=stream.tool, stream=stream.name):
                synced[stream.name] = pull(stream, sources, self.store, self.clock)
            metrics.count_events(stream.tool, "poll", synced[stream.name])
        return synced

    def refresh_dated(self):
        return refresh_dated(self.store, self.rules, self.clock)

    def derive(self):
        return derive_pending(self.store, self.rules, self.clock)

    def process(self) -> CycleReport:
        """Derive new events, run the workflows their moments wake, dispatch what is due."""
        report = CycleReport()
        derived = self.derive()
        report.derived, report.new_moments = derived.events, len(derived.new_moments)
        if derived.new_types:
            report.runs = run_woken(self.store, self.settings, derived.new_types,
                                    self.clock.now(), derived.new_customers)  # fmt: skip
        report.dispatch = self.dispatcher.run_once()
        return report

    def detect_spikes(self) -> list[str]:
        """Record new spikes as moments and run the workflows they wake (spike_root_cause)."""
        return detect_and_wake(self.store, self.settings, self.clock.now())

    def detect_repeats(self) -> list[str]:
        """Record new runs of one customer's repeated requests as moments."""
        return record_repeats(self.store, self.settings, self.clock.now())

    def insights(self) -> dict[str, list[str]]:
        """The moments insights write, from many others: the new ones' keys by type."""
        return {"spike": self.detect_spikes(), "repeat_request": self.detect_repeats()}

    def created_records(self) -> dict[str, list[dict]]:
        """What Momentos has created in each tool, as the tool itself lists it."""
        # SMTP keeps no list of what it sent: mail is not among the tools' own records.
        return {
            tool: sender.created()
            for tool, sender in self.senders.items()
            if hasattr(sender, "created")
        }

    def owner_names(self) -> dict[str, str]:
        return {owner["id"]: owner["name"] or owner["email"] for owner in get_owners(self.hubspot)}

    def cycle(self, tool: str | None = None) -> CycleReport:
        synced = self.sync(tool)
        report = self.process()
        report.synced = synced
        return report
