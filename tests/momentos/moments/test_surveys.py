"""Survey answers from Zendesk CSAT and Momentos' own surveys, in one shape."""

from datetime import UTC, datetime

import pytest

from momentos.moments import normalize
from momentos.moments.surveys import sentiment
from tests.factories import momentos_survey_answer, rule_context, zendesk_rating

CONTEXT = rule_context()


def moments(event):
    return {m.type: m for m in normalize(event, CONTEXT)}


def test_bad_zendesk_rating_with_comment_is_an_answer_and_a_complaint():
    found = moments(zendesk_rating(score="bad", comment="Nadie me llamó"))
    answer = found["survey_answered"]
    assert answer.key == "survey_answered:zendesk:satisfaction_rating:71"
    assert answer.customer_ref == ("zendesk", "user", "501")
    assert answer.link == "https://acme.zendesk.com/agent/tickets/101"  # the rated ticket
    assert answer.occurred_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert answer.data == {"scale": "zendesk_csat", "score": "bad", "sentiment": "negative",
                           "comment": "Nadie me llamó", "reason": None, "ticket_id": "101",
                           "source": "zendesk"}  # fmt: skip
    assert found["complaint"].key == "complaint:zendesk:satisfaction_rating:71"


def test_bad_rating_without_comment_and_good_rating_are_only_answers():
    assert set(moments(zendesk_rating(score="bad", comment=""))) == {"survey_answered"}
    good = moments(zendesk_rating(score="good", comment="¡Gracias!"))
    assert set(good) == {"survey_answered"}
    assert good["survey_answered"].data["sentiment"] == "positive"


def test_offered_but_unanswered_is_nothing():
    assert moments(zendesk_rating(score="offered", comment="")) == {}
    assert moments(zendesk_rating(score="unoffered", comment="")) == {}


def test_momentos_nps_answer_from_a_detractor_with_comment():
    event = momentos_survey_answer(score=4, scale="nps", comment="Tardaron una semana")
    found = moments(event)
    answer = found["survey_answered"]
    assert answer.key == "survey_answered:momentos:survey_answer:s-1"
    assert answer.customer_ref == ("zendesk", "user", "501")
    assert answer.link == "https://acme.zendesk.com/agent/tickets/101"
    assert (answer.data["scale"], answer.data["score"], answer.data["sentiment"]) == (
        "nps", 4, "negative"
    )  # fmt: skip
    assert "complaint" in found


def test_momentos_answer_respondent_may_be_a_hubspot_contact():
    event = momentos_survey_answer(scale="csat", score=5, ticket_id=None,
                                   respondent=("hubspot", "contact", "101"))  # fmt: skip
    answer = moments(event)["survey_answered"]
    assert answer.customer_ref == ("hubspot", "contact", "101")
    assert answer.link is None
    assert answer.data["sentiment"] == "positive"


@pytest.mark.parametrize("scale, score, expected", [
    ("nps", 10, "positive"), ("nps", 9, "positive"), ("nps", 8, "neutral"), ("nps", 7, "neutral"),
    ("nps", 6, "negative"), ("nps", 0, "negative"), ("nps", 11, None), ("nps", "9", None),
    ("csat", 5, "positive"), ("csat", 3, "neutral"), ("csat", 2, "negative"), ("csat", 0, None),
    ("stars", 5, None), ("nps", True, None),
])  # fmt: skip
def test_sentiment_per_scale(scale, score, expected):
    assert sentiment(scale, score) == expected
