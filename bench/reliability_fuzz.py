"""Fuzz the webhook parsers and signature checks with atheris (coverage-guided), longer
than tests/security/test_fuzz_webhooks.py's Hypothesis run. Anything but the documented
BadRequest subclasses is a crash, and so is an accepted event with a hole in its key.

The first byte picks the target (Zendesk parse, HubSpot parse, Zendesk verify, HubSpot
verify); the corpus starts from real deliveries of both tools (tests/reliability/helpers),
so mutations begin inside the parsers instead of at the JSON syntax error.

`python bench/reliability_fuzz.py [-atheris_runs=500000] [other libFuzzer flags]`
"""

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports():
    from connectors.hubspot import webhooks as hubspot_webhooks
    from connectors.zendesk import webhooks as zendesk_webhooks

from momentos.errors import MalformedPayload, SignatureError  # noqa: E402
from tests.reliability import helpers  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
URI = "http://127.0.0.1:8000/webhooks/hubspot"
PARSERS = (zendesk_webhooks.parse, hubspot_webhooks.parse)


def _parse(target: int, body: bytes) -> None:
    try:
        events = PARSERS[target](body)
    except MalformedPayload:
        return
    for event in events:
        if not all(isinstance(part, str) and part for part in event.key):
            raise AssertionError(f"accepted an event without a full key: {event.key}")


def _verify(target: int, data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
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


def one_input(data: bytes) -> None:
    if not data:
        return
    target = data[0] % 4
    if target < 2:
        _parse(target, data[1:])
    else:
        _verify(target, data[1:])


def seeds(folder: Path) -> None:
    """Real deliveries of both tools, and a few event types each, as the starting corpus."""
    at = NOW - timedelta(minutes=1)
    zendesk = [helpers.zendesk_ticket_body(5158, 501, at, tags=tags) for tags in (("queja",), ())]
    hubspot = [
        helpers.hubspot_body(123, at, kind=kind)
        for kind in ("contact.propertyChange", "contact.creation", "company.deletion",
                     "contact.merge", "deal.propertyChange")
    ]  # fmt: skip
    inputs = [b"\x00" + body for body in zendesk] + [b"\x01" + body for body in hubspot]
    inputs += [b"\x02" + zendesk[0], b"\x03" + hubspot[0]]
    for n, data in enumerate(inputs):
        (folder / f"seed{n}").write_bytes(data)


def main() -> None:
    with tempfile.TemporaryDirectory() as corpus:
        seeds(Path(corpus))
        atheris.Setup([*sys.argv, corpus], one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
