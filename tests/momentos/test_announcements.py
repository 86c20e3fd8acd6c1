"""`momentos announce`: a price change or a delay told to every customer in a CSV, once each
(issue #8)."""

import pytest

from momentos import announcements
from momentos.announcements import Announcement, Recipient, announcement_id, read_recipients
from momentos.cli import main
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.errors import MomentosError
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_record, rule_context, zendesk_user
from workflows import change_announcement

MESSAGES = {
    "es": "Hola: a partir del 1 de enero la cuota mensual pasa a 49 €.",
    "en": "Hello: from 1 January the monthly fee will be €49.",
}
CSV = "email,company_id\ncarmen@laespiga.es,\n,22\nnobody@example.com,\n,21\n"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "momentos.db")
    store.add_events([
        hubspot_record("company", "21", domain="laespiga.es", name="La Espiga", owner_id="77"),
        hubspot_record("contact", "11", email="carmen@laespiga.es", language="es",
                       name="Carmen Vidal", owner_id="78"),
        hubspot_record("company", "22", domain="northwind.com", name="Northwind"),
        zendesk_user(user_id=502, email="emily@northwind.com", locale="en-US",
                     time_zone="America/New_York", name="Emily Brooks"),
    ], source="poll", received_at=T0)  # fmt: skip
    derive_pending(store, rule_context(), FrozenClock(T0))
    return store


def view(store):
    return View(store, Defaults(language="es", time_zone="Europe/Madrid",
                                fallback_owner_id="OWNER-FALLBACK"))  # fmt: skip


def plan(store, csv_text=CSV, kind="price_change"):
    announcement = Announcement(announcement_id(csv_text, kind, MESSAGES), kind, MESSAGES)
    params = change_announcement.Params().load({})
    return announcements.plan(announcement, read_recipients(csv_text), view(store), params, T0)


def test_each_customer_named_gets_one_task_with_the_message_in_their_language(store):
    result = plan(store)
    ident = announcement_id(CSV, "price_change", MESSAGES)
    assert [a.key for a in result.actions] == [
        f"change_announcement:announcement:{ident}:1",
        f"change_announcement:announcement:{ident}:2",
    ]  # La Espiga twice in the file (email and company id): one task
    spanish, english = (a.payload for a in result.actions)
    assert spanish["subject"] == "Avisar a La Espiga del cambio de precio"
    assert (spanish["owner_id"], spanish["contact_ids"]) == ("77", ["11"])
    assert "(contacto: Carmen Vidal)" in spanish["body"]
    assert f"---\n{MESSAGES['es']}\n---" in spanish["body"]
    assert "Comprueba qué cambió en el importe" in spanish["body"]
    assert english["subject"] == "Tell Northwind about the price change"
    assert english["owner_id"] == "OWNER-FALLBACK"  # Northwind has no owner
    assert f"---\n{MESSAGES['en']}\n---" in english["body"]
    assert english["due_at"] == "2026-11-24T12:00:00-05:00"
    assert result.unmatched == [Recipient(4, "email", "nobody@example.com")]


def test_a_delay_uses_the_delay_texts_and_playbook(store):
    result = plan(store, "contact_id\n11\n", kind="delay")
    [action] = result.actions
    assert action.payload["subject"] == "Avisar a La Espiga del retraso"
    assert "Averigua por qué se retrasa" in action.payload["body"]


def test_the_id_is_the_content_unless_given():
    same = announcement_id(CSV, "price_change", MESSAGES)
    assert same == announcement_id(CSV, "price_change", dict(MESSAGES))
    assert same != announcement_id(CSV, "delay", MESSAGES)
    assert same != announcement_id(CSV, "price_change", {**MESSAGES, "en": "Hi"})


def test_a_csv_without_a_known_column_is_refused():
    with pytest.raises(MomentosError, match=r"needs a header with email, company_id or "
                       r"contact_id \(got name, phone\)"):  # fmt: skip
        read_recipients("name,phone\nCarmen,600\n")


def test_headers_are_read_loosely_and_blank_cells_skipped():
    rows = read_recipients(" Email ,Contact_ID\na@b.es,\n,\n,11\n")
    assert rows == [Recipient(2, "email", "a@b.es"), Recipient(4, "contact_id", "11")]


def test_the_command_shows_a_dry_run_then_creates_once(make_settings, store, tmp_path, capsys):
    make_settings()  # writes tmp_path/momentos.yaml, whose store is the fixture's file
    config, recipients = str(tmp_path / "momentos.yaml"), tmp_path / "affected.csv"
    recipients.write_text(CSV, encoding="utf-8")
    command = ["--config", config, "announce", "--csv", str(recipients), "--kind", "price_change",
               "--message-es", MESSAGES["es"], "--message-en", MESSAGES["en"]]  # fmt: skip
    ident = announcement_id(CSV, "price_change", MESSAGES)
    assert main([*command, "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "line 4: email 'nobody@example.com' matches no known customer"
    assert out[-1] == (
        f"announcement {ident} (price_change): would create 2 tasks; 1 rows matched no customer"
    )
    assert store.actions() == []
    assert main(command) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"announcement {ident} (price_change): enqueued 2 new of 2 tasks")  # fmt: skip
    assert main([*command, "--id", "2027-prices"]) == 0
    assert main(command) == 0
    assert "enqueued 0 new of 2 tasks" in capsys.readouterr().out.splitlines()[-1]
    assert len(store.actions()) == 4  # two for the hash id, two for "2027-prices"


def test_the_command_fails_in_one_line_when_nobody_matches(make_settings, store, tmp_path,
                                                           capsys):  # fmt: skip
    make_settings()
    recipients = tmp_path / "affected.csv"
    recipients.write_text("email\nnobody@example.com\n", encoding="utf-8")
    code = main(["--config", str(tmp_path / "momentos.yaml"), "announce", "--csv",
                 str(recipients), "--kind", "delay", "--message-es", "a",
                 "--message-en", "b"])  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err == (
        "momentos: error: no row of the CSV matches a known customer (1 rows)\n"
    )
