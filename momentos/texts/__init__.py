"""Texts people read, in Spanish and English, from YAML catalogues of Jinja templates."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from jinja2 import Environment, StrictUndefined, Template

LANGUAGES = ("es", "en")
HERE = Path(__file__).parent
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
# The texts call no global function (range, lipsum, cycler...): without them a render does
# not merge them into its context, which was half its cost (25 -> 14 µs for a task's texts).
_env.globals.clear()


@cache
def catalogue(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))


@cache
def _templates(catalogue_name: str, language: str) -> dict[str, Template]:
    # Compiling is most of a render's cost: each template is compiled once per process.
    entries = catalogue(catalogue_name)[language]
    return {key: _env.from_string(text) for key, text in entries.items()}


@cache
def babel_locale(language: str) -> Locale:
    """A language's Babel locale, parsed once: given a name, Babel parses it on every
    date or amount it formats (165,000 times in a full planning run at 10,000 customers)."""
    return Locale.parse(language)


def language_or_default(language: str | None, default: str) -> str:
    language = (language or "")[:2].lower()
    return language if language in LANGUAGES else default


def render(catalogue_name: str, language: str, **context: Any) -> dict[str, str]:
    """Every entry of a catalogue in `language`, rendered with `context`."""
    templates = _templates(catalogue_name, language)
    return {key: template.render(**context).strip() for key, template in templates.items()}


def playbook(moment_type: str, language: str) -> str:
    return catalogue("playbooks")[moment_type][language].strip()
