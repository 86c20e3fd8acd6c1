"""`prefetch`: the same pages in the same order, errors where they happened."""

import threading

import pytest

from connectors.paging import Page, prefetch


def test_pages_come_in_order_and_end():
    pages = [Page([], f"c{n}", done=n == 4) for n in range(5)]
    assert [p.cursor for p in prefetch(iter(pages))] == ["c0", "c1", "c2", "c3", "c4"]


def test_an_error_reaches_the_caller_after_the_pages_before_it():
    def pages():
        yield Page([], "c1")
        raise RuntimeError("connection lost")

    seen = []
    with pytest.raises(RuntimeError, match="connection lost"):
        for page in prefetch(pages()):
            seen.append(page.cursor)
    assert seen == ["c1"]


def test_a_caller_that_stops_early_stops_the_fetching():
    fetched, finished = [], threading.Event()

    def pages():
        try:
            for n in range(100):
                fetched.append(n)
                yield Page([], f"c{n}")
        finally:
            finished.set()

    stream = prefetch(pages())
    assert next(stream).cursor == "c0"
    stream.close()
    assert finished.wait(timeout=5)
    assert len(fetched) <= 3  # one stored, one waiting, one in hand at most
