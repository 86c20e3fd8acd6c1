"""Everything the sandbox knows, apart from its routes, and how it is kept on disk."""

import json
import os
import random
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.delivery import DeliveryQueue
from sandbox.hubspot.models import HubSpotState
from sandbox.zendesk.models import ZendeskState


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


@dataclass
class Faults:
    """Failures the sandbox injects, set through `/_sandbox/faults`."""

    storm_429: bool = False
    error_rate: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    drop_webhooks: bool = False
    seed: int = 0


@dataclass
class Stats:
    requests: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0

    def count(self, endpoint: str) -> None:
        self.requests[endpoint] = self.requests.get(endpoint, 0) + 1


class SandboxState:
    def __init__(self, settings: SandboxSettings, path: Path | None = None):
        self.settings = settings
        self.path = path
        self.clock = SandboxClock()
        self.lock = threading.RLock()
        self.faults = Faults()
        self.random = random.Random(0)
        self.stats = Stats()
        self.deliveries = DeliveryQueue(
            lambda: self.clock.now().timestamp(), lambda tool: self.faults.drop_webhooks
        )
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

    def reset(self) -> None:
        with self.lock:
            self.zendesk.reset()
            self.hubspot.reset()
            self.faults = Faults()
            self.stats = Stats()

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
            "stats": asdict(self.stats),
            "webhooks": dict(self.deliveries.stats),
        }
