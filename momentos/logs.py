"""One JSON log formatter, set at entry points only (modules add no handlers)."""

import json
import logging
from datetime import UTC, datetime

# Fields a log call may attach with `extra=`; anything else (a token, a body) is not logged.
CONTEXT_FIELDS = ("tool", "object_id", "workflow", "key", "attempt", "stream", "path", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in CONTEXT_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _DropCoalescedRuns(logging.Filter):
    """A wake-up while the processing job runs is coalesced on purpose; not worth a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Werkzeug logs each request at INFO; the demo's console is for the story, not requests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_DropCoalescedRuns())
