"""Fuzz the webhook parsers and signature checks with atheris (coverage-guided), longer
than tests/security/test_fuzz_webhooks.py's Hypothesis run. Anything but the documented
BadRequest subclasses is a crash, and so is an accepted event with a hole in its key.

`python bench/reliability_fuzz.py [-atheris_runs=200000] [other libFuzzer flags]`
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports():
    from connectors.hubspot import webhooks as hubspot_webhooks
    from connectors.zendesk import webhooks as zendesk_webhooks

from momentos.errors import MalformedPayload, SignatureError  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
URI = "http://127.0.0.1:8000/webhooks/hubspot"


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    target = fdp.ConsumeIntInRange(0, 3)
    if target < 2:
        body = fdp.ConsumeBytes(fdp.remaining_bytes())
        parse = zendesk_webhooks.parse if target == 0 else hubspot_webhooks.parse
        try:
            events = parse(body)
        except MalformedPayload:
            return
        for event in events:
            if not all(isinstance(part, str) and part for part in event.key):
                raise AssertionError(f"accepted an event without a full key: {event.key}")
        return
    headers = {
        zendesk_webhooks.SIGNATURE_HEADER: fdp.ConsumeUnicodeNoSurrogates(60),
        zendesk_webhooks.TIMESTAMP_HEADER: fdp.ConsumeUnicodeNoSurrogates(30),
        hubspot_webhooks.SIGNATURE_HEADER: fdp.ConsumeUnicodeNoSurrogates(60),
        hubspot_webhooks.TIMESTAMP_HEADER: fdp.ConsumeUnicodeNoSurrogates(20),
    }
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        if target == 2:
            zendesk_webhooks.verify("secret", headers, body, NOW)
        else:
            hubspot_webhooks.verify("secret", "POST", URI, headers, body, NOW)
    except SignatureError:
        return
    raise AssertionError("forged headers were accepted")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
