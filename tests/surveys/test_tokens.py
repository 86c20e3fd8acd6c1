"""Survey links are signed, expire, serve one purpose, and say why when they cannot be used."""

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from momentos.clock import FrozenClock
from momentos.surveys.tokens import SALT, LinkProblem, Survey, Tokens, survey_id
from tests.surveys.conftest import NOW

SECRET = "a-secret-for-links-only"
SURVEY = Survey(
    key="post_service_survey:service_completed:zendesk:ticket:101",
    customer_id=7,
    ticket_id="101",
    respondent=("zendesk", "user", "501"),
    scale="csat",
    language="es",
)


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def tokens(clock):
    return Tokens(SECRET, clock, timedelta(days=30))


def test_a_link_names_its_survey(tokens):
    assert tokens.read(tokens.sign(SURVEY)) == SURVEY
    # Short, and free of the colons a moment key uses as separators.
    assert SURVEY.id == survey_id(SURVEY.key) and len(SURVEY.id) == 24 and ":" not in SURVEY.id


def test_a_link_works_until_it_expires_then_says_so_in_its_language(tokens, clock):
    token = tokens.sign(SURVEY)
    clock.advance(timedelta(days=30).total_seconds())
    assert tokens.read(token) == SURVEY
    clock.advance(1)
    with pytest.raises(LinkProblem) as problem:
        tokens.read(token)
    assert (problem.value.reason, problem.value.language) == ("expired", "es")


# The payload, the timestamp and the signature (not its last character: base64 padding
# bits may not change the bytes).
@pytest.mark.parametrize("position", [1, 10, -30, -3])
def test_a_tampered_link_is_invalid(tokens, position):
    token = tokens.sign(SURVEY)
    changed = "B" if token[position] == "A" else "A"
    tampered = token[:position] + changed + token[position + 1 :]
    with pytest.raises(LinkProblem, match="invalid"):
        tokens.read(tampered)


def test_a_link_signed_for_another_purpose_or_with_another_key_is_invalid(tokens, clock):
    payload = {"s": SURVEY.key, "c": 7, "t": "101", "r": None, "k": "csat", "l": "en"}
    other_purpose = URLSafeTimedSerializer(SECRET, salt="unsubscribe").dumps(payload)
    other_key = Tokens("another-secret", clock, timedelta(days=30)).sign(SURVEY)
    for token in (other_purpose, other_key, "", "not-a-token", "a.b.c"):
        with pytest.raises(LinkProblem, match="invalid"):
            tokens.read(token)


def test_a_genuine_token_of_another_shape_is_invalid(tokens):
    # Signed with our key and salt, but not a survey (an older format, say).
    odd = URLSafeTimedSerializer(SECRET, salt=SALT).dumps({"s": "k", "k": "stars"})
    with pytest.raises(LinkProblem, match="invalid"):
        tokens.read(odd)


def test_there_is_no_token_without_a_secret(clock):
    with pytest.raises(ValueError, match="secret"):
        Tokens("", clock, timedelta(days=1))
