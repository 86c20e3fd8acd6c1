"""Issue #12: every bad webhook delivery is refused with the right 4xx (401 signature, 400
body, 413 size), never a 5xx, and stores nothing; signatures are compared in constant time."""

import ast
import hmac
import inspect
import json
from collections import Counter
from datetime import timedelta

import pytest
import requests

from connectors.hubspot import webhooks as hubspot_webhooks
from connectors.zendesk import webhooks as zendesk_webhooks
from momentos.clock import FrozenClock
from momentos.store import Store
from server import MAX_BODY_BYTES, create_app
from tests.reliability.helpers import (
    NOW,
    hubspot_body,
    hubspot_headers,
    serve_momentos,
    zendesk_headers,
    zendesk_ticket_body,
)

BIG = 2 * 1024 * 1024


def _flip(body: bytes) -> bytes:
    """The body with one byte changed, in the middle (inside a JSON string)."""
    i = body.index(b"factura") if b"factura" in body else body.index(b"example")
    return body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]


def _reserialized(body: bytes) -> bytes:
    """The same JSON, re-serialized with other spacing and key order: same data, new bytes."""
    data = json.loads(body)
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True).encode()


def _not_utf8(body: bytes) -> bytes:
    """A good delivery with bytes that are not UTF-8 inside one of its strings: refused
    for its encoding alone (the same body with `é` there is accepted)."""
    word = b"factura" if b"factura" in body else b"example"
    return body.replace(word, word[:3] + b"\xc3\x28" + word[3:], 1)


def _drop(headers: dict, name: str) -> dict:
    return {k: v for k, v in headers.items() if k != name}


TOOLS = {
    "zendesk": (
        lambda: zendesk_ticket_body(5158, 501, NOW - timedelta(minutes=1)),
        zendesk_headers,
        zendesk_webhooks,
    ),
    "hubspot": (
        lambda: hubspot_body(123, NOW - timedelta(minutes=1)),
        hubspot_headers,
        hubspot_webhooks,
    ),
}


def cases(tool: str) -> dict[str, tuple[bytes, dict, int]]:
    """name -> (body, headers, expected status), for one tool."""
    make_body, sign, module = TOOLS[tool]
    body = make_body()
    good = sign(body)
    return {
        "one byte changed": (_flip(body), good, 401),
        "json re-serialized": (_reserialized(body), good, 401),
        "signature header missing": (body, _drop(good, module.SIGNATURE_HEADER), 401),
        "timestamp header missing": (body, _drop(good, module.TIMESTAMP_HEADER), 401),
        "no headers": (body, {}, 401),
        "stale timestamp (6 min old)": (body, sign(body, NOW - timedelta(minutes=6)), 401),
        "future timestamp (6 min ahead)": (body, sign(body, NOW + timedelta(minutes=6)), 401),
        "wrong secret": (body, sign(body, secret="not-the-secret"), 401),
        "signature of another body": (body, sign(body + b" "), 401),
        "empty body, signed": (b"", sign(b""), 400),
        "empty body, unsigned": (b"", {}, 401),
        "2 MB body, signed": (b"[" + b" " * BIG + b"]", sign(b"[" + b" " * BIG + b"]"), 413),
        "invalid UTF-8, signed": (_not_utf8(body), sign(_not_utf8(body)), 400),
        "not JSON, signed": (b"<xml/>", sign(b"<xml/>"), 400),
        "JSON of the wrong shape, signed": (
            b'{"a": 1}' if tool == "hubspot" else b"[1]",
            sign(b'{"a": 1}' if tool == "hubspot" else b"[1]"),
            400,
        ),
    }


@pytest.fixture
def app(make_settings):
    settings = make_settings()
    return create_app(settings, Store(settings.store["path"]), FrozenClock(NOW))


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_bad_delivery_is_refused_with_its_4xx_and_stores_nothing(app, tool):
    client, store = app.test_client(), app.config["STORE"]
    outcomes: Counter = Counter()
    for name, (body, headers, expected) in cases(tool).items():
        response = client.post(f"/webhooks/{tool}", data=body, headers=headers)
        assert response.status_code == expected, (name, response.get_json())
        # One error shape, and it never echoes the body or a signature back.
        error = response.get_json()["error"]
        assert error["status"] == expected
        assert "factura" not in error["message"] and "=" not in error["message"], name
        outcomes[response.status_code] += 1
    assert store.total("events") == 0
    assert list(store.db.query("SELECT * FROM webhook_deliveries")) == []
    # The good delivery is accepted: the refusals above were about what was wrong.
    body = TOOLS[tool][0]()
    assert (
        client.post(f"/webhooks/{tool}", data=body, headers=TOOLS[tool][1](body)).status_code == 200
    )
    assert store.total("events") == 1
    assert sum(outcomes.values()) == len(cases(tool)) and not any(s >= 500 for s in outcomes)


def test_oversized_bodies_get_413_over_a_real_socket_with_and_without_a_length(make_settings):
    """Content-Length over the limit, and a chunked body that grows past it: both 413."""
    with serve_momentos(make_settings, FrozenClock(NOW)) as (url, store, _app):
        body = b"[" + b" " * BIG + b"]"
        sized = requests.post(
            url + "/webhooks/hubspot",
            data=body,
            timeout=10,
            headers=hubspot_headers(body, public_url=url),
        )
        chunks = (b" " * 65536 for _ in range(BIG // 65536 + 1))
        chunked = requests.post(
            url + "/webhooks/zendesk",
            data=chunks,
            timeout=10,
            headers={"Content-Type": "application/json"},
        )
        just_under = b"[" + b" " * (MAX_BODY_BYTES - 2) + b"]"
        fits = requests.post(
            url + "/webhooks/hubspot",
            data=just_under,
            timeout=10,
            headers=hubspot_headers(just_under, public_url=url),
        )
        assert (sized.status_code, chunked.status_code, fits.status_code) == (413, 413, 200)
        assert store.total("events") == 0


def test_signatures_are_compared_with_hmac_compare_digest(app, monkeypatch):
    """Every signature check goes through hmac.compare_digest, once per delivery, whether
    the signature is right or wrong."""
    calls = []
    real = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    client = app.test_client()
    checked = 0
    for tool in TOOLS:
        for name, (body, headers, _expected) in cases(tool).items():
            signed = TOOLS[tool][2].SIGNATURE_HEADER in headers
            timestamp_ok = TOOLS[tool][2].TIMESTAMP_HEADER in headers
            before = len(calls)
            client.post(f"/webhooks/{tool}", data=body, headers=headers)
            if signed and timestamp_ok and len(body) <= MAX_BODY_BYTES:
                assert len(calls) == before + 1, name
                checked += 1
        body = TOOLS[tool][0]()
        before = len(calls)
        assert (
            client.post(f"/webhooks/{tool}", data=body, headers=TOOLS[tool][1](body)).status_code
            == 200
        )
        assert len(calls) == before + 1
    assert checked >= 20
    # compare_digest got bytes of equal type on both sides (str vs bytes would raise).
    assert all(type(a) is type(b) for a, b in calls)


@pytest.mark.parametrize("module", [zendesk_webhooks, hubspot_webhooks])
def test_no_signature_is_compared_with_equals(module):
    """A static check: `verify` compares nothing with == or != except header presence and
    the timestamp, so no early-exit string comparison can leak the signature's prefix."""
    tree = ast.parse(inspect.getsource(module.verify))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops
        ):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not names & {"signature", "expected"}, ast.unparse(node)
