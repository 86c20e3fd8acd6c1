"""Every string of the admin UI is translated, and no English leaks into a Spanish page."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from momentos.web.ui import i18n
from tests.web.test_pages import pages, text

UI = Path(i18n.__file__).parent
PO = i18n.TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def forms(value) -> tuple:
    """A message's id or string as a tuple: one item, or singular and plural."""
    return value if isinstance(value, tuple) else (value,)


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="es")


def extracted() -> set:
    with (UI / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(UI, method_map, options_map, keywords=KEYWORDS)
    return {
        message if isinstance(message, str) else message[:2]
        for _file, _line, message, _comments, _context in found
    }


def test_every_string_in_the_code_is_in_the_spanish_catalogue_and_nothing_else():
    in_code = extracted()
    in_catalogue = {message.id for message in catalogue() if message.id}
    assert len(in_code) > 150
    assert sorted(map(str, in_code - in_catalogue)) == [], "run `make translations`"
    assert sorted(map(str, in_catalogue - in_code)) == [], "obsolete: run `make translations`"


def test_every_message_has_a_spanish_translation_that_keeps_its_placeholders():
    messages = [message for message in catalogue() if message.id]
    empty = [m.id for m in messages if not all(forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert empty == [] and fuzzy == []
    problems = [(message.id, errors) for message, errors in catalogue().check()]
    assert problems == []


def test_the_compiled_catalogue_is_the_current_one():
    compiled = io.BytesIO()
    write_mo(compiled, catalogue())
    committed = PO.with_suffix(".mo").read_bytes()
    assert compiled.getvalue() == committed, "run `make translations` and commit the .mo"


def english_phrases() -> list[str]:
    """Translated messages of two words or more: none may appear on a Spanish page."""
    phrases = []
    for message in catalogue():
        strings = forms(message.string)
        for msgid in forms(message.id):
            # The fixed parts of a message with placeholders, each long enough to mean something.
            for part in re.split(r"%\(\w+\)[sd]", msgid):
                part = part.strip(" .:,()")
                if len(part.split()) >= 2 and not any(part in s for s in strings):
                    phrases.append(part)
    return phrases


@pytest.mark.parametrize("language", ["es"])
def test_spanish_pages_show_no_english(admin, language):
    phrases = english_phrases()
    assert len(phrases) > 80
    for url, html in pages(admin, language):
        # Workflow descriptions and parameter meanings come from the English README, marked so.
        readable = text(re.sub(r'<(p|td) lang="en">.*?</\1>', "", html, flags=re.S))
        leaks = [phrase for phrase in phrases if phrase in readable]
        assert leaks == [], url
