"""The Insights page and its JSON API on a store with a planted spike and survey answers:
both languages, no missing translation, charts as inline SVG without script."""

import random
import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from tests.web.conftest import (  # noqa: F401  (the admin app's fixtures)
    NOW,
    UI_SECRETS,
    XSS_SUBJECT,
    admin,
    app,
    client,
    make_app,
    ui_env,
)
from tests.web.test_i18n import english_phrases
from tests.web.test_pages import text

TOKEN = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
ONSET = (NOW - timedelta(days=8)).date()


def request(n: int, at, app_name: str, customer: int) -> SimpleNamespace:
    return SimpleNamespace(
        key=f"support_request:zendesk:ticket:{n}", type="support_request", occurred_at=at,
        tool="zendesk", object_type="ticket", object_id=str(n),
        customer_ref=("zendesk", "user", str(customer)),
        link=f"https://acme.zendesk.com/agent/tickets/{n}",
        data={"subject": XSS_SUBJECT if n % 50 == 0 else f"Ayuda con {app_name}",
              "tags": [app_name], "channel": "web", "category": {"app": app_name},
              "opened_by_agent": False},
    )  # fmt: skip


def answer(n: int, at, scale: str, score, sentiment: str, comment: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        key=f"survey_answered:zendesk:satisfaction_rating:{n}", type="survey_answered",
        occurred_at=at, tool="zendesk", object_type="satisfaction_rating", object_id=str(n),
        customer_ref=("zendesk", "user", "501"), link=f"https://acme.zendesk.com/agent/tickets/{n}",
        data={"scale": scale, "score": score, "sentiment": sentiment, "comment": comment,
              "ticket_id": str(n)},
    )  # fmt: skip


def answered(n: int, when, good: bool) -> SimpleNamespace:
    later = when + timedelta(hours=1)
    if good:
        return answer(n, later, "zendesk_csat", "good", "positive")
    return answer(n, later, "zendesk_csat", "bad", "negative", "Sigue sin funcionar")


def plant(store) -> None:
    """70 days of 40 requests a day; the mobile app's share goes from 15% to 45% at ONSET."""
    rng, n = random.Random(4), 0
    for day in range(70):
        when = NOW - timedelta(days=69 - day, hours=3)
        share = 0.45 if when.date() >= ONSET else 0.15
        for _ in range(40):
            n += 1
            name = "app_movil" if rng.random() < share else rng.choice(["web", "facturas"])
            store.insert_moment(request(n, when, name, rng.randrange(30)), 1,
                                1 + rng.randrange(2), NOW)  # fmt: skip
            if n % 4 == 0:
                rating = answered(n, when, rng.random() < 0.8)
                store.insert_moment(rating, 1, 1, NOW)


@pytest.fixture
def planted_admin(admin, app):  # noqa: F811
    plant(app.config["STORE"])
    return admin


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_page_shows_the_spike_the_charts_and_tables_in_both_languages(planted_admin,
                                                                          language):  # fmt: skip
    with planted_admin.session_transaction() as session:
        session["lang"] = language
    response = planted_admin.get("/admin/insights")
    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{language}">' in html
    assert html.count("<svg") == 2  # the share over time, CSAT by moment type
    assert "<script" not in html and "<img src=x" not in html
    assert f"desde el {ONSET}" in html if language == "es" else f"since {ONSET}" in html
    assert "app_movil" in text(html) and "(onset)" in html or "(inicio)" in html
    if language == "es":
        readable = text(html)
        assert [p for p in english_phrases() if p in readable] == []


@pytest.fixture
def labelled(make_app):  # noqa: F811
    """The planted store, its `app` category read from field 77, whose drop-down labels two
    of the three values (`facturas` has no option: it shows as is)."""
    from connectors.zendesk.poll import ticket_field_event
    from momentos.clock import FrozenClock
    from momentos.derive import derive_pending
    from tests.factories import rule_context
    from tests.web.conftest import login

    labelled_app = make_app(moments={"category_fields": {"app": 77}})
    store = labelled_app.config["STORE"]
    options = [{"name": "App Móvil", "value": "app_movil"}, {"name": "Sitio web", "value": "web"}]
    field = ticket_field_event({"id": 77, "title": "App", "type": "tagger",
                                "created_at": "2026-01-01T00:00:00Z",
                                "updated_at": "2026-01-01T00:00:00Z",
                                "custom_field_options": options})  # fmt: skip
    store.add_events([field], source="poll", received_at=NOW)
    derive_pending(store, rule_context(), FrozenClock(NOW))
    plant(store)
    browser = labelled_app.test_client()
    login(browser)
    return browser


def page_in(browser, language: str) -> str:
    with browser.session_transaction() as session:
        session["lang"] = language
    return browser.get("/admin/insights").text


class Tables(HTMLParser):
    """Each table's rows by caption: a cell's text, folded, a tooltip after its text."""

    def __init__(self, html: str):
        super().__init__()
        self.found: dict[str, list[list[str]]] = {}
        self.caption: str | None = None
        self.cell: list[str] | None = None
        self.tip = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self.caption = ""
        elif tag == "tr":
            self.found.setdefault(self.caption or "", []).append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "span" and self.cell is not None:
            self.tip = dict(attrs).get("title") or ""

    def handle_endtag(self, tag):
        if tag == "span" and self.cell is not None and self.tip:
            self.cell.append(f" [{self.tip}] ")
            self.tip = ""
        elif tag in ("td", "th") and self.cell is not None:
            self.found[self.caption or ""][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.caption == "" and self.cell is None and not self.found.get(""):
            self.caption = data.strip() or None
        elif self.cell is not None:
            self.cell.append(f" {data} ")


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_spike_sentence_tells_the_drop_down_label(labelled, language):
    readable = unescape(text(page_in(labelled, language)))
    about = "es sobre «App Móvil»" if language == "es" else 'are about "App Móvil"'
    assert about in readable


CAPTIONS = {
    "es": ("Todos los picos encontrados", "Por categoría", "Quién pregunta más"),
    "en": ("Every spike found", "By category", "Who asks most"),
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_table_shows_the_drop_down_label_with_the_value_beside(labelled, language):
    field = "Campo app" if language == "es" else "Field app"
    tag = "Etiqueta" if language == "es" else "Tag"
    spikes, by_category, who = (Tables(page_in(labelled, language)).found[caption]
                                for caption in CAPTIONS[language])  # fmt: skip
    # The label first, the raw value (for a Zendesk view or the config) after it.
    assert [row[:2] for row in spikes[1:] if row[0] == field] == [[field, "App Móvil app_movil"]]
    assert sorted(row[:2] for row in by_category[1:] if row[0] in (field, tag)) == [
        [field, "App Móvil app_movil"],
        [field, "Sitio web web"],
        [field, "facturas"],  # no such option: the value alone
        [tag, "app_movil"],  # a tag is its own name
        [tag, "facturas"],
        [tag, "web"],
    ]
    # What each asks most about: the field's label, its value as a tooltip; a tag as it is.
    # A tag repeating a field's value is the same topic: told once, by the field.
    assert [row[2] for row in who[1:]] == [
        "Sitio web [web] facturas App Móvil [app_movil]",
        "facturas Sitio web [web] App Móvil [app_movil]",
    ]


def test_the_api_names_each_value_and_its_label(labelled):
    [spike] = [s for s in labelled.get("/api/insights/spikes", headers=TOKEN).json
               if s["dimension"] == "category.app"]  # fmt: skip
    assert (spike["value"], spike["label"]) == ("app_movil", "App Móvil")
    assert 'are about "App Móvil"' in spike["sentence"]["en"]
    report = labelled.get("/api/insights/frequency", headers=TOKEN).json
    assert sorted((r["dimension"], r["value"], r["label"]) for r in report["by_value"]) == [
        ("category.app", "app_movil", "App Móvil"),
        ("category.app", "facturas", "facturas"),
        ("category.app", "web", "Sitio web"),
        ("channel", "web", "web"),
        ("tag", "app_movil", "app_movil"),
        ("tag", "facturas", "facturas"),
        ("tag", "web", "web"),
    ]
    topics = report["top_customers"][0]["topics"]
    assert [(t["dimension"], t["value"], t["label"]) for t in topics] == [
        ("category.app", "web", "Sitio web"), ("category.app", "facturas", "facturas"),
        ("category.app", "app_movil", "App Móvil")]  # fmt: skip


def test_the_page_needs_a_login(client):  # noqa: F811
    response = client.get("/admin/insights")
    assert response.status_code == 302 and "/admin/login" in response.location


def test_the_api_answers_spikes_quality_and_frequency(planted_admin, app):  # noqa: F811
    api = app.test_client()
    assert api.get("/api/insights/spikes").status_code == 401
    [spike] = [s for s in api.get("/api/insights/spikes", headers=TOKEN).json
               if s["dimension"] == "category.app"]  # fmt: skip
    assert spike["value"] == "app_movil" and spike["started_on"] == ONSET.isoformat()
    assert set(spike) >= {"dimension", "value", "share", "baseline_share", "started_on",
                          "requests", "customers"}  # fmt: skip
    quality = api.get("/api/insights/quality?months=3", headers=TOKEN).json
    csat = quality["overall"]["csat"]
    assert csat["answers"] == 700 and 70 < csat["score"] < 90
    assert quality["by_type"]["support_request"]["csat"]["answers"] == 700
    assert quality["detractors"][0]["comment"] == "Sigue sin funcionar"
    frequency = api.get("/api/insights/frequency?months=3&top=2", headers=TOKEN).json
    assert frequency["overall"]["customers"] == 2 and frequency["overall"]["repeat_rate"] == 1.0
    assert len(frequency["top_customers"]) == 2
    bad = api.get("/api/insights/frequency?months=99", headers=TOKEN)
    assert bad.status_code == 400 and re.search("months must be at most 24", bad.text)
