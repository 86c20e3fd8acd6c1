"""The outbox state machine (tests/reliability/test_state_machine.py) with many more
examples and steps. `python bench/reliability_state_machine.py [EXAMPLES] [STEPS]`
(defaults 300, 60)."""

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import TEST_SECRETS  # noqa: E402
from tests.reliability.test_state_machine import run_machine  # noqa: E402


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    logging.basicConfig(level=logging.ERROR)
    os.environ.update(TEST_SECRETS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        totals = run_machine(Path(tmp), examples, steps)
    print(dict(totals))
    print(f"wall time: {time.perf_counter() - started:.0f} s; OK (every invariant held)")


if __name__ == "__main__":
    main()
