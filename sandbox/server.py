"""Run the sandbox on a real socket, in a thread (tests, the demo) or in the foreground."""

from pathlib import Path

from momentos.serving import BackgroundServer
from sandbox.app import create_sandbox_app
from sandbox.state import SandboxSettings, SandboxState


class SandboxServer:
    """The sandbox on `host:port` in a background thread; port 0 picks a free port."""

    def __init__(self, settings: SandboxSettings, host: str = "127.0.0.1", port: int = 0,
                 state_path: Path | None = None):  # fmt: skip
        self.state = SandboxState.open(settings, state_path)
        self.app = create_sandbox_app(self.state)
        self._server = BackgroundServer(self.app, host, port, name="sandbox")
        self.url = self._server.url
        self.state.settings.public_url = self.url

    def start(self) -> "SandboxServer":
        self._server.start()
        self.state.deliveries.start()
        return self

    def stop(self) -> None:
        self.state.deliveries.stop()
        self._server.stop()
        self.state.save()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
