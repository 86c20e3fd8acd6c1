"""The text catalogues: templates are compiled once, not on every render."""

from momentos import texts


def test_rendering_again_compiles_nothing(monkeypatch):
    """A demo spent about a fifth of its time compiling the same templates again."""
    compiled = []
    compile_ = texts._env.compile

    def counting(source, *args, **kwargs):
        compiled.append(source)
        return compile_(source, *args, **kwargs)

    monkeypatch.setattr(texts._env, "compile", counting)
    first = texts.render("survey_scores", "en", score=5)
    for score in (1, 2, 3):
        texts.render("survey_scores", "en", score=score)
    assert len(compiled) <= len(first)  # at most once per entry, whatever was cached before
    assert texts.render("survey_scores", "en", score=2)["csat"] == "2 out of 5 (CSAT)"


def test_every_entry_renders_in_both_languages_with_its_own_context():
    es = texts.render("when", "es", days=1, weekday="miércoles", first_thing=True)
    en = texts.render("when", "en", days=2, weekday="Wednesday", first_thing=True)
    assert (es["call"], en["call"]) == ("mañana a primera hora", "first thing on Wednesday")
    assert texts.render("when", "en", days=0, weekday="Monday", first_thing=False) == {
        "call": "today"
    }
