"""Every moment type in the catalogue has a playbook in Spanish and in English."""

import pytest

from momentos.moments import MOMENT_TYPES
from momentos.moments.rules import DERIVED_TYPES, RULES
from momentos.texts import LANGUAGES, catalogue, playbook


@pytest.mark.parametrize("moment_type", MOMENT_TYPES)
def test_every_moment_type_has_a_playbook_in_each_language(moment_type):
    for language in LANGUAGES:
        text = playbook(moment_type, language)
        steps = [line for line in text.splitlines() if line.strip()]
        assert 2 <= len(steps) <= 5, f"{moment_type}/{language}: a short list of steps"
        assert all(line[0].isdigit() for line in steps)


def test_each_playbook_has_as_many_steps_in_both_languages():
    for moment_type, texts in catalogue("playbooks").items():
        assert set(texts) == set(LANGUAGES), moment_type
        es, en = (len(texts[lang].strip().splitlines()) for lang in ("es", "en"))
        assert es == en, moment_type


def test_no_playbook_for_a_type_outside_the_catalogue():
    assert set(catalogue("playbooks")) == set(MOMENT_TYPES)


def test_the_rules_only_make_types_of_the_catalogue():
    assert DERIVED_TYPES <= set(MOMENT_TYPES)
    names = {rule.__name__ for rules in RULES.values() for rule in rules}
    assert names - {"unhappy_with_comment"} <= DERIVED_TYPES
