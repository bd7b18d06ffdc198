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

import ahocorasick_rs

# The measures with the words the site shows for them, in this order.
MEASURES = {"level": "数值", "yoy": "同比", "mom": "环比", "change": "变动", "share": "占比", "target": "目标", "forecast": "预测"}

# The words that decide a measure, found with Aho-Corasick in one pass (a
# regex alternation of these 90 words cost 11 µs a figure, a third of
# extraction's budget for it); the few that need a look around are checked after.
_WORDS = {
    "prior": "前值 初值 修正为 修正值 上修 下修",
    "target": "目标 力争 确保",
    "forecast": "预计 预期 预测 预估 有望 料将 料增 料升 料涨 料降 料跌 或将 估计 展望 市场共识 一致预期 将达 将达到",
    "mom": "环比 比上月 较上月 比上个月 较上个月 上月相比",
    "yoy": "同比 比上年 较上年 比去年 较去年 年同期 同期相比",  # 年同期: 上年同期, 比2019年同期
    "share": "占 比重 份额 占有率 市占率 渗透率",
    "growth": "增速 增长率 增长速度 增幅 涨幅 降幅 跌幅 增长 下降 上涨 下跌 回落 回升 减少 增加",
    # A market's move (沪指跌1.2%, 金价涨2%) is a day's change, whatever the period says.
    "market": "沪指 深指 恒指 道指 纳指 指数 板块 个股 股价 金价 油价 收盘 收报 报收 盘中 开盘 尾盘 期货 黄金 原油 汇率 兑美元 比特币 收益率 涨停 跌停",
}
_WORD_LIST = [w for words in _WORDS.values() for w in words.split()]
_WORD_GROUP = {w: group for group, words in _WORDS.items() for w in words.split()}
_WORD_AC = ahocorasick_rs.AhoCorasick(_WORD_LIST, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
_NOT_SHARE_AFTER = frozenset("用地领据有")  # 占用, 占地, 占领
_UP_TO_SENTENCE_BREAK = re.compile(r".*[。；！？;!?\n]", re.S)
_UP_TO_CLAUSE_BREAK = re.compile(r".*[，,]", re.S)
_DAY_PERIOD = re.compile(r"\d{4}-\d{2}-\d{2}$")
_IN_SENTENCE = frozenset(("target", "forecast", "market"))  # these words govern what follows them in the sentence


def measure(text: str, figure: dict) -> str | None:
    """The measure of `figure` (as caixun.enrich.figures gives it, as a dict)
    in `text` (the text it was read from, Traditional characters folded)."""
    kind = figure["kind"]
    if kind == "rank" or (kind == "number" and not figure.get("unit")):
        return None
    start = figure["start"]
    window = text[max(0, start - 40) : start]
    cut = _UP_TO_SENTENCE_BREAK.match(window)
    sentence = window[cut.end() :] if cut else window
    cut = _UP_TO_CLAUSE_BREAK.match(sentence)
    clause_start = cut.end() if cut else 0
    found = set()
    for i, at, end in _WORD_AC.find_matches_as_indexes(sentence):
        word = _WORD_LIST[i]
        group = _WORD_GROUP[word]
        if at < clause_start and group not in _IN_SENTENCE:
            continue
        if (word == "占" and sentence[end : end + 1] in _NOT_SHARE_AFTER) or (word == "指数" and sentence.endswith("价格", 0, at)):
            continue  # 占地: no share; 居民消费价格指数: CPI, no market
        found.add(group)
    if not found:  # most figures: no word that decides
        if figure.get("direction"):
            return _change(figure, kind == "percent", found)
        return None if figure.get("unit") == "pp" else "level"
    if "prior" in found:
        return None
    if "target" in found:
        return "target"
    if "forecast" in found:
        return "forecast"
    percent = kind == "percent"
    if percent and "share" in found:
        return "share"
    if "mom" in found:
        return "mom"
    if "yoy" in found:
        return "yoy"
    if figure.get("unit") == "pp" and not figure.get("direction") and "growth" not in found:
        return None  # 比全国高1.8个百分点: a gap between two things, in no series
    if figure.get("direction") or (percent and "growth" in found):
        return _change(figure, percent, found)
    return "level"


def _change(figure: dict, percent: bool, found: set) -> str:
    period = figure.get("period") or ""
    if percent and period and not _DAY_PERIOD.search(period) and "market" not in found:
        return "yoy"  # a growth rate of a year, quarter or months: on the year
    return "change"


def signed_value(value, figure_direction: str | None, measure_name: str | None):
    """A change as a signed number: 下降3.2% is -3.2 (and 增速为-3.2% stays -3.2)."""
    if figure_direction == "down" and measure_name in ("yoy", "mom", "change") and value > 0:
        return -value
    return value
