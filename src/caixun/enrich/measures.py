"""What a figure measures (pure): a level, a change on the year or on the
month, another change, a share, a target or a forecast.

A series (caixun.publish.series) is one indicator, one subject, one measure
and one unit: CPI 同比上涨6.4% (yoy), 环比涨幅为0.3% (mom), 预计在2%左右
(forecast) and 占当月CPI涨幅的75.3% (share) are four different series of
CPI, and a chart that joins them draws nonsense. The measure is read from
the words before the figure in its clause (its sentence for 预计 and 目标,
which govern what follows them):

- 前值, 初值, 修正为: the value of an earlier period, given beside a new one;
  no measure (it belongs to no series of this period);
- target: 目标, 力争, 确保;
- forecast: 预计, 预期, 预测, 预估, 有望, 料…;
- share: 占, 占比, 比重, 份额 (of a percentage);
- mom: 环比, 比上月;
- yoy: 同比, 比上年, 较去年同期…, and a growth rate of a period longer than
  a day written as a level (增速为5.2%) or as a change (增长5.2%): in
  statistical releases a bare growth rate is on the year;
- change: any other change (沪指跌1.2%, 增加300亿元); a market's move is
  one whatever its period;
- level: everything else (GDP 1.2万亿元, CPI 2.1).

Ranks, bare numbers and gaps in percentage points between two things (比全国高
1.8个百分点) have none.
"""

from __future__ import annotations

import re

# The measures with the words the site shows for them, in this order.
MEASURES = {"level": "数值", "yoy": "同比", "mom": "环比", "change": "变动", "share": "占比", "target": "目标", "forecast": "预测"}

_PRIOR = re.compile(r"前值|初值|修正为|修正值|上修|下修")
_TARGET = re.compile(r"目标|力争|确保")
_FORECAST = re.compile(r"预计|预期|预测|预估|有望|料将|料[增升涨降跌]|或将|估计|展望|市场共识|一致预期|将达到?")
_SHARE = re.compile(r"占(?![用地领据有])|比重|份额|占有率|市占率|渗透率")
_MOM = re.compile(r"环比|比上月|较上月|比上个月|较上个月|上月相比")
_YOY = re.compile(r"同比|比上年|较上年|比去年|较去年|上年同期|去年同期|同期相比|比[0-9]{4}年同期")
_GROWTH_RATE = re.compile(r"增速|增长率|增长速度|增幅|涨幅|降幅|跌幅|增长|下降|上涨|下跌|回落|回升|减少|增加")
_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?\n]")
_SENTENCE_BREAK = re.compile(r"[。；！？;!?\n]")
# A market's move (沪指跌1.2%, 金价涨2%) is a day's change, whatever the period says.
_MARKET = re.compile(r"[沪深恒道纳]指|(?<!价格)指数|板块|个股|股价|金价|油价|收盘|收报|报收|盘中|开盘|尾盘|期货|黄金|原油|汇率|兑美元|比特币|收益率|涨停|跌停")
_DAY_PERIOD = re.compile(r"\d{4}-\d{2}-\d{2}$")


def measure(text: str, figure: dict) -> str | None:
    """The measure of `figure` (as caixun.enrich.figures gives it, as a dict)
    in `text` (the text it was read from, Traditional characters folded)."""
    kind = figure["kind"]
    if kind == "rank" or (kind == "number" and not figure.get("unit")):
        return None
    start = figure["start"]
    window = text[max(0, start - 40) : start]
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(window)]
    sentence = window[breaks[-1] if breaks else 0 :]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(sentence)]
    clause = sentence[breaks[-1] if breaks else 0 :]
    if _PRIOR.search(clause):
        return None
    if _TARGET.search(sentence):
        return "target"
    if _FORECAST.search(sentence):
        return "forecast"
    percent = kind == "percent"
    if percent and _SHARE.search(clause):
        return "share"
    if _MOM.search(clause):
        return "mom"
    if _YOY.search(clause):
        return "yoy"
    if figure.get("unit") == "pp" and not figure.get("direction") and not _GROWTH_RATE.search(clause):
        return None  # 比全国高1.8个百分点: a gap between two things, in no series
    if figure.get("direction") or (percent and _GROWTH_RATE.search(clause)):
        period = figure.get("period") or ""
        if percent and period and not _DAY_PERIOD.search(period) and not _MARKET.search(sentence):
            return "yoy"  # a growth rate of a year, quarter or months: on the year
        return "change"
    return "level"


def signed_value(value, figure_direction: str | None, measure_name: str | None):
    """A change as a signed number: 下降3.2% is -3.2 (and 增速为-3.2% stays -3.2)."""
    if figure_direction == "down" and measure_name in ("yoy", "mom", "change") and value > 0:
        return -value
    return value
