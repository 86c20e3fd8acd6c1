"""What every poller yields: a page of events and the cursor to store with them."""

from dataclasses import dataclass, field

from momentos.model import Event


@dataclass(frozen=True)
class Page:
    """Events of one page and the cursor to resume after them; commit both together.

    `done` is true on the last page of this poll: the stream has caught up with the tool.
    """

    events: list[Event] = field(default_factory=list)
    cursor: str | None = None
    done: bool = False
