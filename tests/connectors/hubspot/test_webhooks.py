"""HubSpot webhook signatures, v3 and the v1 fallback (HUBSPOT.md §6.5 vectors 1, 2 and 6-8),
and event arrays."""

import json
from datetime import timedelta

import pytest

from connectors.hubspot.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    V1_SIGNATURE_HEADER,
    V1_VERSION_HEADER,
    decode_uri,
    parse,
    sign,
    verify,
)
from connectors.timefmt import from_epoch_ms
from momentos.errors import MalformedPayload, SignatureError

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
BODY_1 = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)
VECTORS = [  # (uri as received, body, timestamp ms, expected signature)
    (URI, b"{'example_field':'example_value'}", 1693657560000,
     "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="),
    (URI, BODY_1, 1564113600000, "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw="),
    (f"{URI}?source=hub%3Aspot&x=%2Fa%20b", BODY_1, 1564113600000,
     "urRuIo/j+pcttB02BDalu6mQXMhC8GHJ7LmJNVAOjIs="),
]  # fmt: skip


def headers(signature, timestamp):
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(timestamp)}


def at(timestamp_ms, seconds=0):
    return from_epoch_ms(timestamp_ms) + timedelta(seconds=seconds)


@pytest.mark.parametrize(("uri", "body", "timestamp", "expected"), VECTORS)
def test_sign_reproduces_the_vectors(uri, body, timestamp, expected):
    assert sign(SECRET, "POST", uri, body, timestamp) == expected


@pytest.mark.parametrize(("uri", "body", "timestamp", "expected"), VECTORS)
def test_verify_accepts_the_vectors_inside_the_window(uri, body, timestamp, expected):
    verify(SECRET, "POST", uri, headers(expected, timestamp), body, at(timestamp, 30))


def test_the_uri_is_hashed_with_only_the_twelve_escapes_decoded():
    received = f"{URI}?source=hub%3Aspot&x=%2Fa%20b"
    assert decode_uri(received) == f"{URI}?source=hub:spot&x=/a%20b"
    undecoded = "ZEfTk21GwQIcczOyqsEhaj7XsdN8Ee6bVjhp0V5qTxE="
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, "POST", received, headers(undecoded, 1564113600000), BODY_1,
               at(1564113600000))  # fmt: skip


def test_verify_rejects_a_one_byte_change():
    uri, body, timestamp, expected = VECTORS[1]
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, "POST", uri, headers(expected, timestamp),
               body.replace(b'"objectId":123', b'"objectId":124'), at(timestamp))  # fmt: skip


def test_verify_rejects_another_method_or_secret():
    uri, body, timestamp, expected = VECTORS[1]
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, "PUT", uri, headers(expected, timestamp), body, at(timestamp))
    with pytest.raises(SignatureError, match="does not match"):
        verify("other", "POST", uri, headers(expected, timestamp), body, at(timestamp))


@pytest.mark.parametrize("seconds", [-301, 301])
def test_verify_rejects_stale_and_future_timestamps(seconds):
    uri, body, timestamp, expected = VECTORS[0]
    with pytest.raises(SignatureError, match="outside the 5-minute window"):
        verify(SECRET, "POST", uri, headers(expected, timestamp), body, at(timestamp, seconds))


@pytest.mark.parametrize("missing", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_verify_rejects_missing_headers(missing):
    uri, body, timestamp, expected = VECTORS[0]
    sent = headers(expected, timestamp)
    del sent[missing]
    with pytest.raises(SignatureError, match="missing HubSpot v3 signature headers"):
        verify(SECRET, "POST", uri, sent, body, at(timestamp))


def test_verify_rejects_a_timestamp_that_is_not_milliseconds():
    uri, body, _, expected = VECTORS[0]
    with pytest.raises(SignatureError, match="not epoch milliseconds"):
        verify(SECRET, "POST", uri, headers(expected, "2023-09-02T12:26:00Z"), body, at(0))


V1_VECTORS = [  # (body, expected hex signature)
    (BODY_1, "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"),
    (b"{'example_field':'example_value'}",
     "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"),
]  # fmt: skip


def v1_headers(signature, version="v1"):
    return {V1_SIGNATURE_HEADER: signature, V1_VERSION_HEADER: version}


@pytest.mark.parametrize(("body", "expected"), V1_VECTORS)
def test_a_delivery_with_only_a_v1_signature_is_checked_with_v1(body, expected):
    verify(SECRET, "POST", URI, v1_headers(expected), body, at(0))
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, "POST", URI, v1_headers(expected), body + b" ", at(0))
    with pytest.raises(SignatureError, match="does not match"):
        verify("other", "POST", URI, v1_headers(expected), body, at(0))


def test_v1_needs_its_version_header_and_never_stands_in_for_a_bad_v3():
    body, expected = V1_VECTORS[0]
    for version in (None, "v2"):
        sent = {V1_SIGNATURE_HEADER: expected, **({V1_VERSION_HEADER: version} if version else {})}
        with pytest.raises(SignatureError, match="missing"):
            verify(SECRET, "POST", URI, sent, body, at(0))
    # HubSpot sends both: a stale v3 is refused even though the v1 beside it is right.
    uri, v3_body, timestamp, v3 = VECTORS[1]
    both = {**headers(v3, timestamp), **v1_headers(expected)}
    with pytest.raises(SignatureError, match="outside the 5-minute window"):
        verify(SECRET, "POST", uri, both, v3_body, at(timestamp, 301))


def test_verify_accepts_lower_case_header_names():
    uri, body, timestamp, expected = VECTORS[0]
    lower = {k.lower(): v for k, v in headers(expected, timestamp).items()}
    verify(SECRET, "POST", uri, lower, body, at(timestamp))


def event(**fields):
    base = {
        "eventId": 3029365631,
        "subscriptionId": 686627,
        "portalId": 891472211,
        "appId": 7906213,
        "occurredAt": 1715203101896,
        "attemptNumber": 0,
        "objectId": 847297356,
        "changeSource": "CRM_UI",
        "sourceId": "userId:882761034",
    }
    return {**base, **fields}


def test_parse_reads_property_changes_merges_deletions_and_generic_events():
    # A merge also gives a deleted event per merged-away record (issue #5).
    body = json.dumps([
        event(subscriptionType="contact.propertyChange", propertyName="hs_language",
              propertyValue="es"),
        event(subscriptionType="contact.merge", objectId=5, primaryObjectId=5,
              mergedObjectIds=[6, 7], newObjectId=5, numberOfPropertiesMoved=3),
        event(subscriptionType="company.deletion", objectId=9),
        event(subscriptionType="object.creation", objectTypeId="0-3", objectId=11),
        event(subscriptionType="object.creation", objectTypeId="0-27", objectId=12),
        event(subscriptionType="ticket.creation", objectId=13),
    ]).encode()  # fmt: skip
    events = parse(body)
    assert [(e.object_type, e.object_id, e.data["change"], e.deleted) for e in events] == [
        ("contact", "847297356", "propertyChange", False),
        ("contact", "5", "merge", False),
        ("contact", "6", "merge", True),
        ("contact", "7", "merge", True),
        ("company", "9", "deletion", True),
        ("deal", "11", "creation", False),
    ]
    first = events[0]
    assert (first.version, first.occurred_at) == ("1715203101896", from_epoch_ms(1715203101896))
    assert (first.data["property"], first.data["value"]) == ("hs_language", "es")
    assert first.data["change_source"] == "CRM_UI"
    assert (events[1].data["merged_ids"], events[1].data["primary_id"]) == (["6", "7"], "5")
    assert [e.data.get("merged_into") for e in events[1:4]] == [None, "5", "5"]
    assert {e.version for e in events[1:4]} == {events[1].version}


def test_a_merge_into_a_new_record_removes_the_primary_too():
    body = json.dumps([event(subscriptionType="company.merge", objectId=5, primaryObjectId=5,
                             mergedObjectIds=[6], newObjectId=8)]).encode()  # fmt: skip
    assert [(e.object_id, e.deleted, e.data.get("merged_into")) for e in parse(body)] == [
        ("6", True, "8"),
        ("5", True, "8"),
    ]


def test_parse_of_an_empty_array_is_no_events():
    assert parse(b"[]") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"objectId": 1}', "must be a JSON array"),
        (b"[1]", "event 0 is not an object"),
        (json.dumps([{"subscriptionType": "contact.creation", "objectId": 1}]).encode(),
         "event 0 is missing"),
        (json.dumps([{"subscriptionType": "deal.creation", "occurredAt": "soon",
                      "objectId": 1}]).encode(), "event 0"),
    ],
)  # fmt: skip
def test_parse_rejects_garbage(body, message):
    with pytest.raises(MalformedPayload, match=message):
        parse(body)
