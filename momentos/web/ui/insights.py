"""The Insights page: spikes with their share over time, CSAT and NPS by moment type and
stage, and repeat requests; each chart beside a table with the same numbers."""

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from momentos.insights import analysis, frequency, quality
from momentos.insights.sentences import Labels, sentence, shown_value
from momentos.insights.spikes import DEFAULT_THRESHOLDS, QUARTER, same_spike
from momentos.web.ui import i18n, reads
from momentos.web.ui.insight_charts import csat_chart, share_chart

bp = Blueprint("insights", __name__, url_prefix="/insights")
# Charts for the largest few; the rest are listed in the table.
CHARTED = 3


def distinct(spikes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per rise: a drop-down value's tag rises with it and says nothing new."""
    kept: list[dict[str, Any]] = []
    for spike in spikes:
        if not any(same_spike(spike, k, DEFAULT_THRESHOLDS.window_days) for k in kept):
            kept.append(spike)
    return kept


def _spikes(store, settings, now, language: str, options: Labels) -> list[dict[str, Any]]:
    found = analysis.detect_in_every_view(store, settings.timezone, now)
    spikes = distinct([analysis.as_json(spike) for spike in found])
    labels = {"share": _("Share of requests"), "baseline": _("Before"), "onset": _("Onset")}
    for n, spike in enumerate(spikes):
        spike["label"] = shown_value(spike, options)
        spike["text"] = sentence(spike, language, options)
        spike["chart"] = share_chart(spike, labels) if n < CHARTED else None
    return spikes


def _quality(store, settings, now) -> dict[str, Any]:
    report = quality.quality(store, settings.timezone, now)
    rows = [{"label": f"{i18n.label(code, 'moment')} ({families['csat']['answers']})",
             "score": families["csat"]["score"]}
            for code, families in report["by_type"].items() if "csat" in families]  # fmt: skip
    report["chart"] = csat_chart(rows, _("CSAT by moment type")) if rows else None
    return report


@bp.get("")
def index():
    config = current_app.config
    store, settings, now = config["STORE"], config["SETTINGS"], config["CLOCK"].now()
    language = str(get_locale())
    # The drop-down labels staff know (`App Móvil`, not `app_movil`), for every table.
    options = reads.labels(store, settings)
    return render_template(
        "ui/insights.html",
        spikes=_spikes(store, settings, now, language, options),
        quality=_quality(store, settings, now),
        frequency=frequency.frequency(store, settings.timezone, now, labels=options),
        thresholds=DEFAULT_THRESHOLDS,
        quarter=QUARTER,
    )
