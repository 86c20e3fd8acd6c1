"""The shared client: the status table, retries of safe calls only, 429s, budgets, logs."""

import logging

import pytest
import requests
from responses import matchers

from connectors.budget import Budget
from connectors.http import ApiClient, Decision, Verdict, backoff, check_base_url, classify
from momentos.errors import FatalApiError, RateLimited, RetriableError

BASE = "https://acme.zendesk.com"
URL = f"{BASE}/api/v2/things.json"


def make_client(clock, rng, **options):
    budgets = {"default": Budget(100, 10.0), "slow": Budget(2, 10.0)}
    return ApiClient(BASE, lambda: "Bearer s3cret", budgets=budgets, clock=clock, rng=rng,
                     **options)  # fmt: skip


def timed(clock, seen, status, headers=None, body="{}"):
    """A `responses` callback that records when (on the clock) each request arrived."""

    def callback(request):
        seen.append(clock.now())
        return status, headers or {}, body

    return callback


@pytest.mark.parametrize(
    ("status", "headers", "method", "idempotent", "expected"),
    [
        (200, {}, "GET", None, Decision(Verdict.OK)),
        (201, {}, "POST", None, Decision(Verdict.OK)),
        (207, {}, "POST", None, Decision(Verdict.OK)),
        (429, {"Retry-After": "7"}, "POST", None, Decision(Verdict.RATE_LIMITED, 7.0)),
        (429, {}, "GET", None, Decision(Verdict.RATE_LIMITED, 60.0)),
        (429, {"retry-after": "soon"}, "GET", None, Decision(Verdict.RATE_LIMITED, 60.0)),
        (503, {}, "GET", None, Decision(Verdict.RETRY)),
        (502, {}, "PUT", None, Decision(Verdict.RETRY)),
        (504, {}, "DELETE", None, Decision(Verdict.RETRY)),
        (500, {}, "HEAD", None, Decision(Verdict.RETRY)),
        (503, {"Retry-After": "3"}, "GET", None, Decision(Verdict.RETRY, 3.0)),
        (503, {}, "POST", None, Decision(Verdict.UNCERTAIN)),
        (503, {}, "POST", True, Decision(Verdict.RETRY)),
        (503, {}, "PUT", False, Decision(Verdict.UNCERTAIN)),
        (None, {}, "GET", None, Decision(Verdict.RETRY)),
        (None, {}, "POST", None, Decision(Verdict.UNCERTAIN)),
        (None, {}, "POST", True, Decision(Verdict.RETRY)),
        (400, {}, "GET", None, Decision(Verdict.FAIL)),
        (401, {}, "GET", None, Decision(Verdict.FAIL)),
        (404, {}, "GET", None, Decision(Verdict.FAIL)),
        (422, {}, "POST", True, Decision(Verdict.FAIL)),
        (501, {}, "GET", None, Decision(Verdict.FAIL)),
    ],
)
def test_classify_table(status, headers, method, idempotent, expected):
    assert classify(status, headers, method, idempotent=idempotent, default_wait=60.0) == expected


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    class Fixed:
        def __init__(self, value):
            self.value = value

        def random(self):
            return self.value

    assert [backoff(n, Fixed(1.0)) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(3, Fixed(0.0)) == 2.0
    assert backoff(20, Fixed(1.0)) == 30.0


def test_sends_auth_accept_and_timeouts(rsps, clock, rng):
    rsps.get(URL, json={"ok": True}, match=[
        matchers.header_matcher({"Authorization": "Bearer s3cret", "Accept": "application/json"}),
        matchers.query_param_matcher({"page": "2"}),
    ])  # fmt: skip
    response = make_client(clock, rng).request("GET", "/api/v2/things.json", params={"page": 2})
    assert response.json() == {"ok": True}
    assert rsps.calls[0].request.req_kwargs["timeout"] == (5.0, 30.0)


def test_429_waits_exactly_retry_after_and_never_asks_earlier(ordered, clock, rng):
    seen = []
    ordered.add_callback("GET", URL, callback=timed(clock, seen, 429, {"Retry-After": "7"}))
    ordered.add_callback("GET", URL, callback=timed(clock, seen, 200))
    make_client(clock, rng).request("GET", "/api/v2/things.json")
    assert clock.slept == [7.0]
    assert (seen[1] - seen[0]).total_seconds() == 7.0


def test_429_blocks_the_whole_family_until_retry_after(ordered, clock, rng):
    seen = []
    client = make_client(clock, rng, max_attempts=1)
    ordered.add_callback("GET", URL, callback=timed(clock, seen, 429, {"Retry-After": "5"}))
    ordered.add_callback("GET", URL, callback=timed(clock, seen, 200))
    with pytest.raises(RateLimited, match="answered 429"):
        client.request("GET", "/api/v2/things.json")
    client.request("GET", "/api/v2/things.json")
    assert (seen[1] - seen[0]).total_seconds() == 5.0


def test_429_without_retry_after_waits_the_family_window(ordered, clock, rng):
    ordered.get(URL, status=429)
    ordered.get(URL, json={})
    make_client(clock, rng).request("GET", "/api/v2/things.json", family="slow")
    assert clock.slept == [10.0]


def test_429_with_a_long_wait_is_raised_at_once(rsps, clock, rng):
    rsps.post(URL, status=429, headers={"Retry-After": "3600"},
              json={"errorType": "RATE_LIMIT", "policyName": "DAILY"})  # fmt: skip
    client = make_client(clock, rng)
    with pytest.raises(RateLimited, match="answered 429: RATE_LIMIT") as caught:
        client.request("POST", "/api/v2/things.json", json={})
    assert caught.value.retry_after == 3600.0
    assert clock.slept == []
    clock.advance(600)
    with pytest.raises(RateLimited, match="not sent: the tool asked for a pause of 3000s"):
        client.request("GET", "/api/v2/things.json")
    assert len(rsps.calls) == 1


def test_429_until_attempts_run_out(rsps, clock, rng):
    rsps.get(URL, status=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited, match=r"GET /api/v2/things.json answered 429"):
        make_client(clock, rng, max_attempts=3).request("GET", "/api/v2/things.json")
    assert len(rsps.calls) == 3
    assert clock.slept == [1.0, 1.0]


def test_503_then_200_on_a_safe_call_backs_off(ordered, clock, rng):
    ordered.get(URL, status=503)
    ordered.get(URL, status=503, headers={"Retry-After": "4"})
    ordered.get(URL, json={"ok": 1})
    assert make_client(clock, rng).request("GET", "/api/v2/things.json").json() == {"ok": 1}
    assert clock.slept == [0.5, 4.0]  # jitter 0: half of 1 s; then Retry-After beats 1 s


def test_503_on_an_unsafe_post_is_never_repeated(rsps, clock, rng):
    rsps.post(URL, status=503)
    with pytest.raises(RetriableError, match="POST /api/v2/things.json answered 503"):
        make_client(clock, rng).request("POST", "/api/v2/things.json", json={"a": 1})
    assert len(rsps.calls) == 1
    assert clock.slept == []


def test_503_on_a_post_marked_idempotent_is_retried(ordered, clock, rng):
    ordered.post(URL, status=503)
    ordered.post(URL, status=201, json={"id": 1})
    response = make_client(clock, rng).request("POST", "/api/v2/things.json", idempotent=True)
    assert response.status_code == 201


def test_unsafe_put_is_not_retried_when_the_caller_says_so(rsps, clock, rng):
    rsps.put(URL, status=502)
    with pytest.raises(RetriableError):
        make_client(clock, rng).request("PUT", "/api/v2/things.json", idempotent=False)
    assert len(rsps.calls) == 1


def test_timeouts_retry_safe_calls_until_attempts_run_out(rsps, clock, rng):
    rsps.get(URL, body=requests.ConnectTimeout("slow"))
    with pytest.raises(RetriableError, match="got no answer: ConnectTimeout"):
        make_client(clock, rng, max_attempts=3).request("GET", "/api/v2/things.json")
    assert len(rsps.calls) == 3
    assert clock.slept == [0.5, 1.0]


def test_a_lost_connection_on_a_post_is_not_retried(rsps, clock, rng):
    rsps.post(URL, body=requests.ConnectionError("reset"))
    with pytest.raises(RetriableError, match="got no answer: ConnectionError"):
        make_client(clock, rng).request("POST", "/api/v2/things.json")
    assert len(rsps.calls) == 1


def test_other_4xx_fail_at_once_with_the_tools_error(rsps, clock, rng):
    body = {"error": "RecordInvalid", "description": "Record validation errors"}
    rsps.post(URL, status=422, json=body)
    with pytest.raises(FatalApiError, match="answered 422: RecordInvalid: Record validation") as e:
        make_client(clock, rng).request("POST", "/api/v2/things.json", idempotent=True)
    assert e.value.status_code == 422
    assert "RecordInvalid" in e.value.body
    assert len(rsps.calls) == 1


def test_plain_text_errors_are_kept_in_the_body_only(rsps, clock, rng):
    rsps.get(URL, status=403, body="Forbidden", content_type="text/plain")
    with pytest.raises(FatalApiError, match=r"answered 403$") as caught:
        make_client(clock, rng).request("GET", "/api/v2/things.json")
    assert caught.value.body == "Forbidden"


def test_request_json_treats_a_non_json_2xx_as_retriable(rsps, clock, rng):
    rsps.get(URL, body="<html>proxy</html>", content_type="text/html")
    with pytest.raises(RetriableError, match="answered non-JSON"):
        make_client(clock, rng).request_json("GET", "/api/v2/things.json")


def test_budget_never_lets_more_than_limit_requests_in_a_window(rsps, clock, rng):
    seen = []
    rsps.add_callback("GET", URL, callback=timed(clock, seen, 200))
    client = make_client(clock, rng)
    for _ in range(5):
        client.request("GET", "/api/v2/things.json", family="slow")
    assert [(t - seen[0]).total_seconds() for t in seen] == [0, 0, 10, 10, 20]
    assert clock.slept == [10.0, 10.0]


def test_unknown_family_is_a_programming_error(clock, rng):
    with pytest.raises(KeyError):
        make_client(clock, rng).request("GET", "/x", family="nope")


def test_logs_method_path_status_attempt_and_family_but_no_secrets(ordered, clock, rng, caplog):
    ordered.get(URL, status=503, body="secret body")
    ordered.get(URL, json={"token": "in-body"})
    caplog.set_level(logging.DEBUG, logger="connectors.http")
    make_client(clock, rng).request("GET", "/api/v2/things.json", params={"q": "private"})
    assert "GET /api/v2/things.json -> 503 (attempt 1, family default)" in caplog.text
    assert "GET /api/v2/things.json -> 200 (attempt 2, family default)" in caplog.text
    for secret in ("s3cret", "private", "secret body", "in-body"):
        assert secret not in caplog.text
    assert all(record.args for record in caplog.records)  # %-args, not pre-formatted


@pytest.mark.parametrize(
    ("url", "allowed", "custom", "problem"),
    [
        ("https://acme.zendesk.com", ("*.zendesk.com",), False, None),
        ("https://api.hubapi.com/", ("api.hubapi.com",), False, None),
        ("http://acme.zendesk.com", ("*.zendesk.com",), False, "must use https"),
        ("https://acme.zendesk.com:8443", ("*.zendesk.com",), False, "must use https"),
        ("https://evil.example", ("*.zendesk.com",), False, "host must match *.zendesk.com"),
        ("https://acme.zendesk.com.evil.example", ("*.zendesk.com",), False, "host must match"),
        ("https://a.b.zendesk.com", ("*.zendesk.com",), False, "host must match"),
        ("https://zendesk.com", ("*.zendesk.com",), False, "host must match"),
        ("https://api.hubapi.com@evil.example", ("api.hubapi.com",), False, "credentials"),
        ("https://api.hubapi.com/?x=1", ("api.hubapi.com",), False, "query"),
        ("api.hubapi.com", ("api.hubapi.com",), False, "absolute"),
        ("ftp://api.hubapi.com", ("api.hubapi.com",), True, "absolute"),
        ("", ("api.hubapi.com",), False, "absolute"),
        ("https://[::1", ("api.hubapi.com",), False, "not a valid URL"),
        ("http://127.0.0.1:5050", ("api.hubapi.com",), True, None),
        ("http://[::1]:5050", ("api.hubapi.com",), True, None),
        ("https://hubspot.internal.example", ("api.hubapi.com",), True, None),
        ("http://169.254.169.254/latest", ("api.hubapi.com",), True, "link-local"),
        ("http://2852039166/", ("api.hubapi.com",), True, "link-local"),
        ("http://0xa9.0xfe.0xa9.0xfe/", ("api.hubapi.com",), True, "link-local"),
        ("http://[::ffff:169.254.169.254]/", ("api.hubapi.com",), True, "link-local"),
        ("http://[fe80::1]/", ("api.hubapi.com",), True, "link-local"),
        ("http://metadata.google.internal/", ("api.hubapi.com",), True, "link-local"),
        ("http://169.254.169.254/", ("api.hubapi.com",), False, "must use https"),
    ],
)
def test_check_base_url(url, allowed, custom, problem):
    found = check_base_url(url, allowed, custom)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
