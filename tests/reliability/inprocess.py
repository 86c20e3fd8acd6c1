"""The sandbox in this process, without a socket: a requests adapter that hands each request
to the sandbox's WSGI app, and can make the network fail the ways a real one does."""

import io
from collections import Counter

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

SANDBOX_URL = "http://sandbox.test"


class Killed(BaseException):
    """A simulated SIGKILL between the tool's 2xx and Momentos' commit: a BaseException,
    so nothing in Momentos catches it, as nothing can catch a kill."""


class WSGIAdapter(BaseAdapter):
    """Sends to the WSGI app. Faults, each for the next request only:
    - `refuse_next`: a 503 before the tool does anything;
    - `lose_next_answer`: the tool does it, the answer is lost (a read timeout);
    - `kill_after_next_write`: the tool does a write, then this process "dies"."""

    def __init__(self, app):
        super().__init__()
        self.client = Client(app)
        self.refuse_next = False
        self.lose_next_answer = False
        self.kill_after_next_write = False
        self.counts: Counter = Counter()

    def send(self, request, **kwargs):
        self.counts[request.method] += 1
        if self.refuse_next:
            self.refuse_next = False
            return self._response(
                request,
                503,
                {"Content-Type": "application/json"},
                b'{"error": "ServiceUnavailable"}',
            )
        path = request.path_url
        answer = self.client.open(
            path, method=request.method, headers=dict(request.headers), data=request.body or b""
        )
        body = answer.get_data()
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise requests.ReadTimeout("the answer never came (simulated)")
        if (
            self.kill_after_next_write
            and request.method in ("POST", "PUT")
            and answer.status_code < 300
        ):
            self.kill_after_next_write = False
            raise Killed()
        return self._response(request, answer.status_code, dict(answer.headers), body)

    @staticmethod
    def _response(request, status: int, headers: dict, body: bytes) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response.raw = io.BytesIO(body)
        response._content = body
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def plug(session: requests.Session, adapter: WSGIAdapter) -> None:
    session.mount(SANDBOX_URL, adapter)
