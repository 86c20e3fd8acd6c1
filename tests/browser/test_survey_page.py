"""The survey page in a real browser, on a phone: both languages, answered with the keyboard
and the pointer, and the page for a broken link. Screenshots in tests/browser/screenshots/."""

import re

import pytest

from momentos.clock import SystemClock
from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.serving import BackgroundServer
from momentos.store import Store
from momentos.surveys.mail import survey_tokens
from momentos.surveys.tokens import Survey
from server import create_app
from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS
from tests.factories import T0, zendesk_ticket, zendesk_user

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
BROKEN = re.compile(r"Traceback|Internal Server Error|\{\{|\{%")
KEY = "post_service_survey:service_completed:zendesk:ticket:"
SUBJECTS = {
    "es": "El técnico no vino a la cita del martes",
    "en": "Second delivery arrived damaged",
}


@pytest.fixture
def survey_site(make_settings, monkeypatch):
    """The app on a real socket, and a link to a survey in each language."""
    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", "browser-test-survey-key-0123456789")
    settings = make_settings(surveys={"answer_window_minutes": 30})
    store, clock = Store(settings.store["path"]), SystemClock()
    tickets = [
        zendesk_ticket(ticket_id=100 + n, status="solved", tags=(), subject=subject)
        for n, subject in enumerate(SUBJECTS.values())
    ]
    store.add_events([zendesk_user(), *tickets], source="poll", received_at=T0)
    derive_pending(
        store, RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset())
    )
    tokens = survey_tokens(settings, clock)
    links = {}
    for n, (language, scale) in enumerate((("es", "csat"), ("en", "nps"))):
        survey = Survey(
            f"{KEY}{100 + n}", 1, str(100 + n), ("zendesk", "user", "501"), scale, language
        )
        links[language] = f"/survey/{tokens.sign(survey)}?lang={language}"
    with BackgroundServer(create_app(settings, store, clock)) as web:
        yield web.url, links, store


@pytest.fixture
def phone(browser, survey_site):
    SCREENSHOTS.mkdir(exist_ok=True)
    url, _links, _store = survey_site
    context = browser.new_context(base_url=url, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def looks_right(page, language: str, name: str) -> None:
    assert not BROKEN.search(page.inner_text("body")), name
    assert page.locator("html").get_attribute("lang") == language
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    page.screenshot(path=SCREENSHOTS / f"survey-{language}-{name}.png", full_page=True)


def test_a_spanish_customer_answers_with_the_keyboard(phone, survey_site):
    _url, links, store = survey_site
    phone.goto(links["es"])
    assert phone.locator("legend").inner_text() == "¿Cómo valorarías la atención que recibiste?"
    assert phone.get_by_label("1 – Muy mal").count() == 1
    looks_right(phone, "es", "form")
    # Keyboard only: into the scale, arrows to pick, tab to the comment, Enter sends it all.
    phone.locator("#score-1").focus()
    phone.keyboard.press("ArrowRight")
    assert phone.locator("#score-2").is_checked()
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "comment"
    phone.keyboard.type("El técnico llegó un día tarde y nadie avisó.")
    phone.keyboard.press("Tab")
    looks_right(phone, "es", "form-answered")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**done=1**")
    assert "Sentimos que no haya ido como esperabas" in phone.inner_text("main")
    looks_right(phone, "es", "thanks")
    survey_id = Survey(f"{KEY}100", 1, "100", None, "csat", "es").id
    answer = store.event_versions("momentos", "survey_answer", survey_id)[-1]
    assert (answer["score"], answer["comment"]) == (
        2,
        "El técnico llegó un día tarde y nadie avisó.",
    )


def test_an_english_customer_answers_by_touch_and_can_change_it(phone, survey_site):
    _url, links, _store = survey_site
    phone.goto(links["en"])
    assert phone.locator(".scores input").count() == 11
    looks_right(phone, "en", "form")
    phone.locator("label[for=score-10]").tap()
    phone.fill("#comment", "Fixed in an hour, thank you!")
    phone.get_by_role("button", name="Send answer").tap()
    phone.wait_for_url("**done=1**")
    assert "We are delighted" in phone.inner_text("main")
    looks_right(phone, "en", "thanks")
    phone.get_by_role("link", name="Change my answer").tap()
    assert phone.locator("#score-10").is_checked()
    assert "You can change it for" in phone.inner_text("main")


def test_a_form_sent_without_a_score_and_a_broken_link(phone, survey_site):
    _url, links, _store = survey_site
    phone.goto(links["en"])
    # The browser itself asks for a score first (required): no request is sent.
    phone.get_by_role("button", name="Send answer").tap()
    assert phone.evaluate("document.querySelector('#score-0').validity.valueMissing")
    phone.goto(links["es"].replace("?lang", "xyz?lang"))
    assert "Este enlace no es válido" in phone.inner_text("h1")
    looks_right(phone, "es", "invalid-link")
    phone.goto("/survey/" + "x" * 40)
    looks_right(phone, "en", "no-such-link")


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_survey_email_reads_well_on_a_phone(browser, make_settings, monkeypatch, language):
    """The HTML part as a mail app shows it (no script, no remote images); a screenshot."""
    from momentos.model import Action
    from momentos.surveys.mail import SurveyMail, public_url

    monkeypatch.setenv("MOMENTOS_SURVEY_KEY", "browser-test-survey-key-0123456789")
    settings, clock = make_settings(), SystemClock()
    mail = SurveyMail(
        survey_tokens(settings, clock),
        public_url(settings),
        "encuestas@acme.example",
        "Atención al cliente de Acme",
        clock,
    )
    payload = {
        "to": "c@acme.example",
        "name": "Carmen Vidal" if language == "es" else "Emily Brooks",
        "language": language,
        "scale": "csat",
        "ticket_id": "100",
        "service": SUBJECTS[language],
        "respondent": None,
    }
    message = mail.compose(Action(f"{KEY}100", "post_service_survey", "mail", "survey", payload))
    html = message.get_body(preferencelist=("html",)).get_content()
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    tab.set_content(html)
    assert tab.locator("a", has_text="5").count() >= 1
    looks_right(tab, language, "mail")
    context.close()
