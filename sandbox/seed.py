"""Seeds: `empty`, and `demo`, a small company whose customers live the moments of truth."""

from typing import Any

from sandbox.state import SandboxState

KINDS = {"empty", "demo"}


def apply(state: SandboxState, kind: str, size: int | None = None) -> dict[str, Any]:
    state.reset()
    if kind == "empty":
        return {}
    from sandbox.demo_company import seed_demo

    return seed_demo(state)
