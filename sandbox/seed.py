"""Seeds: `empty`; `demo`, a small company whose customers live the moments of truth;
`size`, N generated Zendesk tickets over the last year (`sandbox/scale.py`)."""

from datetime import timedelta
from typing import Any

from sandbox.state import SandboxState

KINDS = {"empty", "demo", "size"}
DEFAULT_SIZE = 1000


def apply(state: SandboxState, kind: str, size: int | None = None) -> dict[str, Any]:
    state.reset()
    if kind == "empty":
        return {}
    if kind == "size":
        from sandbox.scale import seed_size

        end = state.clock.now()
        count = int(size) if size is not None else DEFAULT_SIZE
        return seed_size(state, count, start=end - timedelta(days=365), end=end)
    from sandbox.demo import seed_demo

    return seed_demo(state)


def after_first_sync(state: SandboxState) -> dict[str, Any]:
    """The demo's "later that day", once Momentos has synced the seed: changes that need a
    previous version to compare with (deals pushed back, repriced). Empty outside the demo."""
    from sandbox.demo import after_first_sync as afternoon

    return afternoon(state)
