"""The survey page: both languages, one answer per survey, and a clear page for every way
a link can fail (never a traceback, never JSON)."""

import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.surveys.mail import survey_tokens
from momentos.surveys.tokens import Survey
from server import create_app
from tests.factories import T0, zendesk_ticket, zendesk_user
from tests.surveys.conftest import SURVEY_KEY

XSS = '<script>alert("x")</script>'
KEY = "post_service_survey:service_completed:zendesk:ticket:101"
CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset())


def survey(language="es", scale="csat") -> Survey:
    return Survey(KEY, 1, "101", ("zendesk", "user", "501"), scale, language)


@pytest.fixture
def site(survey_settings, clock):
    """(client, store, settings) of an app whose store knows ticket 101 (subject: XSS)."""

    def make(**overrides):
        settings = survey_settings(**overrides)
        store = Store(settings.store["path"])
        store.add_events(
            [zendesk_user(), zendesk_ticket(status="solved", subject=XSS)],
            source="poll",
            received_at=T0,
        )
        derive_pending(store, CONTEXT)
        app = create_app(settings, store, clock)
        return app.test_client(), store, settings

    return make


@pytest.fixture
def client_store(site):
    client, store, _settings = site()
    return client, store


def link(clock, settings_or_key=SURVEY_KEY, **kwargs) -> str:
    from momentos.surveys.tokens import Tokens

    token = Tokens(settings_or_key, clock, timedelta(days=30)).sign(survey(**kwargs))
    return f"/survey/{token}"


def radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="score" id="score-(\d+)"', html)


def test_the_spanish_form_is_accessible_and_has_no_script(client_store, clock):
    client, _store = client_store
    page = client.get(link(clock) + "?lang=es")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.text
    assert '<html lang="es">' in html and "<script" not in html.replace("&lt;script", "")
    assert "<legend>¿Cómo valorarías la atención que recibiste?</legend>" in html
    assert radios(html) == ["1", "2", "3", "4", "5"]
    assert '<label for="score-1">1<span class="visually-hidden"> – Muy mal</span></label>' in html
    assert '<label class="field" for="comment">' in html and 'maxlength="2000"' in html
    # The ticket subject is the customer's own text, shown escaped.
    assert "Sobre tu solicitud «&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;»." in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in page.headers


def test_an_english_nps_survey_and_a_score_chosen_in_the_email(client_store, clock):
    client, _store = client_store
    html = client.get(link(clock, language="en", scale="nps") + "?lang=en&score=9").text
    assert '<html lang="en">' in html and radios(html) == [str(n) for n in range(11)]
    assert "How likely are you to recommend us to a friend or colleague?" in html
    assert re.search(r'id="score-9" value="9" required\s+checked>', html)
    assert ">Español</a>" in html


def test_an_answer_is_stored_then_thanked_in_the_customer_language(client_store, clock):
    client, store = client_store
    url = link(clock)
    sent = client.post(url + "?lang=es", data={"score": "2", "comment": "Tardasteis mucho"})
    assert sent.status_code == 303 and "done=1" in sent.location
    thanks = client.get(sent.location)
    assert "¡Gracias!" in thanks.text and "Sentimos que no haya ido como esperabas" in thanks.text
    assert "puedes cambiar tu respuesta durante 30 minutos" in thanks.text
    [answer] = store.event_versions("momentos", "survey_answer", survey().id)
    assert (answer["score"], answer["comment"], answer["sentiment"]) == (
        2,
        "Tardasteis mucho",
        "negative",
    )


def test_a_change_within_the_window_updates_the_answer(client_store, clock):
    client, store = client_store
    url = link(clock) + "?lang=es"
    client.post(url, data={"score": "2", "comment": "Mal"})
    clock.advance(600)
    again = client.get(url).text
    assert "Ya tenemos tu respuesta. Puedes cambiarla durante 20 minutos más." in again
    assert (
        re.search(r'id="score-2" value="2" required\s+checked>', again)
        and ">Mal</textarea>" in again
    )
    client.post(url, data={"score": "5", "comment": "Me equivoqué, todo genial"})
    versions = store.event_versions("momentos", "survey_answer", survey().id)
    assert [v["score"] for v in versions] == [2, 5]
    assert "Nos alegra mucho" in client.get(url + "&done=1").text


def test_a_reused_link_after_the_window_says_it_was_answered(client_store, clock):
    client, store = client_store
    url = link(clock) + "?lang=es"
    client.post(url, data={"score": "4"})
    clock.advance(timedelta(minutes=30).total_seconds())
    page = client.get(url)
    assert page.status_code == 200 and "Ya respondiste a esta encuesta" in page.text
    resent = client.post(url, data={"score": "1"})
    assert resent.status_code == 409 and "Ya respondiste a esta encuesta" in resent.text
    assert len(store.event_versions("momentos", "survey_answer", survey().id)) == 1


def test_a_form_without_a_score_comes_back_with_the_error_and_the_comment(client_store, clock):
    client, store = client_store
    page = client.post(link(clock, language="en") + "?lang=en", data={"comment": "Hello"})
    assert page.status_code == 400
    assert 'role="alert"' in page.text and "Pick a score before sending." in page.text
    assert ">Hello</textarea>" in page.text
    assert store.event_versions("momentos", "survey_answer", survey().id) == []


def test_tampered_links_get_a_page_in_the_language_asked_for(client_store, clock):
    client, _store = client_store
    tampered = link(clock)[:-4] + "AAAA"
    spanish = client.get(tampered + "?lang=es")
    assert spanish.status_code == 400 and "Este enlace no es válido" in spanish.text
    english = client.get(tampered, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 400 and "This link is not valid" in english.text
    posted = client.post(tampered + "?lang=en", data={"score": "5"})
    assert posted.status_code == 400 and "This link is not valid" in posted.text
    assert client.get("/survey/").status_code == 400


def test_an_expired_link_says_so_in_the_survey_language(client_store, clock):
    client, _store = client_store
    url = link(clock, language="es")
    clock.advance(timedelta(days=31).total_seconds())
    page = client.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 410 and "Este enlace ha caducado" in page.text


def test_a_link_signed_for_another_purpose_is_refused(client_store, clock):
    client, _store = client_store
    payload = {"s": KEY, "c": 1, "t": "101", "r": None, "k": "csat", "l": "en"}
    token = URLSafeTimedSerializer(SURVEY_KEY, salt="password-reset").dumps(payload)
    page = client.get(f"/survey/{token}?lang=en")
    assert page.status_code == 400 and "This link is not valid" in page.text


def test_without_a_signing_key_the_page_is_unavailable(site, clock, monkeypatch):
    monkeypatch.delenv("MOMENTOS_SURVEY_KEY")
    client, _store, _settings = site()
    page = client.get(link(clock) + "?lang=en")
    assert page.status_code == 503 and "Surveys are not available" in page.text


def test_a_form_over_the_size_limit_is_413_in_the_customer_language(site, clock):
    client, store, _settings = site(surveys={"max_body_bytes": 1024})
    page = client.post(link(clock) + "?lang=es", data={"score": "1", "comment": "x" * 2000})
    assert page.status_code == 413 and "La respuesta es demasiado larga" in page.text
    assert store.event_versions("momentos", "survey_answer", survey().id) == []


def test_too_many_requests_from_one_client_are_429(site, clock):
    client, _store, _settings = site(surveys={"rate_limit": "3 per minute"})
    url = link(clock) + "?lang=en"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    page = client.get(url)
    assert page.status_code == 429 and "Too many attempts" in page.text


def test_the_link_in_the_mail_opens_the_form(survey_settings, clock, smtp, tmp_path):
    from momentos.surveys.mail import mail_sender
    from tests.surveys.test_mail import survey_action

    settings = survey_settings()
    mail_sender(settings, clock).create([survey_action(key=KEY)])
    text = smtp.messages()[0]["text"]
    url = next(w for w in text.split() if "/survey/" in w)
    client = create_app(settings, Store(tmp_path / "s.db"), clock).test_client()
    page = client.get(url.removeprefix(settings.surveys["public_url"]))
    assert page.status_code == 200 and radios(page.text) == ["1", "2", "3", "4", "5"]
    assert survey_tokens(settings, clock) is not None
