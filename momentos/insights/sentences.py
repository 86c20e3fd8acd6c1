"""A spike told in a sentence, in Spanish or English, numbers written the local way."""

from collections.abc import Mapping
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


Labels = Mapping[str, Mapping[str, str]]


def shown_value(row: dict[str, Any], labels: Labels | None = None) -> str:
    """A spike's or a rate's value as staff know it: a category's option label (`App Móvil`
    for `app_movil`, from `labels`: category name -> value -> label); tags, the rest, and a
    value the field has no option for (or a field never read) as is."""
    dimension, value = row["dimension"], str(row["value"])
    if kind(dimension) != "category":
        return value
    return (labels or {}).get(dimension.partition(".")[2], {}).get(value, value)


def labelled(row: dict[str, Any], labels: Labels | None = None) -> dict[str, Any]:
    """The row with its `label` (`shown_value`) beside the raw `value`."""
    return {**row, "label": shown_value(row, labels)}


def sentence(spike: dict[str, Any], language: str, labels: Labels | None = None) -> str:
    """'41% of requests since 2026-08-20 are about android, up from 9%: 1,312 requests,
    214 customers' from a spike's JSON shape (`analysis.as_json`)."""
    return render(
        CATALOGUE,
        language,
        kind=kind(spike["dimension"]),
        field=spike["dimension"].partition(".")[2],
        value=shown_value(spike, labels),
        share=percent(spike["share"], language),
        baseline=percent(spike["baseline_share"], language),
        started_on=spike["started_on"],
        requests=number(spike["requests"], language),
        customers=number(spike["customers"], language),
    )["spike"]


def sentences(spike: dict[str, Any], labels: Labels | None = None) -> dict[str, str]:
    return {language: sentence(spike, language, labels) for language in LANGUAGES}
