"""Measures, indicator names, series and their charts (pure functions)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from caixun.enrich.facts import extract
from caixun.enrich.indicators import canonical, names_of
from caixun.publish.chart import date_ticks, nice_ticks, period_end
from caixun.publish.series import UNNAMED, build_series, series_charts, series_json
from caixun.store import FigureRow


def measures(text: str, today: date = date(2011, 7, 11)) -> list[tuple[str, str | None, str | None]]:
    return [(f["text"], f["measure"], f["subject"]) for f in extract(text, today)["figures"]]


@pytest.mark.parametrize(("text", "expected"), [
    ("6月份CPI同比上涨6.4%，环比涨幅为0.3%。", [("6.4%", "yoy"), ("0.3%", "mom")]),
    ("预计全年CPI涨幅在2%左右。", [("2%左右", "forecast")]),
    ("翘尾因素占当月CPI同比涨幅的75.3%。", [("75.3%", "share")]),
    ("美国7月CPI同比升2.9%，预估升2.9%，前值升3.3%。", [("2.9%", "yoy"), ("2.9%", "forecast"), ("3.3%", None)]),
    ("今年GDP预期目标为增长5%左右。", [("5%左右", "target")]),
    ("上半年全市规模以上工业增加值增长8.2%。", [("8.2%", "yoy")]),  # a growth rate of months: on the year
    ("2011年7月11日沪指跌1.2%，收于2800点。", [("1.2%", "change"), ("2800点", "level")]),  # a market's move
    ("1-6月，社会消费品零售总额8.5万亿元，增加3000亿元。", [("8.5万亿元", "level"), ("3000亿元", "change")]),
    ("今年前5个月全市排名全省第一。", [("第一", None)]),
])  # fmt: skip
def test_the_measure_is_read_from_the_words_before(text, expected):
    got = [(t, m) for t, m, _ in measures(text)]
    assert got == expected


def test_an_economy_named_last_is_the_subject():
    got = measures("中国6月CPI同比上涨2.1%，美国7月CPI同比升2.9%。")
    assert got[1] == ("2.9%", "yoy", "美国")
    assert measures("北京市与美国合作项目投资增长5%。")[0][2] == "美国"  # named last: the nearer one
    assert measures("美元指数涨0.5%。")[0][2] is None  # 美元 is a currency, not 美国


def test_indicator_names_come_from_the_table():
    assert canonical("地区生产总值") == "GDP" and canonical("社零") == "社会消费品零售总额" and canonical("GDP") == "GDP"
    assert canonical("没有这个指标") == "没有这个指标" and canonical(None) is None
    assert names_of("GDP")[0] == "GDP" and "地区生产总值" in names_of("GDP") and names_of("x") == ("x",)


def row(article_id: int, value: str, *, indicator: str = "CPI", subject: str | None = "中国", measure: str | None = "yoy",
        period: str | None = "2011-06", unit: str = "%", direction: str | None = "up", source: str = "甲", region: str | None = None,
        value_max: str | None = None) -> FigureRow:  # fmt: skip
    return FigureRow(article_id, f"文章{article_id}", source, "news", datetime(2011, 7, 11, 2, tzinfo=UTC), 0, 0, 4, value + "%", "percent",
                     value, value_max, unit, None, direction, indicator, subject, period, None, region, None, measure)  # fmt: skip


def test_a_series_is_one_indicator_subject_measure_and_unit():
    rows = [row(1, "6.4"), row(2, "6.4", source="乙"), row(3, "5.5", period="2011-05"),
            row(4, "2.9", subject="美国"), row(5, "2", measure="forecast"), row(6, "75.3", measure="share"),
            row(7, "0.3", measure="mom"), row(8, "6.4", indicator="居民消费价格", period="2011-04"),
            row(9, "3.3", measure=None), row(10, "1", value_max="2"), row(11, "3", subject=None)]  # fmt: skip
    series = build_series(rows)
    keys = {(s.indicator, s.subject, s.measure, s.unit): s for s in series}
    china = keys[("CPI", "中国", "yoy", "%")]
    assert [p.period for p in china.points] == ["2011-04", "2011-05", "2011-06"]  # 居民消费价格 is CPI: one series
    june = china.points[-1]
    assert june.value == Decimal("6.4") and not june.conflict
    assert [r.article_id for r in june.values[Decimal("6.4")]] == [1, 2]  # the same value twice: one point, two sources
    assert ("CPI", "美国", "yoy", "%") in keys and ("CPI", "中国", "forecast", "%") in keys
    assert ("CPI", "中国", "share", "%") in keys and ("CPI", "中国", "mom", "%") in keys
    assert all(3 not in [r.article_id for p in s.points for refs in p.values.values() for r in refs] for s in series if s.measure is None)
    assert not any(Decimal("3.3") in p.values for s in series for p in s.points)  # 前值: no measure, in no series
    assert not any(Decimal(1) in p.values for s in series for p in s.points)  # a range is no point
    assert series[-1].subject == UNNAMED  # unnamed subjects last, never joined with a named one
    assert all(s.subject != UNNAMED for s in build_series(rows, unnamed=False))


def test_different_values_for_one_point_are_a_conflict_with_their_sources():
    rows = [row(1, "6.4"), row(2, "6.4", source="乙"), row(3, "6.2", source="丙"), row(4, "3.2", direction="down", period="2011-05")]
    (s,) = build_series(rows)
    june = s.points[-1]
    assert june.conflict and june.value == Decimal("6.4")  # the value most sources give
    assert {v: [r.source for r in refs] for v, refs in june.values.items()} == {Decimal("6.4"): ["甲", "乙"], Decimal("6.2"): ["丙"]}
    assert s.points[0].value == Decimal("-3.2")  # 下降3.2%: a change of -3.2
    j = series_json(s)
    assert j["conflicts"] == 1 and j["points"][-1]["conflict"] and j["points"][-1]["values"][1] == {"value": "6.2", "articles": [3]}
    ((unit, svg),) = series_charts([s])
    assert unit == "%" and svg.count("<polyline") == 1
    assert svg.count('r="5"') == 1  # the conflicting point is a ring
    assert "数值不一" in svg and "丙" in svg


def test_charts_join_named_series_only_and_give_each_unit_its_axis():
    rows = [row(1, "6.4"), row(2, "5.5", period="2011-05"), row(3, "3", subject=None), row(4, "4", subject=None, period="2011-05"),
            row(5, "900", unit="CNY", indicator="GDP", period="2011"), row(6, "950", unit="CNY", indicator="GDP", period="2012")]  # fmt: skip
    charts = dict(series_charts(build_series(rows)))
    assert set(charts) == {"%", "CNY"}
    assert charts["%"].count("<polyline") == 1  # 中国 joined; the unnamed subjects' dots are not
    assert charts["%"].count("<circle") == 4


def test_round_ticks_and_whole_periods():
    assert nice_ticks(0, 6.4) == [0, 2, 4, 6, 8] and nice_ticks(80.1e8, 260.2e8) == [5e9, 1e10, 1.5e10, 2e10, 2.5e10, 3e10]
    for lo, hi in ((0, 6.4), (-3.2, 6.4), (80.1e8, 260.2e8), (0.1, 0.13), (5, 5), (255e8, 300.5e8), (-0.2, 0.2), (99, 101)):
        ticks = nice_ticks(lo, hi)
        step = ticks[1] - ticks[0]
        assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) <= 6
        assert all(abs(b - a - step) < step * 1e-6 for a, b in zip(ticks, ticks[1:], strict=False))
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)
        assert len(ticks) >= 3  # a grid, not just the two ends
    assert [t for _, t in date_ticks(date(2011, 1, 31), date(2024, 3, 31))] == ["2014", "2017", "2020", "2023"]
    assert [t for _, t in date_ticks(date(2023, 3, 31), date(2024, 3, 31))] == ["2023-04", "2023-07", "2023-10", "2024-01"]
    assert period_end("2021-10-11") == date(2021, 10, 11) and period_end("2021-02-30") is None


def test_two_places_of_one_name_are_two_lines():
    rows = [row(1, "5", subject="朝阳区", region="110105", period="2022"), row(2, "6", subject="朝阳区", region="110105", period="2023"),
            row(3, "7", subject="朝阳区", region="220104", period="2022"), row(4, "8", subject="朝阳区", region="220104", period="2023")]  # fmt: skip
    series = build_series(rows)
    assert len(series) == 2
    ((_, svg),) = series_charts(series)
    assert svg.count("<polyline") == 2 and "〔220104〕" in svg


def test_values_and_periods_no_axis_can_hold_are_left_out():
    rows = [row(1, "1E+999", period="2011-05"), row(2, "5", period="2011-06"), row(3, "6", period="0000"), row(4, "7", period="2011-07")]
    ((_, svg),) = series_charts(build_series(rows))
    assert svg.count("<circle") == 3 and "inf" not in svg.lower()  # 1E+999 left out of the drawing; 0000 is no date
    assert period_end("0000") is None and period_end("0000-01") is None
