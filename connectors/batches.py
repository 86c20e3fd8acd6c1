"""Sending actions in batches without losing track of which ones already happened."""

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from momentos.errors import FatalApiError, RateLimited
from momentos.model import Action, ActionResult

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def failed(action: Action, error: str, *, retriable: bool = False,
           retry_after: float | None = None) -> ActionResult:  # fmt: skip
    return ActionResult(key=action.key, ok=False, error=error, retriable=retriable,
                        retry_after=retry_after)  # fmt: skip


def send_batches(
    batches: list[list[Action]], send: Callable[[list[Action]], list[ActionResult]]
) -> list[ActionResult]:
    """Send batch after batch; one batch's failure never hides what earlier ones did.

    A batch refused for good fails its own actions only. A 429 leaves the batches not sent
    yet to be retried (when nothing was sent at all, the 429 is raised as it is). Any other
    `RetriableError` means unknown outcome: it propagates, so the outbox looks every action
    of the call up before sending any again.
    """
    results: list[ActionResult] = []
    for index, batch in enumerate(batches):
        try:
            results += send(batch)
        except RateLimited as exc:
            if index == 0:
                raise
            rest = [action for later in batches[index:] for action in later]
            return results + [failed(a, str(exc), retriable=True, retry_after=exc.retry_after)
                              for a in rest]  # fmt: skip
        except FatalApiError as exc:
            results += [failed(action, str(exc)) for action in batch]
    return results
