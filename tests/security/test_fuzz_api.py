"""Issue #12: Schemathesis against openapi/momentos.yaml, on the Flask app in-process (WSGI):
valid and invalid requests to every operation, with and without the API token; no answer
is a 5xx, every answer is one the description lists, and JSON errors have one shape."""

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
from server import create_app
from tests.factories import zendesk_ticket, zendesk_user

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
    """Never a 500; a 503 only where it is a documented answer (unhealthy, unavailable)."""
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
        headers = {"Authorization": f"Bearer {API_TOKEN}"} if authorized else {}
        response = case.call(headers=headers, app=app)
        outcomes.append(response.status_code)
        status = response.status_code
        assert status < 500 or (status == 503 and 503 in documented), (
            case.as_curl_command(),
            response.text[:500],
        )
        assert response.status_code in documented | {404, 405}, (
            case.as_curl_command(),
            response.status_code,
        )
        if "json" in response.headers.get("Content-Type", [""])[0] and response.status_code >= 400:
            error = response.json()["error"]
            assert set(error) == {"status", "message"} and error["status"] == response.status_code

    check()
    assert outcomes  # Schemathesis did call
