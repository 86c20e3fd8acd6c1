"""A spike told in a sentence, in Spanish or English, numbers written the local way."""

from typing import Any

from babel.numbers import format_decimal, format_percent

from momentos.texts import LANGUAGES, render

CATALOGUE = "insights"


def kind(dimension: str) -> str:
    """`category.app` is a category; the rest are named as they are (tag, channel...)."""
    return "category" if dimension.startswith("category.") else dimension


def percent(share: float, language: str) -> str:
    return format_percent(share, locale=language)


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=language)


def sentence(spike: dict[str, Any], language: str) -> str:
    """'41% of requests since 2026-08-20 are about android, up from 9%: 1,312 requests,
    214 customers' from a spike's JSON shape (`analysis.as_json`)."""
    return render(
        CATALOGUE,
        language,
        kind=kind(spike["dimension"]),
        field=spike["dimension"].partition(".")[2],
        value=spike["value"],
        share=percent(spike["share"], language),
        baseline=percent(spike["baseline_share"], language),
        started_on=spike["started_on"],
        requests=number(spike["requests"], language),
        customers=number(spike["customers"], language),
    )["spike"]


def sentences(spike: dict[str, Any]) -> dict[str, str]:
    return {language: sentence(spike, language) for language in LANGUAGES}
