"""A WSGI app on a real socket in a background thread: the demo, the sandbox and tests."""

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

# How often the serving loop checks for shutdown: short, so stopping a server is quick.
POLL_INTERVAL = 0.05


class _QuietHandler(WSGIRequestHandler):
    """No line per request: the demo's console tells the story, and the log stays readable."""

    def log_request(self, code="-", size="-") -> None:
        pass


class BackgroundServer:
    """`app` on `host:port` (0 picks a free port) until `stop()`; usable as a context."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, name: str = "server"):
        self.server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self.server.server_port}"
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def _serve(self) -> None:
        self._ready.set()
        self.server.serve_forever(poll_interval=POLL_INTERVAL)

    def start(self) -> "BackgroundServer":
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
