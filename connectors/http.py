"""The one HTTP client both connectors build on: auth, timeouts, budgets, retries, 429s.

What to do with an answer is a pure table (`classify`); `ApiClient.request` only acts on
it. Only calls that are safe to repeat are retried after a 5xx or a lost connection; an
unsafe call that may have happened raises `RetriableError` so that the outbox looks it up
before sending it again. A 429 proves nothing happened, so it is retried after the wait.
"""

import enum
import ipaddress
import logging
import random
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests

from connectors.budget import Budget
from momentos.clock import SystemClock
from momentos.errors import FatalApiError, MomentosError, RateLimited, RetriableError

logger = logging.getLogger(__name__)

TIMEOUT = (5.0, 30.0)  # connect, read
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_ATTEMPTS = 4
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# A longer Retry-After (a daily limit, a migration) is the outbox's business, not a sleep.
MAX_RATE_LIMIT_WAIT = 120.0
ERROR_SUMMARY_CHARS = 300
LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal"})


class Verdict(enum.Enum):
    OK = "ok"
    RETRY = "retry"  # safe to send again after a backoff
    RATE_LIMITED = "rate_limited"  # not done; send again after `retry_after`
    UNCERTAIN = "uncertain"  # may have happened; never repeat it blindly
    FAIL = "fail"  # refused for good


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    retry_after: float | None = None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds, or None when absent or not a number of seconds."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return None if seconds is None or seconds < 0 else seconds


def is_safe(method: str, idempotent: bool | None = None) -> bool:
    """Whether a call may be repeated: the method's nature unless the caller says otherwise."""
    return method.upper() in SAFE_METHODS if idempotent is None else idempotent


def classify(
    status: int | None,
    headers: Mapping[str, str],
    method: str,
    *,
    idempotent: bool | None = None,
    default_wait: float | None = None,
) -> Decision:
    """What to do with an answer; `status` None means no answer (timeout, connection lost)."""
    if status is not None and 200 <= status < 300:
        return Decision(Verdict.OK)
    if status == 429:
        return Decision(Verdict.RATE_LIMITED, retry_after_seconds(headers) or default_wait)
    if status is None or status in RETRY_STATUSES:
        verdict = Verdict.RETRY if is_safe(method, idempotent) else Verdict.UNCERTAIN
        return Decision(verdict, retry_after_seconds(headers))
    return Decision(Verdict.FAIL)


def backoff(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with jitter: about 1, 2, 4… seconds, capped, never in lockstep."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + 0.5 * rng.random())


def error_summary(response: requests.Response | None) -> str:
    """The tool's own error code and message, short; never headers, never the whole body."""
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [body.get(k) for k in ("error", "category", "errorType", "message", "description")]
    text = ": ".join(str(p) for p in parts if isinstance(p, str) and p)
    return text[:ERROR_SUMMARY_CHARS]


def parse_json(response: requests.Response, what: str) -> Any:
    """The JSON body of a 2xx; one that is not JSON is a glitch worth retrying later.

    orjson, because an export page is a megabyte and parsing it is a third of a poll's time.
    """
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise RetriableError(f"{what} answered non-JSON") from exc


class ApiClient:
    """Sends requests to one tool account; subclasses supply the auth header and budgets.

    `auth_params` is for keys that travel in the query string (HubSpot's developer
    `hapikey`); logs and errors name the path only, never the query.
    """

    def __init__(
        self,
        base_url: str,
        auth_header: Callable[[], str] | None,
        *,
        budgets: Mapping[str, Budget],
        auth_params: Callable[[], Mapping[str, str]] | None = None,
        session: requests.Session | None = None,
        clock=None,
        rng: random.Random | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_RATE_LIMIT_WAIT,
        on_rate_limited: Callable[[str], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._auth_header = auth_header
        self._auth_params = auth_params
        self.budgets = dict(budgets)
        self.session = session or requests.Session()
        self.session.hooks["response"].append(refuse_cross_host_redirect)
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        # Told the family of each 429 met (Momentos counts them); keeps this module free of
        # any metrics library.
        self.on_rate_limited = on_rate_limited

    def request(
        self,
        method: str,
        path: str,
        *,
        family: str = "default",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send within the family's budget, retrying what is safe; raise what is not 2xx."""
        method = method.upper()
        budget = self.budgets[family]
        for attempt in range(1, self.max_attempts + 1):
            self._check_paused(budget, method, path)
            budget.acquire(self.clock)
            response, failure = self._send(method, path, params, json, headers)
            status = None if response is None else response.status_code
            decision = classify(status, {} if response is None else response.headers, method,
                                idempotent=idempotent, default_wait=budget.per_seconds)  # fmt: skip
            self._log(decision, method, path, status or type(failure).__name__, attempt, family)
            if decision.verdict is Verdict.OK and response is not None:
                return response
            if decision.verdict is Verdict.RATE_LIMITED:
                if self.on_rate_limited is not None:
                    self.on_rate_limited(family)
                # Through the budget, so no call of this family goes out before the tool's wait.
                wait = decision.retry_after or budget.per_seconds
                budget.block_until(self.clock.now() + timedelta(seconds=wait))
            if self._is_final(decision, attempt):
                raise self._error(decision, method, path, response, failure)
            if decision.verdict is Verdict.RETRY:
                self.clock.sleep(max(backoff(attempt, self.rng), decision.retry_after or 0.0))
        raise AssertionError("the attempt loop always returns or raises")  # pragma: no cover

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the JSON body; a 2xx that is not JSON is treated as a glitch."""
        return parse_json(self.request(method, path, **kwargs), f"{method.upper()} {path}")

    def _send(self, method, path, params, json, headers):
        sent = {"Accept": "application/json", **(headers or {})}
        if self._auth_header is not None:
            sent["Authorization"] = self._auth_header()
        if self._auth_params is not None:
            params = {**(params or {}), **self._auth_params()}
        try:
            response = self.session.request(method, self.base_url + path, params=params,
                                            json=json, headers=sent, timeout=TIMEOUT)  # fmt: skip
        except (requests.Timeout, requests.ConnectionError) as exc:
            return None, exc
        return response, None

    def _is_final(self, decision: Decision, attempt: int) -> bool:
        if decision.verdict in (Verdict.FAIL, Verdict.UNCERTAIN):
            return True
        if decision.verdict is Verdict.RATE_LIMITED and (decision.retry_after or 0) > self.max_wait:
            return True
        return attempt >= self.max_attempts

    def _check_paused(self, budget: Budget, method: str, path: str) -> None:
        """Refuse at once, without a call, while a long `Retry-After` is still running."""
        paused = budget.paused_for(self.clock.now())
        if paused > self.max_wait:
            raise RateLimited(f"{method} {path} not sent: the tool asked for a pause of "
                              f"{paused:.0f}s more", retry_after=paused)  # fmt: skip

    @staticmethod
    def _error(decision, method, path, response, failure) -> MomentosError:
        what = f"{method} {path}"
        if failure is not None:
            return RetriableError(f"{what} got no answer: {type(failure).__name__}")
        status, summary = response.status_code, error_summary(response)
        said = f"{what} answered {status}" + (f": {summary}" if summary else "")
        if decision.verdict is Verdict.RATE_LIMITED:
            return RateLimited(said, retry_after=decision.retry_after)
        if decision.verdict in (Verdict.RETRY, Verdict.UNCERTAIN):
            return RetriableError(said, retry_after=decision.retry_after)
        return FatalApiError(said, status_code=status, body=response.text[:4000])

    @staticmethod
    def _log(decision, method, path, status, attempt, family) -> None:
        # A 404 is often the answer the caller expects (a lookup, a property not made yet).
        quiet = decision.verdict is Verdict.OK or status == 404
        level = logging.DEBUG if quiet else logging.WARNING
        bare = path.split("?", 1)[0]
        logger.log(level, "%s %s -> %s (attempt %d, family %s)", method, bare, status, attempt,
                   family, extra={"path": bare, "attempt": attempt})  # fmt: skip


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def refuse_cross_host_redirect(response: requests.Response, **_kwargs: Any) -> None:
    """A response hook: a redirect to another scheme, host or port is an error, never
    followed, so a tool (or whoever answers for it) cannot send our requests and their
    credentials elsewhere, such as a cloud metadata address (SSRF guard, issue #12)."""
    if not response.is_redirect:
        return
    target = urljoin(response.url, response.headers.get("location", ""))
    if _origin(target) != _origin(response.url):
        method = response.request.method if response.request else "request"
        path = urlsplit(response.url).path
        raise FatalApiError(
            f"{method} {path} answered {response.status_code}: a redirect to another host,"
            " not followed",
            status_code=response.status_code,
        )


def _host_matches(host: str, pattern: str) -> bool:
    """`*` stands for exactly one DNS label: `*.zendesk.com` matches `acme.zendesk.com` only."""
    regex = re.escape(pattern.lower()).replace(r"\*", "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
    return re.fullmatch(regex, host) is not None


def _as_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # The resolver also takes `2852039166` or `0xa9.0xfe.0xa9.0xfe` for 169.254.169.254.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _custom_host_problem(host: str) -> str | None:
    ip = _as_ip(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip is not None and ip.is_loopback:
        return None
    if host in METADATA_HOSTS or (ip is not None and any(ip in net for net in LINK_LOCAL)):
        return "must not point at a link-local (cloud metadata) address"
    return None


def check_base_url(url: str, allowed_hosts: tuple[str, ...], allow_custom: bool) -> str | None:
    """The problem with a connector's base URL (SSRF guard), or None when it is acceptable."""
    try:
        parts = urlsplit(url or "")
        host, _port = parts.hostname, parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    if allow_custom:
        return _custom_host_problem(host)
    if parts.scheme != "https" or parts.port not in (None, 443):
        return "must use https on port 443 (or set allow_custom_base_url)"
    if not any(_host_matches(host, pattern) for pattern in allowed_hosts):
        return f"host must match {' or '.join(allowed_hosts)} (or set allow_custom_base_url)"
    return None
