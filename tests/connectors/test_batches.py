"""Batches: a failure in one never hides what earlier ones did."""

import pytest

from connectors.batches import chunks, send_batches
from momentos.errors import FatalApiError, RateLimited, RetriableError
from momentos.model import Action, ActionResult


def action(key):
    return Action(key=key, workflow="wf", tool="zendesk", kind="ticket", payload={})


def sender(outcomes):
    """Each call pops the next outcome: an exception to raise, or None for success."""

    def send(batch):
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return [ActionResult(a.key, True, remote_id=a.key) for a in batch]

    return send


def test_chunks():
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 100)) == []


def test_a_fatal_batch_fails_only_its_own_actions():
    batches = [[action("a")], [action("b"), action("c")], [action("d")]]
    results = send_batches(batches, sender([None, FatalApiError("422 no"), None]))
    assert [(r.key, r.ok, r.retriable) for r in results] == [
        ("a", True, False),
        ("b", False, False),
        ("c", False, False),
        ("d", True, False),
    ]
    assert results[1].error == "422 no"


def test_a_429_after_a_sent_batch_leaves_the_rest_to_retry():
    batches = [[action("a")], [action("b")], [action("c")]]
    results = send_batches(batches, sender([None, RateLimited("slow down", retry_after=9)]))
    assert [(r.key, r.ok, r.retriable, r.retry_after) for r in results] == [
        ("a", True, False, None),
        ("b", False, True, 9),
        ("c", False, True, 9),
    ]


def test_a_429_before_anything_was_sent_is_raised():
    with pytest.raises(RateLimited, match="slow down"):
        send_batches([[action("a")], [action("b")]], sender([RateLimited("slow down")]))


def test_an_unknown_outcome_propagates_so_the_outbox_looks_everything_up():
    with pytest.raises(RetriableError, match="timeout"):
        send_batches([[action("a")], [action("b")]], sender([None, RetriableError("timeout")]))
