"""Backfill progress: records, rate, and an ETA from the tool's total or the times covered."""

import io
from datetime import timedelta

from connectors.paging import Page
from momentos.backfill import Progress, StreamProgress, describe, estimate_total
from momentos.clock import FrozenClock
from momentos.streams import Stream
from tests.factories import T0, zendesk_ticket

STREAM = Stream("zendesk:tickets", "zendesk", "ticket", lambda *a: iter(()))


def progress(**fields):
    return StreamProgress("zendesk:tickets", 0.0, **fields)


def test_a_total_from_the_tool_is_used_as_is():
    assert estimate_total(progress(records=10, total=40), T0) == 40


def test_without_a_total_the_times_covered_extrapolate_it():
    origin = T0 - timedelta(days=10)
    halfway = progress(records=500, origin=origin, latest=T0 - timedelta(days=5))
    assert estimate_total(halfway, T0) == 1000
    assert estimate_total(progress(records=5, origin=T0, latest=T0), T0) is None
    assert estimate_total(progress(), T0) is None


def test_describe_shows_records_rate_total_and_eta():
    assert describe(progress(records=2000, total=10_000), 0.5, T0, False) == (
        "zendesk:tickets: 2,000 records, 4,000/s, 10,000 in all, ETA 0:00:02"
    )
    guessed = progress(records=500, origin=T0 - timedelta(hours=2), latest=T0 - timedelta(hours=1))
    assert describe(guessed, 1.0, T0, False).endswith("~1,000 in all, ETA 0:00:01")
    assert describe(progress(records=7), 2.0, T0, False) == "zendesk:tickets: 7 records, 4/s"
    assert describe(progress(records=7, new=3), 2.0, T0, True) == (
        "zendesk:tickets: 7 records, 4/s, 3 new, in 2.0s"
    )


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_off_a_terminal_a_line_a_second_at_most_and_a_final_line():
    out, ticks = io.StringIO(), Ticks()
    shown = Progress(out, FrozenClock(T0), monotonic=ticks)
    shown.start(STREAM)
    for n in range(1, 4):
        ticks.now = n * 0.4
        shown.page(STREAM, Page([zendesk_ticket(n)], f"c{n}"), n)
    ticks.now = 2.0
    shown.finish()
    lines = out.getvalue().splitlines()
    assert lines == [
        "zendesk:tickets: 3 records, 2/s",
        "zendesk:tickets: 3 records, 2/s, 3 new, in 2.0s",
    ]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_one_line_is_rewritten():
    out, ticks = Terminal(), Ticks()
    shown = Progress(out, FrozenClock(T0), monotonic=ticks)
    shown.start(STREAM)
    ticks.now = 1.0
    shown.page(STREAM, Page([zendesk_ticket(1)], "c1", total=2), 1)
    shown.finish()
    assert out.getvalue() == (
        "\r\033[Kzendesk:tickets: 1 records, 1/s, 2 in all, ETA 0:00:01"
        "\r\033[Kzendesk:tickets: 1 records, 1/s, 1 new, in 1.0s\n"
    )


def test_an_unknown_stream_is_refused_with_the_choices():
    import pytest

    from momentos.backfill import run_backfill
    from momentos.errors import ConfigError

    with pytest.raises(ConfigError, match="no stream called 'zendesk:nope'; choose one of zendesk"):
        run_backfill(None, "zendesk:nope")
