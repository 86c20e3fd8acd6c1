"""Issue #12: Schemathesis against openapi/momentos.yaml, on the Flask app in-process (WSGI):
valid and invalid requests to every operation, with and without the API token; no answer
is a 5xx, every answer is one the description lists, and JSON errors have one shape."""

import json
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from momentos.clock import FrozenClock
from momentos.model import Action
from momentos.store import Store
from momentos.surveys.tokens import Survey, Tokens
from server import create_app
from tests.factories import zendesk_ticket, zendesk_user
from tests.reliability.helpers import hubspot_headers, zendesk_headers

logger = logging.getLogger(__name__)

SPEC = Path(__file__).parents[2] / "openapi" / "momentos.yaml"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
API_TOKEN = "fuzz-api-token-0123456789"
EXAMPLES = 30
# A backtest replays every day of its window: fewer examples keep the run short.
SLOW = {"POST /api/workflows/{name}/backtest": 8}

schema = schemathesis.openapi.from_path(SPEC)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def _environment() -> dict[str, str]:
    from tests.conftest import TEST_SECRETS

    return {
        **TEST_SECRETS,
        "MOMENTOS_API_TOKEN": API_TOKEN,
        "MOMENTOS_SECRET_KEY": "fuzz-session-key-0123456789",
        "MOMENTOS_SURVEY_KEY": "fuzz-survey-key-0123456789abcdef",
    }


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """Each test's environment is cleared (tests/conftest.py): put the secrets back."""
    for name, value in _environment().items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app over a store with a customer, their moments and actions, built once."""
    import yaml

    from momentos.config import load_settings

    tmp = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _environment().items():
            patch.setenv(name, value)
        data = yaml.safe_load((Path(__file__).parents[2] / "config" / "demo.yaml").read_text())
        data["store"] = {"path": str(tmp / "momentos.db")}
        # One client sends everything: past the survey page's limit it would only see 429s.
        data["surveys"] = {**(data.get("surveys") or {}), "rate_limit": "1000000 per minute"}
        (tmp / "momentos.yaml").write_text(yaml.safe_dump(data))
        config = load_settings(tmp / "momentos.yaml")
        store = Store(config.store["path"])
        store.add_events(
            [zendesk_user(), zendesk_ticket(updated="2026-11-22T10:00:00Z")],
            source="poll",
            received_at=NOW,
        )
        from momentos.derive import derive_pending
        from momentos.moments.context import rule_context

        derive_pending(store, rule_context(config), FrozenClock(NOW))
        store.enqueue(
            [
                Action(
                    key="fuzz:1",
                    workflow="complaint_followup",
                    tool="hubspot",
                    kind="task",
                    payload={"subject": "<b>x</b>"},
                    customer_id=1,
                )
            ],
            NOW - timedelta(hours=1),
        )
        application = create_app(config, store, FrozenClock(NOW))
        # Fuzzing sends thousands of refused requests from one client: past the rate limit
        # every answer would be a 429 and nothing else would be tested.
        application.config["RATE_LIMITS"] = {
            "refused": "1000000/minute",
            "probes": "1000000/minute",
        }
        yield application


def _documented(operation) -> set[int]:
    return {int(code) for code in operation.definition.raw["responses"] if code.isdigit()}


def _takes_input(operation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody") or "{" in operation.path)


# Invalid input needs an input to spoil: operations that take none are fuzzed once.
CASES = [
    (op, mode)
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _takes_input(op)
]


@pytest.mark.parametrize(
    ("operation", "mode"), CASES, ids=[f"{m.value}-{op.label}" for op, m in CASES]
)
def test_no_request_gets_a_5xx(app, operation, mode):
    """Never a 500; a 503 only where it is a documented answer (unhealthy, unavailable).
    Half the cases hold the key: the API token, a genuine survey link, or a valid webhook
    signature over the fuzzed body, so that the fuzzing reaches past the door."""
    documented = _documented(operation)
    outcomes = []

    @settings(
        max_examples=SLOW.get(operation.label, EXAMPLES),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), authorized=st.booleans())
    def check(case, authorized):
        if authorized and operation.path == "/survey/{token}":
            case.path_parameters = {**(case.path_parameters or {}), "token": _genuine_token()}
        if authorized and operation.path.startswith("/webhooks/"):
            status, content_type, text = _signed_delivery(app, operation.path, case.body)
            shown = text[:300]
        else:
            headers = {"Authorization": f"Bearer {API_TOKEN}"} if authorized else {}
            response = case.call(headers=headers, app=app)
            status, text = response.status_code, response.text
            content_type = response.headers.get("Content-Type", [""])[0]
            shown = case.as_curl_command()
        outcomes.append(status)
        assert status < 500 or (status == 503 and 503 in documented), (shown, text[:500])
        assert status in documented | {404, 405}, (shown, status)
        if "json" in content_type and status >= 400:
            error = json.loads(text)["error"]
            assert set(error) == {"status", "message"} and error["status"] == status

    check()
    assert outcomes  # Schemathesis did call
    logger.info("%s %s: %d calls, %s", mode.value, operation.label, len(outcomes),
                dict(Counter(outcomes)))  # fmt: skip


def _genuine_token() -> str:
    survey = Survey("survey_mail:zendesk:ticket:101", None, "101", ("zendesk", "user", "501"),
                    "nps", "es")  # fmt: skip
    key = _environment()["MOMENTOS_SURVEY_KEY"]
    return Tokens(key, FrozenClock(NOW), timedelta(days=30)).sign(survey)


def _signed_delivery(app, path: str, body) -> tuple[int, str, str]:
    """The fuzzed body, sent as the tool would: signed with the webhook's secret."""
    if isinstance(body, bytes | str):
        raw = body.encode() if isinstance(body, str) else body
    elif isinstance(body, dict | list | int | float | bool) or body is None:
        raw = json.dumps(body).encode()
    else:
        raw = b""  # no body generated
    if path.endswith("/zendesk"):
        headers = zendesk_headers(raw, NOW)
    else:
        public_url = app.config["SETTINGS"].web["public_url"]
        headers = hubspot_headers(raw, NOW, public_url=public_url)
    response = app.test_client().post(path, data=raw, headers=headers)
    return response.status_code, response.content_type or "", response.get_data(as_text=True)


def test_every_route_outside_the_admin_ui_is_described(app):
    """The description cannot fall behind the app: every route but the admin UI's (HTML for
    people) and `/`, with each of its methods, is in openapi/momentos.yaml."""
    import re

    described = {
        (path, method.upper())
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") or rule.rule in ("/", "/static/<path:filename>"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - described == set()
    assert described - served == set()
