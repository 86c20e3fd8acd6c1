"""One JSON log formatter, set at entry points only (modules add no handlers).

Every line is one JSON object: time, level, logger, message, then the context fields a
call passes with `extra=` or that a `context(...)` block sets (tool, object_id, workflow,
key, attempt, stream). Code logs paths and header names, never secret values; as a second
line of defence the formatter blanks query strings, `Authorization` schemes' values and
the values of secret-looking environment variables, whatever message carries them.
"""

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Fields a log call may attach with `extra=`; anything else (a token, a body) is not logged.
CONTEXT_FIELDS = ("tool", "object_id", "workflow", "key", "attempt", "stream", "path", "status")
# Environment variables whose names say they hold a secret; their values never reach a log.
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL")
# Shorter values would blank ordinary words ("true", a port) all over the log.
MIN_SECRET_LENGTH = 8
QUERY = re.compile(r"(/[^\s?#\"']*)\?[^\s\"'#]+")
AUTH_VALUE = re.compile(r"\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=:-]+", re.IGNORECASE)
REDACTED = "[redacted]"

_context: ContextVar[Mapping[str, Any] | None] = ContextVar("momentos_log_context", default=None)


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Attach context fields to every line logged inside the block (this thread/task only)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def secret_values(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    environ = os.environ if environ is None else environ
    return frozenset(
        value
        for name, value in environ.items()
        if SECRET_NAME.search(name.upper()) and len(value) >= MIN_SECRET_LENGTH
    )


class Redactor:
    """Blanks secrets out of text: known values, auth header values, query strings."""

    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so that a secret containing another is blanked whole.
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = AUTH_VALUE.sub(rf"\1 {REDACTED}", text)
        return QUERY.sub(r"\1?[query removed]", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context.get() or {})
        entry.update({k: getattr(record, k) for k in CONTEXT_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        clean = {k: self.redact(v) if isinstance(v, str) else v for k, v in entry.items()}
        return json.dumps(clean, ensure_ascii=False, default=str)


class _DropCoalescedRuns(logging.Filter):
    """A wake-up while the processing job runs is coalesced on purpose; not worth a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def setup(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process, secrets of the environment redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secret_values()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Werkzeug logs each request at INFO; the demo's console is for the story, not requests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_DropCoalescedRuns())
