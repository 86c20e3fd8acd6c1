"""Answers are stored once per survey; within the window a second submit is a new version."""

from datetime import timedelta

import pytest

from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.surveys.answers import AnswerProblem, latest, read_form, record_answer
from momentos.surveys.tokens import Survey
from tests.surveys.conftest import NOW

SURVEY = Survey(
    key="post_service_survey:service_completed:zendesk:ticket:101",
    customer_id=7,
    ticket_id="101",
    respondent=("zendesk", "user", "501"),
    scale="csat",
    language="es",
)
WINDOW = timedelta(minutes=30)
CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset())


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def test_the_first_answer_is_an_event_in_the_contract_shape(store):
    outcome = record_answer(store, SURVEY, 2, "Tardaron mucho", NOW, WINDOW)
    assert outcome.state == "stored"
    [event] = [s.event for s in store.pending_events()]
    assert (event.tool, event.object_type, event.object_id) == (
        "momentos",
        "survey_answer",
        SURVEY.id,
    )
    assert event.data == {
        "score": 2,
        "scale": "csat",
        "sentiment": "negative",
        "comment": "Tardaron mucho",
        "ticket_id": "101",
        "respondent": ["zendesk", "user", "501"],
        "created_at": "2026-11-25T10:00:00.000000+00:00",
        "answered_at": "2026-11-25T10:00:00.000000+00:00",
        "editable_until": "2026-11-25T10:30:00.000000+00:00",
        "survey_key": SURVEY.key,
        "customer_id": 7,
        "language": "es",
    }


def test_a_change_within_the_window_is_a_new_version_of_one_answer_and_one_moment(store):
    record_answer(store, SURVEY, 2, "Tardaron mucho", NOW, WINDOW)
    later = NOW + timedelta(minutes=10)
    outcome = record_answer(store, SURVEY, 5, "Perdón, me equivoqué: todo bien", later, WINDOW)
    assert outcome.state == "updated"
    versions = store.event_versions("momentos", "survey_answer", SURVEY.id)
    assert [(v["score"], v["created_at"][11:16], v["answered_at"][11:16]) for v in versions] == [
        (2, "10:00", "10:00"),
        (5, "10:00", "10:10"),
    ]
    # The window runs from the first answer, so changing it does not extend it.
    assert versions[1]["editable_until"] == versions[0]["editable_until"]
    derive_pending(store, CONTEXT)
    [moment] = store.moments(types=["survey_answered"])
    assert moment["key"] == f"survey_answered:momentos:survey_answer:{SURVEY.id}"
    assert store.live_record("momentos", "survey_answer", SURVEY.id)["score"] == 5


def test_after_the_window_the_answer_stands_and_nothing_is_stored(store):
    record_answer(store, SURVEY, 2, "", NOW, WINDOW)
    outcome = record_answer(store, SURVEY, 5, "", NOW + WINDOW, WINDOW)
    assert (outcome.state, outcome.answer["score"]) == ("closed", 2)
    assert len(store.event_versions("momentos", "survey_answer", SURVEY.id)) == 1


def test_a_zero_window_makes_the_first_answer_final(store):
    record_answer(store, SURVEY, 4, "", NOW, timedelta(0))
    assert record_answer(store, SURVEY, 1, "", NOW, timedelta(0)).state == "closed"
    assert latest(store, SURVEY)["score"] == 4


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({}, "score_missing"),
        ({"score": "0"}, "score_missing"),
        ({"score": "6"}, "score_missing"),
        ({"score": "x"}, "score_missing"),
        ({"score": "-1"}, "score_missing"),
        ({"score": "3", "comment": "a" * 2001}, "comment_too_long"),
    ],
)
def test_a_form_outside_the_scale_or_too_long_is_refused(form, reason):
    with pytest.raises(AnswerProblem) as problem:
        read_form(form, SURVEY, 2000)
    assert problem.value.reason == reason


def test_a_valid_form_reads_score_and_trimmed_comment():
    assert read_form({"score": " 5 ", "comment": "  Genial\r\ngracias "}, SURVEY, 2000) == (
        5,
        "Genial\ngracias",
    )
    nps = Survey(**{**SURVEY.__dict__, "scale": "nps"})
    assert read_form({"score": "0"}, nps, 10) == (0, "")
