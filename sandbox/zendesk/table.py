"""All tickets as one read-only mapping: dicts for tickets written through the API, columns
(`generated.TicketBlock`) for seeded bulk. Callers read through the mapping and change a
ticket only through `edit`, which turns a generated ticket into a dict first.
"""

import bisect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sandbox.zendesk.generated import Recipe, TicketBlock


class IdView(Sequence):
    """Every ticket id in ascending order without building the list: the dict ids below
    the block, the block's range, the dict ids above it. Bisect and slices work on it."""

    def __init__(self, outside: list[int], block: range):
        self._outside, self._block = outside, block
        self._low = bisect.bisect_left(outside, block.start) if block else len(outside)

    def __len__(self) -> int:
        return len(self._outside) + len(self._block)

    def _at(self, index: int) -> int:
        if index < self._low:
            return self._outside[index]
        if index < self._low + len(self._block):
            return self._block[index - self._low]
        return self._outside[index - len(self._block)]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._at(index)


class TicketTable(Mapping):
    """Ticket id -> stored ticket. Generated tickets read as fresh dicts: use `edit`."""

    def __init__(self) -> None:
        self.live: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self.block: TicketBlock | None = None
        self._outside: list[int] = []  # ids in `live` outside the block's range, ascending

    def _slot(self, ticket_id: int) -> int | None:
        return self.block.slot(ticket_id) if self.block is not None else None

    def __getitem__(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.live.get(ticket_id)
        if ticket is not None:
            return ticket
        slot = self._slot(ticket_id)
        if slot is None:
            raise KeyError(ticket_id)
        return self.block.ticket(slot)  # type: ignore[union-attr]

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self.live or (
            isinstance(ticket_id, int) and self._slot(ticket_id) is not None
        )

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def ids(self) -> IdView:
        return IdView(self._outside, self.block.ids if self.block else range(0))

    def add(self, ticket: dict, comments: list[dict], audits: list[dict]) -> None:
        ticket_id = ticket["id"]
        self.live[ticket_id] = ticket
        self.comments[ticket_id] = comments
        self.audits[ticket_id] = audits
        if self._slot(ticket_id) is None:
            bisect.insort(self._outside, ticket_id)

    def edit(self, ticket_id: int) -> dict[str, Any]:
        """The ticket's own dict, to change in place; a generated ticket becomes one."""
        if ticket_id not in self.live:
            slot = self._slot(ticket_id)
            if slot is None:
                raise KeyError(ticket_id)
            block = self.block
            self.live[ticket_id] = block.ticket(slot)  # type: ignore[union-attr]
            self.comments[ticket_id] = block.comments(slot)  # type: ignore[union-attr]
            self.audits[ticket_id] = block.audits(slot)  # type: ignore[union-attr]
        return self.live[ticket_id]

    def comments_of(self, ticket_id: int) -> list[dict[str, Any]]:
        if ticket_id in self.comments:
            return self.comments[ticket_id]
        return self.block.comments(self.block.slot(ticket_id))  # type: ignore[union-attr,arg-type]

    def audits_of(self, ticket_id: int) -> list[dict[str, Any]]:
        if ticket_id in self.audits:
            return self.audits[ticket_id]
        return self.block.audits(self.block.slot(ticket_id))  # type: ignore[union-attr,arg-type]

    def stamps(self) -> Iterator[tuple[int, int]]:
        """(id, generated_timestamp) of every ticket, dicts overriding the block."""
        if self.block is not None:
            for ticket_id, stamp in self.block.stamps():
                if ticket_id not in self.live:
                    yield ticket_id, stamp
        for ticket in self.live.values():
            yield ticket["id"], ticket["generated_timestamp"]

    def attach(self, block: TicketBlock) -> None:
        """Take a generated block; its ids must be free (the state reserves them)."""
        if self.block is not None or any(block.slot(i) is not None for i in self._outside):
            raise ValueError("a generated block needs free ticket ids")
        self.block = block

    def dump(self) -> dict[str, Any]:
        return {
            "tickets": list(self.live.values()),
            "comments": {str(k): v for k, v in self.comments.items()},
            "audits": {str(k): v for k, v in self.audits.items()},
            "block": vars(self.block.recipe) if self.block else None,
        }

    def load(self, data: dict[str, Any]) -> None:
        """Rebuild from `dump()`; the block is regenerated from its recipe."""
        recipe = data.get("block")
        self.block = TicketBlock(Recipe(**recipe)) if recipe else None
        for ticket in data["tickets"]:
            ticket_id = ticket["id"]
            self.add(ticket, data["comments"][str(ticket_id)], data["audits"][str(ticket_id)])
