"""Lines of values over time, drawn as inline SVG on the server (pure).

The pages forbid scripts (see caixun.web.app), so a charting library that runs
in the browser (ECharts) is not an option there; an SVG drawn here needs no
script, works in the static export and in feed readers, and is a few KB.
Every label is escaped.

Readable on a phone as on a desk: the drawing is 480 units wide (scaled to
the page's width, so 13-unit labels stay about 10 px on a 375 px phone), the
value axis has round ticks (1, 2, 2.5 or 5 times a power of ten), the time
axis ticks at whole years, quarters, months or days, the margins are as wide
as the longest label, and the legend wraps onto as many rows as it needs.
"""

from __future__ import annotations

import calendar
import math
import re
import statistics
from dataclasses import dataclass
from datetime import date

from markupsafe import escape

COLOURS = ("#b3261e", "#1d5fa8", "#2e7d32", "#8e44ad", "#c77700", "#00838f")
_PERIOD = re.compile(r"(\d{4})(?:(Q[1-4]|H[12]|Q1-Q3)|-(\d{2})(?:-(\d{2}))?)?$")
_QUARTER_END = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12, "Q1-Q3": 9}
WIDTH = 480
FONT = 13


@dataclass(frozen=True, slots=True)
class Point:
    when: date
    value: float
    label: str  # the figure's text (and its sources), for the tooltip
    conflict: bool = False  # sources disagree on this point: drawn as a ring
    on_line: bool = True  # False: another value given for a point of the line (a conflict's minority)


def period_end(period: str | None) -> date | None:
    """The last day a period covers: 2021 -> 2021-12-31, 2021Q1 -> 2021-03-31,
    2021-11 -> 2021-11-30, 2021-01/2021-11 -> 2021-11-30, 2021-10-11 itself."""
    if not period:
        return None
    m = _PERIOD.match(period.split("/")[-1])
    if not m:
        return None
    year = int(m.group(1))
    month = _QUARTER_END[m.group(2)] if m.group(2) else int(m.group(3) or 12)
    if not 1 <= month <= 12 or year < 1:
        return None  # 0000 is no year a date can hold
    last = calendar.monthrange(year, month)[1]
    day = int(m.group(4)) if m.group(4) else last
    return date(year, month, day) if 1 <= day <= last else None


def short_number(v: float) -> str:
    """Axis labels the way Chinese news writes them: 3.4亿, 120万."""
    for scale, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(v) >= scale:
            return f"{v / scale:.4g}{word}"
    return f"{v:.4g}"


def nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round values from at or below `lo` to at or above `hi`, at most `most`
    of them, a step of 1, 2, 2.5 or 5 times a power of ten apart."""
    if hi <= lo:
        lo, hi = (lo - 1, hi + 1) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    raw = (hi - lo) / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100):  # rounding out at both ends can take up to two more steps
        step = m * power
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        if last - first + 1 <= most:
            return [round(i * step, 12) for i in range(first, last + 1)]
    raise AssertionError("unreachable: a step of 100 * power spans the range in two")


def date_ticks(t0: date, t1: date, most: int = 5) -> list[tuple[date, str]]:
    """Whole years, quarters, months or days between t0 and t1, as (day, label)."""
    if t0 == t1:
        return [(t0, t0.isoformat())]
    years = t1.year - t0.year
    if years >= 3:
        step = math.ceil((years + 1) / most)
        return [(date(y, 1, 1), str(y)) for y in range(t0.year + (t0 > date(t0.year, 1, 1)), t1.year + 1) if (y - t0.year) % step == 0]
    months = years * 12 + t1.month - t0.month
    if months >= 2:
        step = next(s for s in (1, 2, 3, 6, 12) if months / s < most)
        out, m = [], t0.year * 12 + t0.month - 1 + (t0.day > 1)
        while m <= t1.year * 12 + t1.month - 1:
            if m % step == 0:
                d = date(m // 12, m % 12 + 1, 1)
                out.append((d, f"{d.year}-{d.month:02d}"))
            m += 1
        return out or [(t0, t0.isoformat()), (t1, t1.isoformat())]
    days = (t1 - t0).days
    step = max(1, math.ceil(days / most))
    return [(date.fromordinal(o), date.fromordinal(o).isoformat()[5:]) for o in range(t0.toordinal(), t1.toordinal() + 1, step)]


def text_width(s: str, size: int = FONT) -> float:
    """About how wide a label is: a Chinese character is a full em, the rest about 0.6."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in s)


def line_chart(series: dict[str, list[Point]], unit: str | None, *, joined: set[str] | None = None,
               width: int = WIDTH, plot_height: int = 220) -> str:  # fmt: skip
    """Lines (one per series, at most six) of values over time, as an <svg>.
    Several values on one day (a total and its parts) are all drawn as dots;
    the line goes through each day's median of the values on the line. A
    series not in `joined` (when given) is drawn as dots only."""
    # A value no axis can hold (1e999 read from a hostile text is infinite as a float) is left out.
    series = {k: sorted((p for p in v if math.isfinite(p.value) and abs(p.value) < 1e300), key=lambda p: p.when)
              for k, v in list(series.items())[: len(COLOURS)]}  # fmt: skip
    series = {k: v for k, v in series.items() if v}
    if not series:
        return ""
    points = [p for ps in series.values() for p in ps]
    lo, hi = min(p.value for p in points), max(p.value for p in points)
    if 0 < lo < hi * 0.5:
        lo = 0.0  # a baseline at zero when it costs little room
    elif lo < 0 < hi * 0.5 or (hi < 0 and hi > lo * 0.5):
        hi = max(hi, 0.0)
    ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    t0, t1 = min(p.when for p in points), max(p.when for p in points)
    xticks = date_ticks(t0, t1)
    left = 8 + max(text_width(short_number(v)) for v in ticks)
    right = 8 + max(text_width(xticks[-1][1]) / 2, 6)
    top, axis = 26, 20  # room above the plot for the unit's label, whose glyphs rise up to 1.2 em (Noto Sans CJK)
    legend_rows = _legend_rows(list(series), width - 16)
    height = top + plot_height + axis + 10 + 18 * len(legend_rows)
    span = max((t1 - t0).days, 1)

    def x(d: date) -> float:
        return left + (width - left - right) * ((d - t0).days / span if t1 > t0 else 0.5)

    def y(v: float) -> float:
        return top + plot_height * (1 - (v - lo) / (hi - lo))

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'font-size="{FONT}" aria-label="{escape("指标走势")}">']  # fmt: skip
    for v in ticks:  # horizontal grid at round values
        out.append(f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{"#999" if v == 0 else "#ddd"}"/>')
        out.append(f'<text x="{left - 5:.1f}" y="{y(v) + 4:.1f}" text-anchor="end">{escape(short_number(v))}</text>')
    for d, label in xticks:
        xd = min(max(x(d), left), width - right)
        out.append(f'<line x1="{xd:.1f}" x2="{xd:.1f}" y1="{top + plot_height}" y2="{top + plot_height + 4}" stroke="#999"/>')
        out.append(f'<text x="{xd:.1f}" y="{top + plot_height + 17}" text-anchor="middle">{escape(label)}</text>')
    if unit:
        out.append(f'<text x="4" y="{top - 9}">{escape("单位：" + unit)}</text>')
    for (name, ps), colour in zip(series.items(), COLOURS, strict=False):
        by_day: dict[date, list[float]] = {}
        for p in ps:
            if p.on_line:
                by_day.setdefault(p.when, []).append(p.value)
        if len(by_day) > 1 and (joined is None or name in joined):
            coords = " ".join(f"{x(d):.1f},{y(statistics.median(vs)):.1f}" for d, vs in sorted(by_day.items()))
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for p in ps:
            shape = (f'r="5" fill="white" stroke="{colour}" stroke-width="2"' if p.conflict and p.on_line
                     else f'r="3" fill="white" stroke="{colour}"' if not p.on_line else f'r="3" fill="{colour}"')  # fmt: skip
            out.append(f'<circle cx="{x(p.when):.1f}" cy="{y(p.value):.1f}" {shape}>'
                       f"<title>{escape(name)} {p.when.isoformat()}: {escape(p.label)}</title></circle>")  # fmt: skip
    ly = top + plot_height + axis + 22
    index = 0
    for row in legend_rows:  # the legend, wrapped
        lx = 8.0
        for name in row:
            out.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="10" height="10" fill="{COLOURS[index]}"/>'
                       f'<text x="{lx + 14:.1f}" y="{ly}">{escape(name)}</text>')  # fmt: skip
            lx += 14 + text_width(name) + 16
            index += 1
        ly += 18
    out.append("</svg>")
    return "".join(out)


def _legend_rows(names: list[str], room: float) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    used = 0.0
    for name in names:
        while text_width(name) > room - 30 and len(name) > 1:
            name = name[:-2] + "…"  # a name longer than the chart is wide is cut, not clipped
        w = 14 + text_width(name) + 16
        if rows[-1] and used + w > room:
            rows.append([])
            used = 0.0
        rows[-1].append(name)
        used += w
    return rows
