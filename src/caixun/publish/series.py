"""Series of figures that can be trusted (pure).

A series is one indicator (by its canonical name: 地区生产总值 is GDP), one
subject (a region code, a security, or a named subject such as 美国), one
measure (caixun.enrich.measures: level, yoy, mom, change, share, target,
forecast) and one unit. Nothing else is ever joined: a 2011 China CPI and a
2024 US CPI are two subjects, a forecast (2%左右) and a share (75.3%) are
other measures than the year-on-year change.

A point is one period of a series. The same value reported by several
articles is one point with all of them as sources; different values for the
same period are kept as a conflict, each value with its own sources (the
point's value is the one most sources give, the earliest on a tie). A figure
whose text names no period is a point of its own at its article's date.
Figures without a measure (前值, ranks) and ranges (3%–5%) are left out;
figures whose texts name no subject are a series of their own (UNNAMED),
drawn as dots and never joined by a line: it may hold different places.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from caixun.clean.normalize import to_shanghai
from caixun.enrich.indicators import canonical
from caixun.enrich.measures import MEASURES, signed_value
from caixun.publish.chart import Point, line_chart, period_end
from caixun.store import FigureRow

UNNAMED = "（未注明主体）"
FREQUENCIES = {"year": "（年度）", "part": "（年内）", "day": "（日度）"}
_RATE_UNITS = frozenset({"%", "pp", "‰", None})


def frequency(period: str | None, unit: str | None) -> str:
    """An amount of a year and of a part of one are not one series (a year's
    GDP beside a quarter's draws a saw); rates are, whatever their period."""
    if unit in _RATE_UNITS or not period:
        return ""
    if len(period) == 4:
        return "year"
    return "day" if len(period) == 10 and period.count("-") == 2 else "part"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An article that gives a point's value."""

    article_id: int
    title: str
    source: str


@dataclass(slots=True)
class SeriesPoint:
    period: str | None  # None: the article gave none; the point sits at its article's date
    when: date
    values: dict[Decimal, list[SourceRef]] = field(default_factory=dict)  # signed value -> its sources

    @property
    def conflict(self) -> bool:
        return len(self.values) > 1

    @property
    def value(self) -> Decimal:
        """The value most sources give (the first one given, on a tie)."""
        return self.ranked()[0][0]

    def ranked(self) -> list[tuple[Decimal, list[SourceRef]]]:
        """The values given, the one most sources give first."""
        return sorted(self.values.items(), key=lambda kv: -len(kv[1]))


@dataclass(slots=True)
class Series:
    indicator: str  # canonical
    subject: str  # a name; UNNAMED when the texts name none
    region: str | None
    security: str | None
    measure: str
    unit: str | None
    frequency: str = ""  # of amounts: year, part (of a year: quarters, halves, months), day, "" (any)
    points: list[SeriesPoint] = field(default_factory=list)

    @property
    def label(self) -> str:
        unit = f"（{self.unit}）" if self.unit else ""
        frequency = FREQUENCIES.get(self.frequency, "")
        return f"{self.subject} · {self.indicator}{MEASURES.get(self.measure, self.measure)}{frequency}{unit}"

    @property
    def key(self) -> tuple:
        return (self.indicator, self.region or self.security or self.subject, self.measure, self.unit, self.frequency)

    @property
    def conflicts(self) -> int:
        return sum(p.conflict for p in self.points)


def build_series(rows: Iterable[FigureRow], *, region_name=lambda code: code, unnamed: bool = True) -> list[Series]:
    """The series of `rows` (figures with their articles), most points first.
    `region_name` names a region code; with `unnamed=False` figures whose
    subject the texts do not name are left out."""
    by_key: dict[tuple, Series] = {}
    by_point: dict[tuple, SeriesPoint] = {}
    for r in rows:
        if r.measure is None or r.value_max is not None or r.kind not in ("money", "quantity", "percent", "number") or not r.indicator:
            continue
        try:
            value = signed_value(Decimal(r.value), r.direction, r.measure)
        except (InvalidOperation, ValueError):
            continue
        subject = r.subject or (region_name(r.region) if r.region else None)
        if subject is None and not unnamed:
            continue
        s = Series(canonical(r.indicator), subject or UNNAMED, r.region, r.security, r.measure, r.unit, frequency(r.period, r.unit))
        series = by_key.setdefault(s.key, s)
        end = period_end(r.period)
        when = end or to_shanghai(r.published_at).date()
        # Without a period two articles' values cannot be told to be of one
        # point: each is a point of its own, at its article's date.
        point_key = (s.key, r.period if end else f"@{r.article_id}")
        point = by_point.get(point_key)
        if point is None:
            point = by_point[point_key] = SeriesPoint(r.period if end else None, when)
            series.points.append(point)
        refs = point.values.setdefault(value.normalize() if value else Decimal(0), [])  # 5.80 and 5.8 are one value
        if all(ref.article_id != r.article_id for ref in refs):
            refs.append(SourceRef(r.article_id, r.title, r.source))
    out = list(by_key.values())
    for s in out:
        s.points.sort(key=lambda p: p.when)
    out.sort(key=lambda s: (s.subject == UNNAMED, -len(s.points), s.label))
    return out


def series_json(s: Series) -> dict:
    return {
        "indicator": s.indicator, "subject": s.subject if s.subject != UNNAMED else None, "region": s.region,
        "security": s.security, "measure": s.measure, "unit": s.unit, "frequency": s.frequency or None, "label": s.label,
        "conflicts": s.conflicts,
        "points": [{"period": p.period, "date": p.when.isoformat(), "value": str(p.value), "conflict": p.conflict,
                    "values": [{"value": str(v), "articles": [ref.article_id for ref in refs]} for v, refs in p.ranked()]}
                   for p in s.points],
    }  # fmt: skip


def series_charts(series: list[Series], *, most_lines: int = 6, most_charts: int = 3) -> list[tuple[str | None, str]]:
    """(unit, SVG) for each measure and unit of `series`, the most reported
    first: one value axis per chart (a share of 75% beside a change of 0.2%
    would flatten the change), one line per series. A conflicting point is a
    ring, the other values given for it hollow dots; a series of unnamed
    subjects is drawn as dots without a line."""
    groups: dict[tuple[str, str | None], list[Series]] = {}
    for s in series:
        groups.setdefault((s.measure, s.unit), []).append(s)
    ranked = sorted(groups.items(), key=lambda kv: -sum(len(s.points) for s in kv[1]))[:most_charts]
    out = []
    for (_, unit), group in ranked:
        lines: dict[str, list[Point]] = {}
        joined = set()
        for s in group[:most_lines]:
            name = s.label.replace(f"（{unit}）", "") if unit else s.label
            if name in lines:  # two places of one name (朝阳区 of 北京 and of 长春): told apart by code
                name += f"〔{s.region or s.security}〕"
            if s.subject != UNNAMED:
                joined.add(name)
            pts = lines.setdefault(name, [])
            for p in s.points:
                main = p.value
                for v, refs in p.values.items():
                    label = f"{v}（{'、'.join(dict.fromkeys(r.source for r in refs))}，{len(refs)} 篇）"
                    if p.conflict:
                        label = "数值不一：" + label
                    pts.append(Point(p.when, float(v), label, conflict=p.conflict, on_line=v == main))
        out.append((unit, line_chart(lines, unit, joined=joined)))
    return out
