"""Run the sandbox on a real socket, in a thread (tests, the demo) or in the foreground."""

import threading
from pathlib import Path

from werkzeug.serving import make_server

from sandbox.app import create_sandbox_app
from sandbox.state import SandboxSettings, SandboxState


class SandboxServer:
    """The sandbox on `host:port` in a background thread; port 0 picks a free port."""

    def __init__(
        self,
        settings: SandboxSettings,
        host: str = "127.0.0.1",
        port: int = 0,
        state_path: Path | None = None,
    ):
        self.state = SandboxState.open(settings, state_path)
        self.app = create_sandbox_app(self.state)
        self._server = make_server(host, port, self.app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self.state.settings.public_url = self.url
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sandbox", daemon=True)

    def _serve(self) -> None:
        self._ready.set()
        self._server.serve_forever()

    def start(self) -> "SandboxServer":
        self._thread.start()
        self._ready.wait()
        self.state.deliveries.start()
        return self

    def stop(self) -> None:
        self.state.deliveries.stop()
        self._server.shutdown()
        self._thread.join()
        self.state.save()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
