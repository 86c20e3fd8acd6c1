"""Zendesk webhook signatures (ZENDESK.md §11.6 vectors) and event envelopes."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.zendesk.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, parse, sign, verify
from momentos.errors import MalformedPayload, SignatureError

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
BODY_1 = b'{"event":"ticket.updated","id":123}'
STAMP_1 = "2021-03-25T05:09:27Z"
NOW_1 = datetime(2021, 3, 25, 5, 10, 0, tzinfo=UTC)
BODY_3 = (
    b'{"type":"zen:event-type:ticket.created","account_id":88888888,"id":"01HNXXXX-CTEXAMPLE",'
    b'"time":"2024-04-17T17:18:10Z","zendesk_event_version":"2022-11-06",'
    b'"subject":"zen:ticket:35436","detail":{"id":"35436","status":"OPEN"},"event":{}}'
)
# Vector 4's body: zendesk/test_files/requests/webhook/user/group_membership_created.json in
# github.com/aaronellington/zendesk-go (tab-indented, trailing newline), as ZENDESK.md cites it.
BODY_4 = (
    b'{\n\t"type": "zen:event-type:user.group_membership_created",\n\t"account_id": 12514403,\n'
    b'\t"id": "6b9bbadf-5725-4e92-bebe-7b71011bf5f1",\n\t"subject": "zen:user:6596848315901",\n'
    b'\t"time": "2099-07-04T05:33:18Z",\n\t"zendesk_event_version": "2022-06-20",\n'
    b'\t"detail": {\n\t\t"created_at": "2099-07-04T05:27:58Z",\n\t\t"default_group_id": "0",\n'
    b'\t\t"email": "user.name@example.com",\n\t\t"external_id": "",\n'
    b'\t\t"id": "6596848315901",\n\t\t"organization_id": "0",\n\t\t"role": "end-user",\n'
    b'\t\t"updated_at": "2099-07-04T05:33:18Z"\n\t},\n\t"event": { "group": { "id": "1" } }\n}\n'
)


def headers(signature, timestamp=STAMP_1):
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: timestamp}


@pytest.mark.parametrize(
    ("timestamp", "body", "expected"),
    [
        (STAMP_1, BODY_1, "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM="),
        (STAMP_1, b"", "wCdBvXaHttn0wRVIYctzZ9O6O0bnqWakJMEKZ9VoRWw="),
        ("2024-04-17T17:18:10Z", BODY_3, "+sC9VX0a+4a1iEPtDpoM5+A5rp23rKoEzee5+jMhTCg="),
        ("1234", BODY_4, "10IqYzYTLHRftNsNE+im0DeOM6/JactIRuy0XCHJ9B8="),
    ],
)
def test_sign_reproduces_the_vectors(timestamp, body, expected):
    assert sign(SECRET, timestamp, body) == expected


@pytest.mark.parametrize(
    ("timestamp", "body", "signature", "now"),
    [
        (STAMP_1, BODY_1, "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM=", NOW_1),
        (STAMP_1, b"", "wCdBvXaHttn0wRVIYctzZ9O6O0bnqWakJMEKZ9VoRWw=", NOW_1),
        ("2024-04-17T17:18:10Z", BODY_3, "+sC9VX0a+4a1iEPtDpoM5+A5rp23rKoEzee5+jMhTCg=",
         datetime(2024, 4, 17, 17, 20, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_verify_accepts_the_vectors(timestamp, body, signature, now):
    verify(SECRET, headers(signature, timestamp), body, now)


def test_verify_checks_vector_4_signature_but_its_timestamp_is_no_date():
    signature = "10IqYzYTLHRftNsNE+im0DeOM6/JactIRuy0XCHJ9B8="
    with pytest.raises(SignatureError, match="timestamp is not a date"):
        verify(SECRET, headers(signature, "1234"), BODY_4, NOW_1)
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, headers(signature, "1234"), BODY_4 + b" ", NOW_1)


@pytest.mark.parametrize(
    "signature",
    [
        "MZztuYAmMzB73Nr8+Nh0TRZvEOcui53F+tvfZpEYz5c=",  # body + timestamp order
        "ElGlCykjczJm8dAh5YJyfzGb6ttTqrYPkC81bFc/ZSk=",  # base64-decoded key
        "4bf443754d844668fb2c70c3a16276a273d81feb7bfdfdbe2d333874bed488b3",  # hex output
    ],
)
def test_verify_rejects_the_negative_vectors(signature):
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, headers(signature), BODY_1, NOW_1)


def test_verify_rejects_a_one_byte_change():
    signature = sign(SECRET, STAMP_1, BODY_1)
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, headers(signature), BODY_1.replace(b"123", b"124"), NOW_1)


def test_verify_accepts_lower_case_header_names():
    lower = {SIGNATURE_HEADER.lower(): sign(SECRET, STAMP_1, BODY_1),
             TIMESTAMP_HEADER.lower(): STAMP_1}  # fmt: skip
    verify(SECRET, lower, BODY_1, NOW_1)


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_verify_rejects_stale_and_future_timestamps(offset):
    now = datetime(2021, 3, 25, 5, 9, 27, tzinfo=UTC) - offset
    signature = sign(SECRET, STAMP_1, BODY_1)
    with pytest.raises(SignatureError, match="outside the 5-minute window"):
        verify(SECRET, headers(signature), BODY_1, now)


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_verify_rejects_missing_headers(missing):
    sent = headers(sign(SECRET, STAMP_1, BODY_1))
    del sent[missing]
    with pytest.raises(SignatureError, match="missing Zendesk signature headers"):
        verify(SECRET, sent, BODY_1, NOW_1)


TICKET_CREATED = {
    "type": "zen:event-type:ticket.created",
    "account_id": 12514403,
    "id": "cbe4028c-7239-495d-b020-f22348516046",
    "time": "2025-01-08T10:12:07.672717030Z",
    "zendesk_event_version": "2022-11-06",
    "subject": "zen:ticket:5158",
    "detail": {
        "actor_id": "8447388090494", "assignee_id": None, "brand_id": "8447346621310",
        "created_at": "2025-01-08T10:12:07Z", "custom_status": "8447320465790",
        "description": "My order never arrived", "external_id": None, "form_id": "8447325827198",
        "group_id": "8447320466686", "id": "5158", "is_public": True, "organization_id": None,
        "priority": "LOW", "requester_id": "8447388090494", "status": "OPEN",
        "subject": "Where is my order?", "submitter_id": "8447388090494",
        "tags": ["queja"], "type": "TASK", "updated_at": "2025-01-08T10:12:07Z",
        "via": {"channel": "web_service"},
    },
    "event": {},
}  # fmt: skip


def test_parse_reads_a_ticket_event_envelope_with_string_ids_and_upper_case_enums():
    [event] = parse(json.dumps(TICKET_CREATED).encode())
    assert (event.tool, event.object_type, event.object_id, event.version) == (
        "zendesk",
        "ticket",
        "5158",
        "2025-01-08T10:12:07Z",
    )
    assert event.data["status"] == "open"
    assert event.data["priority"] == "low"
    assert event.data["type"] == "task"
    assert event.data["requester_id"] == "8447388090494"
    assert event.data["form_id"] == "8447325827198"
    assert event.data["tags"] == ["queja"]
    assert event.data["channel"] == "api"  # webhooks say web_service where REST says api
    assert "custom_fields" not in event.data
    assert event.raw == TICKET_CREATED
    assert event.deleted is False


def test_parse_reads_a_user_event():
    [event] = parse(BODY_4)
    assert (event.object_type, event.object_id) == ("user", "6596848315901")
    assert event.data["email"] == "user.name@example.com"
    assert event.data["organization_id"] is None  # "0" means none


def test_parse_acknowledges_event_types_it_does_not_track():
    body = {**TICKET_CREATED, "type": "zen:event-type:article.published", "detail": {}}
    assert parse(json.dumps(body).encode()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "no `type`"),
        (b'{"detail": {}}', "no `type`"),
        (b'{"type": "zen:event-type:ticket.created", "detail": "x"}', "no `detail` object"),
        (b'{"type": "zen:event-type:ticket.created", "detail": {"id": "1"}}', "missing"),
    ],
)
def test_parse_rejects_garbage(body, message):
    with pytest.raises(MalformedPayload, match=message):
        parse(body)


@pytest.mark.parametrize(
    ("event_type", "event", "deleted"),
    [
        ("ticket.soft_deleted", {}, True),
        ("ticket.permanently_deleted", {}, True),
        ("ticket.status_changed", {"previous": "OPEN", "current": "SOLVED"}, False),
    ],
)
def test_parse_marks_ticket_deletions(event_type, event, deleted):
    body = {**TICKET_CREATED, "type": f"zen:event-type:{event_type}", "event": event}
    [parsed] = parse(json.dumps(body).encode())
    assert (parsed.object_id, parsed.deleted) == ("5158", deleted)


@pytest.mark.parametrize(
    ("event_type", "event", "deleted"),
    [
        ("user.deleted", {}, True),
        ("user.active_changed", {"current": False, "previous": True}, True),
        ("user.active_changed", {"current": True, "previous": False}, False),
    ],
)
def test_parse_marks_deleted_and_deactivated_users(event_type, event, deleted):
    body = json.loads(BODY_4)
    body.update(type=f"zen:event-type:{event_type}", event=event)
    [parsed] = parse(json.dumps(body).encode())
    assert (parsed.object_type, parsed.deleted) == ("user", deleted)
