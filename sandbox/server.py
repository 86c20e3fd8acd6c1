"""Run the sandbox on a real socket, in a thread (tests, the demo) or in the foreground."""

from pathlib import Path

from momentos.serving import BackgroundServer
from sandbox.app import create_sandbox_app
from sandbox.mail import DEFAULT_SMTP_PORT, SmtpServer
from sandbox.state import SandboxSettings, SandboxState


class SandboxServer:
    """The sandbox on `host:port` in a background thread, and its SMTP server on
    `host:smtp_port`; port 0 picks a free port. `smtp_port` None means 1025, or a free
    port when `port` is 0: a sandbox that takes any free HTTP port (tests) should not
    fight over a fixed SMTP port."""

    def __init__(self, settings: SandboxSettings, host: str = "127.0.0.1", port: int = 0,
                 state_path: Path | None = None, smtp_port: int | None = None):  # fmt: skip
        self.state = SandboxState.open(settings, state_path)
        self.app = create_sandbox_app(self.state)
        self._server = BackgroundServer(self.app, host, port, name="sandbox")
        self.url = self._server.url
        self.state.settings.public_url = self.url
        if smtp_port is None:
            smtp_port = 0 if port == 0 else DEFAULT_SMTP_PORT
        self._smtp = SmtpServer(self.state.mail, host, smtp_port)

    @property
    def smtp_port(self) -> int:
        """The bound SMTP port (known once started, when 0 was asked for)."""
        return self._smtp.port

    def start(self) -> "SandboxServer":
        self._smtp.start()
        self._server.start()
        self.state.deliveries.start()
        return self

    def stop(self) -> None:
        # Injected waits end first, so request threads do not outlive the server.
        self.state.halt.set()
        self.state.deliveries.stop()
        self._server.stop()
        self._smtp.stop()
        self.state.save()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
