"""Does a webhook signature check take the same time whether the forged signature is wrong
in its first character, its last, or right? Time `verify` for each, interleaved, and
print the medians and the largest gap (issue #12: compared in constant time). The test
(tests/reliability/test_bad_deliveries.py) checks that hmac.compare_digest does it.

`python bench/reliability_timing.py [ROUNDS]` (default 200000).
"""

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.hubspot import webhooks as hubspot  # noqa: E402
from connectors.timefmt import format_iso, to_epoch_ms  # noqa: E402
from connectors.zendesk import webhooks as zendesk  # noqa: E402
from momentos.errors import SignatureError  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "timing-secret-0123456789"
URI = "http://127.0.0.1:8000/webhooks/hubspot"
BODY = b'{"type": "zen:event-type:ticket.created", "detail": {"id": "1"}}' * 8


def _flip(signature: str, at: int) -> str:
    swapped = "A" if signature[at] != "A" else "B"
    return signature[:at] + swapped + signature[at + 1 :]


def _checks() -> dict[str, dict[str, object]]:
    """tool -> case -> a call of verify that passes or raises SignatureError."""
    stamp = format_iso(NOW)
    good_z = zendesk.sign(SECRET, stamp, BODY)
    ms = to_epoch_ms(NOW)
    good_h = hubspot.sign(SECRET, "POST", URI, BODY, ms)

    def zendesk_call(signature):
        headers = {zendesk.SIGNATURE_HEADER: signature, zendesk.TIMESTAMP_HEADER: stamp}
        return lambda: zendesk.verify(SECRET, headers, BODY, NOW)

    def hubspot_call(signature):
        headers = {hubspot.SIGNATURE_HEADER: signature, hubspot.TIMESTAMP_HEADER: str(ms)}
        return lambda: hubspot.verify(SECRET, "POST", URI, headers, BODY, NOW)

    return {
        tool: {
            "right": call(good),
            "wrong first char": call(_flip(good, 0)),
            "wrong last char": call(_flip(good, len(good) - 2)),
        }
        for tool, call, good in (
            ("zendesk", zendesk_call, good_z),
            ("hubspot", hubspot_call, good_h),
        )
    }


def _time(call, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        try:
            call()
        except SignatureError:
            pass
        samples.append(time.perf_counter_ns() - started)
    return samples


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    for tool, cases in _checks().items():
        samples: dict[str, list[float]] = {case: [] for case in cases}
        for _ in range(20):  # interleaved, so drift in the machine hits every case alike
            for case, call in cases.items():
                samples[case] += _time(call, rounds // 20)
        medians = {case: statistics.median(s) for case, s in samples.items()}
        wrong = (medians["wrong first char"], medians["wrong last char"])
        gap = abs(wrong[0] - wrong[1]) / min(wrong)
        shown = ", ".join(f"{case} {m / 1000:.2f} µs" for case, m in medians.items())
        print(f"{tool}: median verify time: {shown}; first vs last char gap {gap:.1%}")


if __name__ == "__main__":
    main()
