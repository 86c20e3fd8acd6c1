"""A webhook endpoint stand-in for sandbox tests: records deliveries, answers as told."""

import threading

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from momentos.serving import BackgroundServer


class Receiver:
    """Each delivery is kept as (headers, body); `statuses` are answered first, then 200."""

    def __init__(self, path: str = "/hooks", statuses=()):
        self.statuses = list(statuses)
        self.deliveries: list[tuple[Headers, bytes]] = []
        self._arrived = threading.Condition()
        self._server = BackgroundServer(self, name="receiver")
        self.url = self._server.url + path

    def __call__(self, environ, start_response):
        request = Request(environ)
        status = self.statuses.pop(0) if self.statuses else 200
        with self._arrived:
            # Headers, not a dict: names stay case-insensitive, as in Momentos' own app.
            self.deliveries.append((Headers(request.headers), request.get_data()))
            self._arrived.notify_all()
        return Response("ok", status=status)(environ, start_response)

    def wait(self, count: int, timeout: float = 10.0) -> bool:
        """Block until `count` deliveries have arrived (no sleeping in tests)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)

    def start(self) -> "Receiver":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
