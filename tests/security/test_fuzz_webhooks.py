"""Issue #12: fuzz the webhook parsers and signature checks. Whatever the bytes and headers,
they raise nothing but the documented BadRequest subclasses, and what they accept stores
(`bench/reliability_fuzz.py` runs atheris over the same targets for longer)."""

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.hubspot import webhooks as hubspot_webhooks
from connectors.zendesk import webhooks as zendesk_webhooks
from momentos.clock import FrozenClock
from momentos.errors import MalformedPayload, SignatureError
from momentos.store import Store
from server import create_app
from tests.reliability.helpers import (
    HUBSPOT_SECRET,
    NOW,
    ZENDESK_SECRET,
    hubspot_body,
    hubspot_headers,
    zendesk_headers,
    zendesk_ticket_body,
)

EXAMPLES = 400
URI = "http://127.0.0.1:8000/webhooks/hubspot"

# JSON values the parsers meet: any scalar, nested a little.
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ZENDESK_KEYS = [
    "id",
    "subject",
    "status",
    "tags",
    "requester_id",
    "created_at",
    "updated_at",
    "via",
    "custom_fields",
    "email",
    "name",
    "active",
    "deleted_at",
    "domain_names",
    "organization_id",
]
HUBSPOT_KEYS = [
    "objectId",
    "occurredAt",
    "subscriptionType",
    "eventType",
    "objectTypeId",
    "propertyName",
    "propertyValue",
    "mergedObjectIds",
    "primaryObjectId",
    "newObjectId",
    "changeSource",
]


def _mutated(base: dict, keys: list[str]):
    """`base` with some of `keys` replaced by arbitrary JSON values or removed."""
    return st.dictionaries(st.sampled_from(keys), json_values | st.just(...), max_size=5).map(
        lambda changes: {
            **{k: v for k, v in base.items() if changes.get(k, None) is not ...},
            **{k: v for k, v in changes.items() if v is not ...},
        }
    )


ZENDESK_BASE = json.loads(zendesk_ticket_body(5158, 501, NOW))
zendesk_payloads = st.one_of(
    json_values,
    _mutated(ZENDESK_BASE["detail"], ZENDESK_KEYS).map(lambda d: {**ZENDESK_BASE, "detail": d}),
    st.builds(
        lambda kind, detail, event: {"type": kind, "detail": detail, "event": event},
        st.sampled_from(
            [
                "zen:event-type:ticket.created",
                "zen:event-type:user.deleted",
                "zen:event-type:user.active_changed",
                "zen:event-type:organization.x",
                "zen:event-type:ticket.soft_deleted",
                "ticket.x",
                "",
            ]
        ),
        _mutated(
            {"id": "1", "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"},
            ZENDESK_KEYS,
        ),
        json_values,
    ),
)
HUBSPOT_BASE = json.loads(hubspot_body(123, NOW))[0]
hubspot_payloads = st.one_of(
    json_values,
    st.lists(_mutated(HUBSPOT_BASE, HUBSPOT_KEYS), max_size=4),
    st.lists(
        _mutated(
            {
                **HUBSPOT_BASE,
                "subscriptionType": "contact.merge",
                "mergedObjectIds": [1, 2],
                "primaryObjectId": 3,
            },
            HUBSPOT_KEYS,
        ),
        max_size=3,
    ),
)
raw_bodies = st.binary(max_size=300) | st.text(max_size=200).map(str.encode)
headers = st.dictionaries(
    st.sampled_from(
        [
            zendesk_webhooks.SIGNATURE_HEADER,
            zendesk_webhooks.TIMESTAMP_HEADER,
            hubspot_webhooks.SIGNATURE_HEADER,
            hubspot_webhooks.TIMESTAMP_HEADER,
            "x-zendesk-webhook-signature",
            "x-hubspot-signature-v3",
        ]
    ),
    st.text(max_size=60) | st.integers().map(str) | st.just(""),
    max_size=4,
)
# No example database: a run leaves nothing in the work tree, and each run starts fresh.
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _parses_or_refuses(parse, body: bytes) -> None:
    try:
        events = parse(body)
    except MalformedPayload:
        return
    for event in events:
        # What a parser accepts must be storable: a natural key with no hole in it.
        assert all(isinstance(part, str) and part for part in event.key), event.key
        assert event.occurred_at.tzinfo is not None


@FAST
@given(raw_bodies | zendesk_payloads.map(lambda p: json.dumps(p).encode()))
def test_zendesk_parse_raises_only_malformed_payload(body):
    _parses_or_refuses(zendesk_webhooks.parse, body)


@FAST
@given(raw_bodies | hubspot_payloads.map(lambda p: json.dumps(p).encode()))
def test_hubspot_parse_raises_only_malformed_payload(body):
    _parses_or_refuses(hubspot_webhooks.parse, body)


@FAST
@given(raw_bodies, headers, st.integers(min_value=-(10**6), max_value=10**6))
def test_signature_checks_raise_only_signature_error(body, sent, skew):
    now = NOW + timedelta(seconds=skew)
    for verify in (
        lambda: zendesk_webhooks.verify(ZENDESK_SECRET, sent, body, now),
        lambda: hubspot_webhooks.verify(HUBSPOT_SECRET, "POST", URI, sent, body, now),
    ):
        try:
            verify()
        except SignatureError:
            continue
        raise AssertionError(f"accepted forged headers {sent!r}")


@pytest.fixture
def app(make_settings):
    """One app for every example (its store keeps what the examples deliver)."""
    config = make_settings()
    application = create_app(config, Store(config.store["path"]), FrozenClock(NOW))
    # Hundreds of refused deliveries from one client: keep the rate limit out of the way.
    application.config["RATE_LIMITS"] = {"refused": "1000000/minute", "probes": "60/minute"}
    return application


@settings(
    FAST, suppress_health_check=[*FAST.suppress_health_check, HealthCheck.function_scoped_fixture]
)
@given(payload=zendesk_payloads | hubspot_payloads, tool=st.sampled_from(["zendesk", "hubspot"]))
def test_signed_fuzzed_deliveries_get_2xx_or_400_never_5xx(app, payload, tool):
    """The whole path (verify, parse, store) with a valid signature on fuzzed JSON."""
    body = json.dumps(payload).encode()
    sign = zendesk_headers if tool == "zendesk" else hubspot_headers
    response = app.test_client().post(f"/webhooks/{tool}", data=body, headers=sign(body))
    assert response.status_code in (200, 400), response.get_data(as_text=True)
