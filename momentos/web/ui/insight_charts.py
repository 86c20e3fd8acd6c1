"""The Insights page's charts: SVG drawn on the server by leather.

Why server-side SVG, and why leather: the admin UI is server-rendered, works offline and
runs no script; an SVG made in Python needs no JavaScript bundle to vendor and keep
current, prints and screenshots as it looks, and its numbers can be tested in the HTML.
leather (MIT, pure Python, no dependencies) draws lines and bars and nothing else; pygal
was tried first and dropped: importing it installs a legacy import hook that warns on
every later import. The tables beside each chart carry the same numbers for screen readers.
"""

import re
from datetime import date
from typing import Any

import leather
from markupsafe import Markup

# The admin CSS's colours (static/momentos.css): text, muted text, lines, brand blue, red.
INK, MUTED, LINE, BRAND, BAD = "#1b1f24", "#4f5863", "#d5dae0", "#0b5cad", "#a4161a"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'
THEME = {
    "background_color": "#ffffff", "title_color": INK, "title_font_family": FONT,
    "legend_color": INK, "legend_font_family": FONT, "axis_title_color": MUTED,
    "axis_title_font_family": FONT, "tick_color": "#eceff2", "zero_color": LINE,
    "label_color": MUTED, "tick_font_family": FONT, "tick_font_size": 13,
    "legend_font_size": 13, "title_font_size": 15,
}  # fmt: skip
WIDTH, HEIGHT = 760, 300
SIZE = re.compile(r'^<svg width="(\d+)" height="(\d+)"')


def _themed() -> None:
    """leather reads its look from module globals: ours, the same on every call."""
    for name, value in THEME.items():
        setattr(leather.theme, name, value)


def _svg(chart: leather.Chart, height: int = HEIGHT) -> Markup:
    """Inline SVG that scales to its container: a viewBox instead of a fixed size."""
    _themed()
    svg = chart.to_svg(width=WIDTH, height=height)
    svg = SIZE.sub(r'<svg viewBox="0 0 \1 \2" preserveAspectRatio="xMinYMin meet"'
                   r' aria-hidden="true" focusable="false"', svg)  # fmt: skip
    return Markup(svg)  # leather writes through ElementTree, which escapes every text


def _percent(value: float, index: int = 0, count: int = 0) -> str:
    return f"{value:.0%}"


def share_chart(spike: dict[str, Any], labels: dict[str, str]) -> Markup:
    """The value's daily share of requests, the share before, and the onset as a line."""
    days = [(date.fromisoformat(d["day"]), d["requests"] / d["total"])
            for d in spike["daily"] if d["total"]]  # fmt: skip
    onset = date.fromisoformat(spike["started_on"])
    top = min(1.0, max([share for _, share in days] + [spike["share"]]) * 1.15)
    chart = leather.Chart()
    chart.set_y_scale(leather.Linear(0, top))
    chart.add_y_axis(tick_formatter=_percent)
    chart.add_x_axis(tick_formatter=lambda d, i, n: d.strftime("%d/%m"))
    chart.add_line(days, name=labels["share"], stroke_color=BRAND, width=2)
    chart.add_line([(days[0][0], spike["baseline_share"]), (onset, spike["baseline_share"])],
                   name=labels["baseline"], stroke_color=MUTED, width=2,
                   stroke_dasharray="6 4")  # fmt: skip
    chart.add_line([(onset, 0), (onset, top)], name=labels["onset"], stroke_color=BAD, width=2,
                   stroke_dasharray="2 3")  # fmt: skip
    return _svg(chart)


def csat_chart(by_type: list[dict[str, Any]], title: str) -> Markup:
    """CSAT per moment type (percent), as horizontal bars."""
    chart = leather.Chart(title)
    chart.set_x_scale(leather.Linear(0, 100))
    chart.add_x_axis(ticks=[0, 25, 50, 75, 100], tick_formatter=lambda v, i, n: f"{v:.0f}%")
    chart.add_bars([(row["score"], row["label"]) for row in by_type], fill_color=BRAND)
    return _svg(chart, height=90 + 40 * max(1, len(by_type)))
