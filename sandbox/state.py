"""Everything the sandbox knows, apart from its routes, and how it is kept on disk."""

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.delivery import DeliveryQueue
from sandbox.faults import TOOLS, Faults, generators
from sandbox.hubspot.models import HubSpotState
from sandbox.mail import Mailbox
from sandbox.zendesk.models import ZendeskState

__all__ = ["Faults", "SandboxSettings", "SandboxState", "Stats"]


@dataclass
class SandboxSettings:
    """Credentials the sandbox accepts, and how strict it is. Defaults suit the demo."""

    zendesk_subdomain: str = "momentos-demo"
    zendesk_account_id: int = 88888888
    zendesk_agent_email: str = "admin@momentos-demo.example"
    zendesk_api_token: str = "sandbox-zendesk-token"
    hubspot_token: str = "sandbox-hubspot-token"
    hubspot_client_secret: str = "sandbox-hubspot-secret"
    hubspot_portal_id: int = 62515
    hubspot_app_id: int = 54321
    # The developer account's key (`?hapikey=`) for the webhook settings API (§6.1).
    hubspot_developer_api_key: str = "sandbox-hubspot-developer-key"
    # Where the seed points the tools' webhooks (Momentos' base URL), and their secrets.
    momentos_url: str | None = None
    zendesk_webhook_secret: str = "sandbox-zendesk-webhook-secret"
    rate_limits: bool = True
    zendesk_requests_per_minute: int = 700
    zendesk_incremental_per_minute: int = 10
    hubspot_requests_per_10s: int = 190
    hubspot_search_per_second: int = 5
    hubspot_search_lag_seconds: float = 3.0
    zendesk_search_lag_seconds: float = 60.0
    public_url: str = "http://127.0.0.1:5050"


class Stats:
    """Counts since the last reset; request threads bump them concurrently."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.rate_limited = {"storm": 0, "limits": 0}
        self.rate_limited_by_tool = {tool: 0 for tool in TOOLS}
        self.injected = {"errors": 0, "timeouts": 0}

    def count_request(self, endpoint: str) -> None:
        with self._lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1

    def count_429(self, tool: str, storm: bool) -> None:
        """A 429 served, by the storm fault or by the tool's own limits."""
        with self._lock:
            self.rate_limited["storm" if storm else "limits"] += 1
            self.rate_limited_by_tool[tool] += 1

    def count_injected(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "rate_limited": {
                    **self.rate_limited,
                    "total": sum(self.rate_limited.values()),
                    "by_tool": dict(self.rate_limited_by_tool),
                },
                "injected": dict(self.injected),
            }


class SandboxState:
    def __init__(self, settings: SandboxSettings, path: Path | None = None):
        self.settings = settings
        self.path = path
        self.clock = SandboxClock()
        self.lock = threading.RLock()
        # Set when the server stops, so injected waits end at once instead of holding threads.
        self.halt = threading.Event()
        self.set_faults(Faults())
        self.stats = Stats()
        self.mail = Mailbox(lambda: self.clock.now())
        self.deliveries = DeliveryQueue(lambda: self.clock.now().timestamp(), self._drops)
        self.zendesk = ZendeskState(settings, self.clock, self.deliveries)
        self.hubspot = HubSpotState(settings, self.clock, self.deliveries)

    @classmethod
    def open(cls, settings: SandboxSettings, path: Path | None = None) -> "SandboxState":
        state = cls(settings, path)
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            state.zendesk.load(saved["zendesk"])
            state.hubspot.load(saved["hubspot"])
        return state

    def set_faults(self, faults: Faults) -> None:
        """Install faults and restart the random draws from their seed."""
        self.faults = faults
        self.randoms = generators(faults)

    def _drops(self, tool: str) -> bool:
        return self.faults.drop_webhooks and self.faults.applies(tool)

    def pause(self, seconds: float) -> None:
        """Wait, as an injected fault does, unless the sandbox is stopping."""
        self.halt.wait(seconds)

    def reset(self) -> None:
        with self.lock:
            self.zendesk.reset()
            self.hubspot.reset()
            self.set_faults(Faults())
            self.stats = Stats()
            self.deliveries.reset_stats()
            self.mail.reset()

    def snapshot(self) -> dict[str, Any]:
        return {"zendesk": self.zendesk.dump(), "hubspot": self.hubspot.dump()}

    def save(self) -> None:
        """Write the state atomically, so a kill mid-write leaves the previous one."""
        if self.path is None:
            return
        with self.lock:
            data = json.dumps(self.snapshot())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(data)
        os.replace(tmp, self.path)

    def describe(self) -> dict[str, Any]:
        return {
            "faults": asdict(self.faults),
            **self.stats.as_dict(),
            "webhooks": self.deliveries.counts(),
        }
