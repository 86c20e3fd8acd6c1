"""`momentos serve` under gunicorn, and the app factory for running gunicorn yourself.

    gunicorn 'momentos.wsgi:app()'      # reads $MOMENTOS_CONFIG, like `momentos serve`

gunicorn because it is the plain, widely deployed pre-fork WSGI server: graceful reloads
and stops on signals, worker timeouts, request line and header limits. `gthread` workers,
because the app mostly waits on SQLite and on the network, not on the CPU. The Flask
development server is only for the demo.
"""

import logging
import os
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from momentos import logs

MAX_WORKERS = 8  # SQLite has one writer: more processes only queue on its lock
GRACEFUL_SECONDS = 30  # a stop waits this long for requests under way
KEEPALIVE_SECONDS = 5
# Request size limits before Flask sees a byte (the body is capped by MAX_CONTENT_LENGTH).
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 64
LIMIT_REQUEST_FIELD_SIZE = 8190


def app(config: str | None = None):
    """The Flask app for one gunicorn worker, built after the fork (SQLite connections must
    not cross it): settings from `config` or $MOMENTOS_CONFIG."""
    from momentos.clock import SystemClock
    from momentos.config import load_settings
    from momentos.store import Store
    from server import create_app

    if not logging.getLogger().handlers:  # run by plain gunicorn: set up logging here
        logs.setup(os.environ.get("MOMENTOS_LOG_LEVEL", "WARNING").upper())
    settings = load_settings(config or os.environ.get("MOMENTOS_CONFIG", "config/momentos.yaml"))
    return create_app(settings, Store(settings.store["path"]), SystemClock())


def default_workers(cpus: int | None = None) -> int:
    return min(2 * (cpus or os.cpu_count() or 1) + 1, MAX_WORKERS)


def options(web: dict[str, Any], log_level: str = "WARNING") -> dict[str, Any]:
    """gunicorn settings from the configuration's `web` section."""
    shm = Path("/dev/shm")
    return {
        "bind": f"{web['host']}:{web['port']}",
        "workers": web.get("workers") or default_workers(),
        "worker_class": "gthread",
        "threads": web["threads"],
        "timeout": web["timeout"],
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        # Heartbeat files on a RAM disk: a container's overlay disk can stall them.
        "worker_tmp_dir": str(shm) if shm.is_dir() else None,
        # No access log: a request line carries query strings, which are never logged.
        "accesslog": None,
        "loglevel": log_level.lower(),
        "logger_class": JsonLogger,
        "control_socket_disable": True,  # nothing uses it, and it would write to $HOME
        "proc_name": "momentos-serve",
    }


class JsonLogger(glogging.Logger):
    """gunicorn's own messages go through the root logger, so they are JSON lines too."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


class Server(BaseApplication):
    """gunicorn with options from code, not from its command line (which is ours)."""

    def __init__(self, config: str, settings: dict[str, Any]):
        self.config_path, self.settings = config, settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return app(self.config_path)


def serve(config: str, web: dict[str, Any]) -> int:
    """Run gunicorn until SIGTERM or SIGINT; it exits the process when it stops."""
    level = logging.getLevelName(logging.getLogger().level)
    Server(config, options(web, level)).run()
    return 0
