"""An indicator over time, drawn as inline SVG on the server (pure).

The pages forbid scripts (see caixun.web.app), so a charting library that runs
in the browser (ECharts) is not an option there; an SVG drawn here needs no
script, works in the static export and in feed readers, and is a few KB.
Every label is escaped.
"""

from __future__ import annotations

import calendar
import re
import statistics
from dataclasses import dataclass
from datetime import date

from markupsafe import escape

COLOURS = ("#b3261e", "#1d5fa8", "#2e7d32", "#8e44ad", "#c77700", "#00838f")
_PERIOD = re.compile(r"(\d{4})(?:(Q[1-4]|H[12]|Q1-Q3)|-(\d{2}))?$")
_QUARTER_END = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12, "Q1-Q3": 9}


@dataclass(frozen=True, slots=True)
class Point:
    when: date
    value: float
    label: str  # the figure's text, for the tooltip


def period_end(period: str | None) -> date | None:
    """The last day a period covers: 2021 -> 2021-12-31, 2021Q1 -> 2021-03-31,
    2021-11 -> 2021-11-30, 2021-01/2021-11 -> 2021-11-30."""
    if not period:
        return None
    m = _PERIOD.match(period.split("/")[-1])
    if not m:
        return None
    year = int(m.group(1))
    month = _QUARTER_END[m.group(2)] if m.group(2) else int(m.group(3) or 12)
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def short_number(v: float) -> str:
    """Axis labels the way Chinese news writes them: 3.4亿, 120万."""
    for scale, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(v) >= scale:
            return f"{v / scale:.4g}{word}"
    return f"{v:.4g}"


def line_chart(series: dict[str, list[Point]], unit: str | None, *, width: int = 720, height: int = 300) -> str:
    """Lines (one per series, at most six) of values over time, as an <svg>."""
    series = {k: sorted(v, key=lambda p: p.when) for k, v in list(series.items())[: len(COLOURS)] if v}
    if not series:
        return ""
    points = [p for ps in series.values() for p in ps]
    left, right, top, bottom = 70, 20, 16, 60
    lo, hi = min(0.0, *(p.value for p in points)), max(p.value for p in points)
    hi = hi if hi > lo else lo + 1
    t0, t1 = min(p.when for p in points).toordinal(), max(p.when for p in points).toordinal()
    span = max(t1 - t0, 1)

    def x(d: date) -> float:
        return left + (width - left - right) * ((d.toordinal() - t0) / span if t1 > t0 else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape("指标走势")}">']  # fmt: skip
    for i in range(5):  # horizontal grid with values
        v = lo + (hi - lo) * i / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{escape(short_number(v))}</text>')
    for d in sorted({min(p.when for p in points), max(p.when for p in points)}):
        out.append(f'<text x="{x(d):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{d.isoformat()}</text>')
    if unit:
        out.append(f'<text x="4" y="{top - 4}" font-size="11">{escape(unit)}</text>')
    for (name, ps), colour in zip(series.items(), COLOURS, strict=False):
        # Several values on one day (a total and its parts, two outlets) are all
        # drawn as dots; the line goes through each day's median.
        by_day: dict[date, list[float]] = {}
        for p in ps:
            by_day.setdefault(p.when, []).append(p.value)
        coords = " ".join(f"{x(d):.1f},{y(statistics.median(vs)):.1f}" for d, vs in sorted(by_day.items()))
        if len(by_day) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for p in ps:
            out.append(f'<circle cx="{x(p.when):.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}">'
                       f"<title>{escape(name)} {p.when.isoformat()}: {escape(p.label)}</title></circle>")  # fmt: skip
    for i, (name, _) in enumerate(series.items()):  # legend
        lx = left + (i % 3) * 210
        ly = height - 22 + (i // 3) * 14
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{COLOURS[i]}"/>'
                   f'<text x="{lx + 14}" y="{ly}" font-size="12">{escape(name)}</text>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)
