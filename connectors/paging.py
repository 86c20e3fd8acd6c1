"""What every poller yields: a page of events and the cursor to store with them."""

import contextvars
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from queue import Full, Queue

from momentos.model import Event


@dataclass(frozen=True)
class Page:
    """Events of one page and the cursor to resume after them; commit both together.

    `done` is true on the last page of this poll: the stream has caught up with the tool.
    `total` is how many records this poll will yield in all, when the tool says (HubSpot
    search does; Zendesk exports do not), for progress and ETA.
    """

    events: list[Event] = field(default_factory=list)
    cursor: str | None = None
    done: bool = False
    total: int | None = None


def prefetch(pages: Iterator[Page], depth: int = 1) -> Iterator[Page]:
    """The same pages, the next one fetched in a thread while the caller stores this one.

    The tool renders and sends page n+1 while page n is committed, so a poll costs about
    the slower of the two rather than their sum. An error reaches the caller at the page
    where it happened; nothing is committed here, so resuming is unchanged.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if not _put(queue, page, stop):
                    return
            _put(queue, _DONE, stop)
        except BaseException as exc:  # handed over, raised in the caller's thread
            _put(queue, exc, stop)

    # In the caller's context, so that its log context (tool, stream) reaches these lines.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(produce,), name="prefetch", daemon=True).start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


_DONE = object()
PUT_POLL_SECONDS = 0.1


def _put(queue: Queue, item: object, stop: threading.Event) -> bool:
    """Put unless the caller has gone away; False when it has."""
    while not stop.is_set():
        try:
            queue.put(item, timeout=PUT_POLL_SECONDS)
            return True
        except Full:
            continue
    return False
