"""`momentos backfill`: every stream's history, with a progress line, resumable.

It polls exactly as sync does, from the same stored cursors, committing each page's
events with its cursor: a backfill killed at any moment resumes after its last committed
page, and a sync afterwards carries on from where the backfill ended.
"""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from connectors.paging import Page
from momentos import streams
from momentos.errors import ConfigError
from momentos.streams import Stream

# At most one progress line a second when stderr is not a terminal (logs, CI).
LINE_INTERVAL = 1.0


@dataclass
class StreamProgress:
    """Counts for one stream; `origin`/`latest` bound the change times seen so far."""

    name: str
    started: float
    records: int = 0
    new: int = 0
    total: int | None = None
    origin: datetime | None = None
    latest: datetime | None = None


def estimate_total(progress: StreamProgress, now: datetime) -> int | None:
    """All records of this run: the tool's own total, else extrapolated from how far the
    change times have come between the first record seen and now (exports go in order)."""
    if progress.total is not None:
        return max(progress.total, progress.records)
    if progress.origin is None or progress.latest is None or progress.records == 0:
        return None
    covered = (progress.latest - progress.origin).total_seconds()
    span = (now - progress.origin).total_seconds()
    if covered <= 0 or span <= 0:
        return None
    return max(progress.records, round(progress.records * span / covered))


def describe(progress: StreamProgress, elapsed: float, now: datetime, done: bool) -> str:
    """`zendesk:tickets: 12,000 records, 8,532/s, ~52,000 in all, ETA 0:00:05`."""
    rate = progress.records / elapsed if elapsed > 0 else 0.0
    line = f"{progress.name}: {progress.records:,} records, {rate:,.0f}/s"
    if done:
        return f"{line}, {progress.new:,} new, in {elapsed:.1f}s"
    total = estimate_total(progress, now)
    if total is not None and rate > 0:
        eta = max(0, round((total - progress.records) / rate))
        exact = "" if progress.total is not None else "~"
        line += f", {exact}{total:,} in all, ETA {eta // 3600}:{eta // 60 % 60:02d}:{eta % 60:02d}"
    return line


class Progress:
    """Writes the progress of each stream to `out`: one rewritten line on a terminal,
    else a line a second at most, and always a final line per stream."""

    def __init__(self, out: TextIO, clock, monotonic: Callable[[], float] = time.monotonic):
        self.out, self.clock, self.monotonic = out, clock, monotonic
        self.tty = out.isatty()
        self.current: StreamProgress | None = None
        self._shown = 0.0

    def start(self, stream: Stream) -> None:
        self.current = StreamProgress(stream.name, self.monotonic())
        self._shown = 0.0

    def page(self, stream: Stream, page: Page, new: int) -> None:
        progress = self.current
        if progress is None:
            return
        progress.records += len(page.events)
        progress.new, progress.total = new, page.total
        if page.events:
            times = [event.occurred_at for event in page.events]
            progress.origin = min([*times, progress.origin or times[0]])
            progress.latest = max([*times, progress.latest or times[0]])
        now = self.monotonic()
        if self.tty or now - self._shown >= LINE_INTERVAL:
            self._write(describe(progress, now - progress.started, self.clock.now(), False))
            self._shown = now

    def finish(self) -> None:
        progress = self.current
        if progress is not None:
            elapsed = self.monotonic() - progress.started
            self._write(describe(progress, elapsed, self.clock.now(), True), final=True)

    def _write(self, line: str, final: bool = False) -> None:
        if self.tty:
            self.out.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


def run_backfill(engine, tool: str | None = None, out: TextIO | None = None) -> dict[str, int]:
    """Load every stream (all, a tool's, or one) to the present; returns new events each."""
    if not streams.select(tool):
        names = ", ".join(["zendesk", "hubspot", *(s.name for s in streams.STREAMS)])
        raise ConfigError([f"backfill: no stream called {tool!r}; choose one of {names}"])
    chosen = streams.select(tool, engine.settings.polling["streams_off"])
    progress = Progress(out or sys.stderr, engine.clock)
    sources = engine.sources()
    new = {}
    with engine.store.bulk_loading():
        for stream in chosen:
            progress.start(stream)
            new[stream.name] = streams.pull(stream, sources, engine.store, engine.clock,
                                            source="backfill", on_page=progress.page)  # fmt: skip
            progress.finish()
    return new
