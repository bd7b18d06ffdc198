"""What a figure is about (pure): the context stage of figure extraction.

caixun.enrich.figures finds the figures and reads their values and units;
this module reads, from the words around each one, its direction of change
(增长 up, 下降 down), its indicator (GDP, 社会消费品零售总额, from the
INDICATORS vocabulary), the subject a place names before it, and its period
(2021Q1, 2021-01/2021-11, 2018-01-04), and carries indicator and period over
to the figures after it until the text names another. Measures (level, year
on year…) are in caixun.enrich.measures, places and stocks in
caixun.enrich.regions and caixun.enrich.securities.
"""

from __future__ import annotations

import bisect
import calendar
import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick_rs

from caixun.enrich.numbers import (
    parse_numeral,
)
from caixun.enrich.patterns import _alt
from caixun.enrich.units import (
    CURRENCIES,
)

if TYPE_CHECKING:
    from caixun.enrich.figures import Figure


_UP = ["同比增长", "环比增长", "同比增加", "增长", "增加", "增幅", "上涨", "涨幅", "大涨", "涨超", "涨逾", "涨", "上升", "回升",
       "攀升", "升", "提高", "提升", "走高", "扩大", "增", "上调", "调高", "反弹", "飙升", "拉升", "净增", "多增", "上行",
       "高开", "收高", "加息", "加快", "升值", "调升", "放量", "涨价", "提价", "前进", "前移", "跃升", "加重", "高", "多"]  # fmt: skip


_DOWN = ["同比下降", "环比下降", "同比减少", "负增长", "下降", "下跌", "跌幅", "大跌", "跌超", "跌逾", "跌", "回落", "减少", "降幅", "降低",
         "降", "下滑", "收窄", "走低", "缩小", "萎缩", "减", "下调", "调低", "下挫", "跳水", "少增", "下行", "缩减",
         "低开", "收低", "降息", "放缓", "减缓", "贬值", "调贬", "缩量", "降价", "后退", "后移", "压缩", "收缩", "减轻", "低", "少"]  # fmt: skip


_DIRECTION = re.compile(rf"({_alt(_UP + _DOWN)})(?:[了近约超逾达为仅只均已再]|分别|幅度)*$")  # not 涨至 X: X is a level; 下调幅度为


_DOWN_SET = set(_DOWN)


_CHANGE_BEFORE = re.compile(r"(?:同比|环比|增速|增幅|变化|变动|涨跌幅?)$")


# A growth rate named, then its level (增速为5.1%, 同比增速回落至-0.5%, 累计增速分别为
# 76.3%): the rate's sign is the direction. No figure may come between.
_RATE_AS_LEVEL = re.compile(r"(?:增速|增长率|增长速度|增长幅度)[^\d，。；！？,;!?：:\n]{0,8}?(?:为|是|达|达到|至|到)"
                            r"(?:了|约|近|分别|均|仅|只)?$")


_CLAUSE_END = re.compile(r"[，。；！？、,;!?：:\n（(）)]")


_UP_TO_CLAUSE_END = re.compile(r".*[，。；！？、,;!?：:\n（(）)]", re.S)  # to the last clause end


# The indicator vocabulary is data: data/indicator_words.txt.
INDICATORS = [line.strip() for line in (Path(__file__).parent / "data" / "indicator_words.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]  # fmt: skip


PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏",
    "新疆", "台湾", "香港", "澳门", "全国", "全省", "全市", "全县", "全区",
]  # fmt: skip


# A place suffix that begins a word is none: 地区生产总值, 资本市场, 总市值, 省份, 县域.
_SUBJECT = re.compile(rf"([\u4e00-\u9fff]{{2,6}}?(?:[省市县区州盟旗镇乡](?<!区(?=生产|域|间|块))(?<!市(?=场|值|盈|净|民))(?<!省(?=份))(?<!县(?=域)))"
                      rf"|(?:{_alt(PROVINCES)})(?!时间))")  # not 北京时间


# 前4个月, 前两个月, 前十一个月: the months from January (not 前一个月, the month before)
_FIRST_MONTHS = r"\d{1,2}|十[一二]|[两二三四五六七八九十]"


_YEAR = re.compile(r"(\d{4})年(?:(前三季度|一季度|二季度|三季度|四季度|第一季度|第二季度|第三季度|第四季度|首季度|首季|上半年|下半年|前半年|后半年|全年|半年度|年度)"
                   rf"|(\d{{1,2}})(?:-|—|~|～|至|到)(\d{{1,2}})月|(\d{{1,2}})月(?:份)?|前({_FIRST_MONTHS})个?月)?(?:(\d{{1,2}})[日号])?")  # fmt: skip


_RELATIVE_YEAR = re.compile(r"(今年|去年(?!同期|同月|同季|同比)|前年|明年|全年|本年)(前三季度|一季度|二季度|三季度|四季度|首季度|首季|上半年|下半年|前半年|后半年)?"
                            rf"(?:(\d{{1,2}})(?:-|—|~|～|至|到)(\d{{1,2}})月|(\d{{1,2}})月|前({_FIRST_MONTHS})个?月)?")  # fmt: skip


# 5月份, 1~3月, 前4个月 with no year: of the article's year (or the year before,
# for a month after the article's); 5月9日 is a day, not a month's figure.
# (Each branch opens with its first character and then looks behind it, which
# is what (?<![\d年]) before the branches says: a pattern opening with a
# lookbehind is tried at every character, this one only at digits and 前.)
_BARE_MONTHS = re.compile(rf"(?:(\d(?<![\d年]\d)\d?)(?:-|—|~|～|至|到)(\d{{1,2}})月|(\d(?<![\d年]\d)\d?)月份?|前(?<![\d年]前)({_FIRST_MONTHS})个?月)"
                          r"(?![\d日号])")  # fmt: skip


# 1月4日: a day's figure (道指涨152.46点 of that day), of the article's year, or
# the year before for a month more than one after the article's; not a
# dateline's day (路透北京8月31日 - , 3月1日电, 5日讯).
_BARE_DAY = re.compile(r"(\d(?<![\d年]\d)\d?)月(\d{1,2})[日号](?!\s*[-－—](?!\s*\d)|电|讯|消息|[^，。；]{0,12}?(?:表示|称|宣布|获悉|透露))")


# A time in brackets restates the one before it on another clock or calendar
# (美东时间1月4日16：00（北京时间1月5日05：00）): the one outside is the figure's.
_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")


_DATELINE_AFTER = re.compile(r"\s*[-－—](?!\s*\d)|电|讯|消息")


_BARE_PART = re.compile(r"前三季度|第[一二三四]季度|[一二三四]季度|首季度?|上半年|下半年|前半年|后半年")


_QUARTERS = {"一季度": "Q1", "第一季度": "Q1", "二季度": "Q2", "第二季度": "Q2", "三季度": "Q3", "第三季度": "Q3",
             "四季度": "Q4", "第四季度": "Q4", "上半年": "H1", "下半年": "H2", "前半年": "H1", "后半年": "H2", "前三季度": "Q1-Q3", "全年": "",
             "半年度": "H1", "年度": "", "首季度": "Q1", "首季": "Q1"}  # fmt: skip


def _direction(text: str, start: int, floor: int) -> str | None:
    window = text[max(floor, start - 10) : start]
    last = _UP_TO_CLAUSE_END.match(window)
    clause = window[last.end() :] if last else window
    m = _DIRECTION.search(clause)
    if m and clause.endswith("转增", 0, m.end()):
        return None  # 每10股转增4股: a bonus issue, not a change
    if m and clause.startswith("为", m.end(1)) and _FROM_BEFORE.search(text, max(0, start - 30), start - len(clause) + m.start()):
        return None  # 从5.5%降为5.2%: the level reached, not a change (the 从 may be before the floor: the first figure)
    if not m:
        if (points := _POINTS_OR.search(text, max(0, start - 16), start)) is not None:  # across the points figure
            return "down" if points.group(1) in _DOWN_SET else "up"  # 升215点或1.23%: the percent of the same move
        if (rate := _VERB_THEN_RATE.search(text, max(floor, start - 18), start)) is not None:
            return "down" if rate.group(1) in _DOWN_SET else "up"  # 下调金融机构存款准备金率0.5个百分点
        return None
    if m.group(1) in ("高", "低", "多", "少") and (not _COMPARED.search(clause, 0, m.start()) or clause[m.start() - 1 : m.start()] in _NOT_COMPARED):
        return None  # 比上月末低0.3个百分点, 比上年同期多9108亿元 are changes; 较收盘价高17%, 比全国高1.8个百分点, 最高5% are not
    return "down" if m.group(1) in _DOWN_SET else "up"


# 从 or 由 in the same clause, before a verb + 为 (从5.5%降为5.2%).
_FROM_BEFORE = re.compile(r"[从由][^，。；！？,;!?\n]*$")


# The verb before what it moves, a rate or a ratio: 下调存款准备金率0.5个百分点.
_VERB_THEN_RATE = re.compile(r"(上调|下调|调高|调低|提高|降低|下降|上升)[\u4e00-\u9fff]{1,14}?(?:率|比例|比重|利率)$")


_POINTS_OR = re.compile(r"(涨|跌|升|降|上涨|下跌|上升|下降|大涨|大跌)\d+(?:\.\d+)?[点點][，,]?或$")


# 高/低 are a change only against an earlier time of the same thing (比上年,
# 较上月末, 比2019年同期, 比一季度); against another thing (较收盘价高17%, 比全国高)
# they compare two figures, which is no change.
_COMPARED = re.compile(r"(?:比|较)(?:上|去|前|同期|年初|月初|年末|月末|\d{4}年|[一二三四]季度|\d{1,2}月|[一二三四五六七八九十]{1,2}月)")


_NOT_COMPARED = set("最较偏更过新走")


def _sentence_before(text: str, start: int) -> str:
    """Up to 80 characters before `start`, from the start of its sentence."""
    floor = max(0, start - 80)  # bounded: an unbounded rfind made long texts without 。 quadratic
    lo = max(text.rfind("。", floor, start), text.rfind("\n", floor, start), text.rfind("；", floor, start), text.rfind("】", floor, start),
             start - 80)  # 【headline】 text: the headline is a sentence of its own
    return text[lo + 1 : start]


def _indicator(before: str) -> str | None:
    """The last indicator named in the words before a figure. Aho-Corasick
    (leftmost-longest, like the alternation it replaces) is 7× faster here."""
    found = None
    last_end = -1
    for i, start, end in _INDICATOR_AC.find_matches_as_indexes(before):
        word = INDICATORS[i]
        if word[0].isascii() and not _latin_word_at(before, start, end):
            continue  # the M2 of PM2.5
        if found is not None and _BASE_BEFORE.search(before, max(0, start - 12), start):
            continue  # 转股价…对1月17日收盘价高出22.35%: the close is what it is compared with
        if found is not None and before[end:] == "的" and _SHARE_OF.search(before, last_end, start):
            continue  # 提成比例是销售额的47.5%, 年保底租金相当于营收的34.56%: a share of the second, the first's figure
        if word in _OF_WHAT and found is not None and 0 <= start - last_end <= 1 and before[last_end:start] in ("", "总"):
            found = before[start - len(found) - (start - last_end) : end]  # 逆回购到期规模, 同业存单总到期规模: of what
        else:
            found = word
        last_end = end
    return found


_SHARE_OF = re.compile(r"(?:是|为|占|相当于)[^，。；]{0,10}$")
_BASE_BEFORE = re.compile(r"(?:对|相比|相较于?)(?:\d{1,2}月)?(?:\d{1,2}[日号])?的?$")


# Measures of something (规模 of what?): right after another indicator they
# are one name with it (逆回购 + 到期规模).
_OF_WHAT = frozenset(("到期规模", "发行规模", "业务收入", "余额", "贷款余额", "存款余额", "成交额", "成交量", "净买入", "净流入", "净卖出", "均价"))


# An exchange rate: 美元兑人民币中间价, 离岸人民币兑美元, 人民币对美元汇率中间价, 欧元兑美元.
_FX_NAMES = sorted((w for w, c in CURRENCIES.items() if len(w) >= 2 and c != "BTC" and w not in ("块钱", "港纸", "人民币元", "元人民币")),
                   key=len, reverse=True)  # fmt: skip


_FX_PAIR = re.compile(rf"(在岸|离岸)?({_alt(_FX_NAMES)})(?:兑换?|对)({_alt(_FX_NAMES)})(?:汇率)?(中间价)?")


# The words that put a rate's level right after them (现报6.3565, 升至6.3512, 跌破150).
_FX_LEVEL_BEFORE = re.compile(r"(?:报收于?|收报|报|收于|收在|至|[升跌]破|站上|失守|为)$")  # 升至, 调升112个基点至7.1088


# An index quoted without 点 (美元指数涨0.3%，报106.52; 恒指收报17012.5) is still in points.
_INDEX_NAME = re.compile(r"(?:指数|[沪深恒道纳]指|成指|板指|科创50|标普500|DXY)$")


# Currencies quoted per yuan when the yuan is named first (人民币兑日元中间价报20.512 is
# 20.512 yen per yuan); for the others the market quotes yuan per unit (人民币兑美元
# 6.3565 is 6.3565 yuan per dollar), as it does whenever the yuan comes second.
_PER_YUAN = frozenset({"JPY", "KRW", "RUB", "THB", "MYR", "HUF", "IDR", "VND", "PHP", "MMK", "TRY", "ZAR", "MXN", "SEK", "NOK", "DKK", "PLN", "TWD"})


def _fx_pair(before: str) -> tuple[str, str] | None:
    """The last exchange rate named in the words before a figure: (its name,
    the unit of its level as quote/base), or None."""
    if "兑" not in before and "对" not in before:
        return None
    last = None
    for last in _FX_PAIR.finditer(before):  # noqa: B007 (the last one is wanted)
        pass
    if last is None:
        return None
    where, first, second, fixing = last.groups()
    base, quote = CURRENCIES[first], CURRENCIES[second]
    if base == quote:
        return None
    if base == "CNY" and quote not in _PER_YUAN:
        base, quote = quote, base
    return f"{where or ''}{first}兑{second}{fixing or ''}", f"{quote}/{base}"


def _indicator_of(before: str, kind: str) -> str | None:
    """The indicator of a figure of `kind` after the words `before` it."""
    if before.endswith(("缩量", "放量")):
        return "成交额" if kind == "money" else "成交量"  # 较上个交易日缩量612亿元: the market's turnover, whatever was named before
    indicator = _indicator(before)
    mark = _LAST_MARK.match(before, max(0, len(before) - 24))  # the clause's start, in one pass
    clause = before[mark.end() :] if mark else before[-24:]
    # 生产总值6.66万亿元，财政总收入7019亿元: the clause's own name, not the one
    # before (skipped, cheaply, when the indicator found is in the clause)
    if (indicator is None or indicator not in clause) and (named := _clause_name(clause)) is not None and (
            indicator is None or _indicator(clause) is None):  # fmt: skip
        indicator = named
    if indicator is None and kind == "percent" and (pair := _fx_pair(before)):
        return pair[0]  # 欧元兑美元涨0.17%: the rate's move
    if indicator and indicator.endswith("率") and kind in ("money", "quantity"):
        return None  # 中标利率为1.8%，因今日有1800亿元逆回购到期: an amount is not a rate's figure
    if indicator is None and kind == "money" and _CLOSE_BEFORE.search(before):
        return "收盘价"  # 贵州茅台报收于1688.00元: the closing price
    return indicator


# What a clause names before its figure when the vocabulary knows no word of
# it: a noun phrase ending in a measure (财政总收入, 综合交通网总规模, 可再生能源
# 装机占比, 股票建议配比), before the verb and qualifiers that lead to the figure.
_CLAUSE_VERBS = re.compile(r"(?:同比|环比|累计|合计|共计|共|已经|已|仍|则|也|将|均|预计|全年|年均|一度)*(?:[由从](?:\d{4}年(?:底|末)?的?)?)?"
                           r"(?:增长|下降|突破|超过|达到了|达到|达|为|是|约|近|逾|仅为|仅|升至|降至|增至|降到|升到|跌到|跌至|涨到|涨至|提高到|提高至|保持在|维持在|在)?"
                           r"(?:约|近|超|逾)?(?:每(?:公斤|吨|斤|股|头|桶|克|盎司))?")
_MEASURES = ["收入", "总值", "总额", "规模", "里程", "吞吐量", "装机", "占比", "比重", "贡献率", "配比", "均价", "价格", "价", "水平", "产量",
             "销量", "利润", "营收", "余额", "总量", "人数", "户数", "经营主体", "金额", "产值", "增加值", "储量", "产能", "需求量", "出口量",
             "进口量", "覆盖率", "普及率", "城镇化率", "利用率", "投资", "利率", "倍数", "比例", "资本", "幅度", "效力", "市值", "撤回率", "量"]  # fmt: skip
# Every occurrence, overlapping ones too: the measure that ends the name may end inside a longer one.
_MEASURE_AC = ahocorasick_rs.AhoCorasick(_MEASURES)
_LAST_MARK = re.compile(r".*[，。；：、,;:\n（(]", re.S)
_LEADING = re.compile(r"^(?:但|而|且|并|则|其中|其|本月|上月|当月|今年|去年|全年|年内|目前|现在|本周|当前|此轮|本轮|该|此|这一|这|公司|集团|现阶段)+")
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]")


def _clause_name(clause: str) -> str | None:
    """The name a clause gives its figure when the vocabulary knows none: the
    Chinese words (at most 16 characters) that end in a measure (收入, 规模,
    价格, 占比…) right before the verb and qualifiers that lead to the figure
    (财政总收入7019亿元, 高速公路通车里程突破1万公里). 商品猪的价格 is 商品猪价格,
    产业集群对工业贡献率 is 工业贡献率; a measure alone (占比, 收入) names nothing.
    The measures are found by Aho-Corasick, and only the last that reaches the
    verbs is tried (a pattern anchored at the clause's end was tried at every
    position: 10% of extraction)."""
    found = None
    for i, _, end in _MEASURE_AC.find_matches_as_indexes(clause, overlapping=True):
        if _CLAUSE_VERBS.fullmatch(clause, end):
            found = (i, end)
    if found is None:
        return None
    i, end = found
    head = clause[max(0, end - 16) : end]
    bad = [m.end() for m in _NOT_HAN.finditer(head)]
    name = _LEADING.sub("", head[bad[-1] :] if bad else head).rsplit("对", 1)[-1].rsplit("将", 1)[-1]
    if "的" in name:
        parts = name.split("的")
        name = _LEADING.sub("", parts[-1] if len(parts[-1]) > 2 else parts[-2] + parts[-1])
    return name if len(name) >= len(_MEASURES[i]) + 2 else None


def _latin_word_at(text: str, start: int, end: int) -> bool:
    """A Latin indicator is a word of its own: the M2 of PM2.5 is not money supply."""
    return not (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()) and not (
        end < len(text) and (text[end].isascii() and text[end].isalnum() or text[end] == "."))


_INDICATOR_AC = ahocorasick_rs.AhoCorasick(INDICATORS, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


_SUBJECT_SUFFIX = re.compile("[省市县区州盟旗镇乡]")


_PROVINCE_AC = ahocorasick_rs.AhoCorasick(PROVINCES)  # Standard: every start, overlapping ones too


_PROVINCE_CHARS = re.compile(f"[{''.join(sorted({p[0] for p in PROVINCES}))}]")


def _subject(before: str) -> str | None:
    """The last place-like word in the words before a figure: the last match
    of _SUBJECT.finditer(before). A match ends two to six characters after
    its start at a place suffix (省, 市…) or is a province's name, so the
    pattern is tried only at those starts (a few per sentence instead of every
    character; most sentences have none), in order, each after the end of the
    match before it: the same matches as the scan."""
    starts = {s for m in _SUBJECT_SUFFIX.finditer(before) for s in range(max(0, m.start() - 6), m.start() - 1)}
    if _PROVINCE_CHARS.search(before):
        starts.update(s for _, s, _ in _PROVINCE_AC.find_matches_as_indexes(before, overlapping=True))
    last, pos = None, 0
    for s in sorted(starts):
        if s >= pos and (m := _SUBJECT.match(before, s)) is not None:
            last, pos = m, m.end()
    return last.group() if last else None


# A market's day named without its month or by its weekday (31日收盘, 北京时间31日
# 上午, 周三开盘, 今日收盘): the day of the article's date or the last such day
# before it. Only with a market's word right after: 周三公布的数据 names when a
# figure was published, not its period. Not 近5日, 5日均线, 31日电 (a dateline).
_DAY_ALONE = re.compile(r"(?<![\d月号近前后每续去第数几这])(\d{1,2})[日号](?!均|内|以来|线|后|起|期|之|连|累计|电|讯|消息|移动|前)")
_WEEKDAY = re.compile(r"(?<![上下本每当])(?:周|星期|礼拜)([一二三四五六日天])(?!末)")
_TODAY = re.compile(r"(今日|今天|昨日|昨天)")
_MARKET_AFTER = re.compile(r"[^。；，,]{0,6}?(?:收盘|开盘|盘中|午盘|早盘|尾盘|收市|收报|报收|收涨|收跌|收于|上午|下午|早间|晚间|盘后|盘前|盘初|日内|夜盘"
                           r"|净流入|净流出|净买入|净卖出)")
# 隔夜美股, 隔夜道指: the American (or European) session that closed the night
# before the article's day (隔夜利率, 隔夜Shibor are today's overnight rates).
NOT_A_RATE = r"(?!(?i:shibor)|利率|拆借|回购|逆回购|资金|质押)"  # 隔夜shibor, 隔夜利率: today's overnight rates
_OVERNIGHT = re.compile("隔夜" + NOT_A_RATE)  # 隔夜苹果大涨 too; not 隔夜shibor


def _market_days(before: str, today: date) -> list[tuple[int, str]]:
    """(end, day) of each market's day named in `before`."""
    out = []
    for m in _DAY_ALONE.finditer(before) if "日" in before or "号" in before else ():
        n, year, month = int(m.group(1)), today.year, today.month
        if n > today.day:
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        if 1 <= n <= calendar.monthrange(year, month)[1] and _MARKET_AFTER.match(before, m.end()) and not _is_base(before, m):
            out.append((m.end(), f"{year}-{month:02d}-{n:02d}"))
    for m in _WEEKDAY.finditer(before) if "周" in before or "星期" in before or "礼拜" in before else ():
        if _MARKET_AFTER.match(before, m.end()):
            back = (today.weekday() - min("一二三四五六日天".index(m.group(1)), 6)) % 7
            out.append((m.end(), (today - timedelta(days=back)).isoformat()))
    for m in _TODAY.finditer(before) if "今" in before or "昨" in before else ():
        if _MARKET_AFTER.match(before, m.end()):
            out.append((m.end(), (today - timedelta(days=0 if m.group(1)[0] == "今" else 1)).isoformat()))
    for m in _OVERNIGHT.finditer(before) if "隔夜" in before else ():
        out.append((m.end(), (today - timedelta(days=1)).isoformat()))
    return out


def _period(before: str, today: date | None) -> str | None:
    """The period named in the words before a figure (`_sentence_before`)."""
    if "年" not in before and "月" not in before and "季" not in before:
        days = _market_days(before, today) if today is not None else []  # every pattern below needs one of them
        return max(days)[1] if days else None
    found: list[tuple[int, str]] = []  # (end, period): the one nearest the figure wins
    if "（" in before or "(" in before:
        before = _BRACKETED.sub(lambda m: "　" * len(m.group()), before)  # same length: positions stay
    has_year = "年" in before  # each pattern is tried only where the character it needs is there
    for m in _YEAR.finditer(before) if has_year else ():
        if not _is_base(before, m):
            dateline = m.group(5) and _DATELINE_AFTER.match(before, m.end())
            if dateline and not before.startswith("讯", m.end()):
                continue  # 2011年3月9日电: when the story was filed, no period of its figures (nor its month)
            day = m.group(7) if m.group(5) else None  # 2021年12月8日讯，…中标利率为: a flash's data of that day
            found.append((m.end(), _period_of(int(m.group(1)), m.group(2), m.group(3) or (m.group(6) and "1"), m.group(4) or m.group(6),
                                              m.group(5), day)))  # fmt: skip
    if today is not None and has_year:
        named_year = bool(found)
        for m in _RELATIVE_YEAR.finditer(before):  # 2015-2016年…，今年偿还量: this year's
            if m.start() > 0 and before[m.start() - 1] in "比较":
                continue  # 气候较去年明显偏低: compared with last year, not last year's (今年以来 is this year's)
            if named_year and m.group(1) == "去年" and before.startswith(("为", "是", "的"), m.end()):
                continue  # 2023年营收5亿元，去年为4亿元: the year before the one named (_year_before_periods)
            if named_year and m.group(1) == "全年" and not any(m.group(i) for i in range(2, 7)):
                continue  # 2016年，碧桂园全年销售金额为3097亿: the whole of the year named, not the article's
            offset = {"今年": 0, "全年": 0, "本年": 0, "去年": -1, "前年": -2, "明年": 1}[m.group(1)]
            found.append((m.end(), _period_of(today.year + offset, m.group(2), m.group(3) or (m.group(6) and "1"), m.group(4) or m.group(6),
                                              m.group(5))))  # fmt: skip
    if found:
        return _unless_present(before, found)
    if today is not None and ("季" in before or "半年" in before):
        # 一季度 with no year: of the article's year (a report on last year's
        # fourth quarter early in January says 去年 or the year)
        parts = [m for m in _BARE_PART.finditer(before) if not _is_base(before, m)]
        if parts:
            found.append((parts[-1].end(), _period_of(today.year, parts[-1].group(), None, None, None)))
    if today is not None and "月" in before:
        months = [m for m in _BARE_MONTHS.finditer(before) if not _is_base(before, m)]
        if months:
            m = months[-1]
            last = _month(m.group(2) or m.group(3) or m.group(4))
            first = m.group(1) or (m.group(4) and "1")
            if 1 <= last <= 12:
                found.append((m.end(), _period_of(_year_of_month(last, today), None, first, str(last) if first else None,
                                                  None if first else str(last))))  # fmt: skip
        if not found and (days := [m for m in _BARE_DAY.finditer(before) if not _is_base(before, m)]):
            m = days[-1]
            month = int(m.group(1))
            if 1 <= month <= 12:
                found.append((m.end(), _period_of(_year_of_month(month, today), None, None, None, str(month), m.group(2))))
    if today is not None:
        found.extend(_market_days(before, today))
    return _unless_present(before, found) if found else None


_PRESENT = re.compile(r"目前|现在|现阶段")


def _unless_present(before: str, found: list[tuple[int, str]]) -> str | None:
    """The period found nearest the figure, unless the present is named after
    it (预计2021年底…超过7000万头，目前…存栏量在3600万头左右: now's, no period)."""
    end, period = max(found)
    if ("目前" in before or "现在" in before or "现阶段" in before) and _PRESENT.search(before, end):
        return None
    return period


def _year_of_month(month: int, today: date) -> int:
    """The year of a month named without one: the article's, or the year before
    for a month more than two after the article's (an article of 31 August on
    10月 means this October; one of 5 January on 12月, last December)."""
    return today.year if month <= today.month + 2 else today.year - 1


def _is_base(before: str, m: re.Match) -> bool:
    """比9月末增加424万平方米, 比2019年同期高, 恢复至2019年同期的89.8%, 2021年3月以来:
    the period compared with or counted from, not the figure's own."""
    # 2021年3月以来首次: since; 于2023年到期票据: when a note falls due, not the figure's period;
    # 与上半年相比: the base;
    # 对1月17日收盘价高出22.35%: the close compared with
    return ((m.start() > 0 and before[m.start() - 1] in "比较") or before.startswith(("同期", "以来", "到期", "相比", "相较"), m.end())
            or (m.start() > 0 and before[m.start() - 1] == "对" and _CLOSE_AFTER.match(before, m.end()) is not None))


_CLOSE_AFTER = re.compile(r"(?:\d{1,2}[日号])?的?收(?:盘|市)价")


def _month(s: str) -> int:
    """A month's number, in Arabic or Chinese digits (11, 十一, 两)."""
    return int(s) if s.isdigit() else int(parse_numeral(s) or 0)


_SPANS = {(1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4", (1, 6): "H1", (7, 12): "H2", (1, 9): "Q1-Q3", (1, 12): ""}


def _period_of(year: int, part: str | None, m_from: str | None, m_to: str | None, month: str | None, day: str | None = None) -> str:
    if part:
        q = _QUARTERS.get(part, "")
        return f"{year}{q}"
    if m_from and m_to:
        first, last = int(m_from), _month(m_to)
        # 1-3月 is the first quarter, 1-6月 the first half: one name for one span,
        # so a chart's 一季度 and 1-3月 are the same point
        return f"{year}{_SPANS[first, last]}" if (first, last) in _SPANS else f"{year}-{first:02d}/{year}-{last:02d}"
    if month and 1 <= int(month) <= 12:
        if day and 1 <= int(day) <= calendar.monthrange(year, int(month))[1]:
            return f"{year}-{int(month):02d}-{int(day):02d}"  # a day's figure: 2021-10-11
        return f"{year}-{int(month):02d}"
    return str(year)


# How far an indicator or a period carries to the figures after it: over
# clauses and sentences, and one paragraph break, until the text names another.
_CARRY_GAP = 160


def _carried(text: str, figs: list[Figure], today: date | None) -> list[Figure]:
    """Indicator and period carry over to the figures after the one that has
    them, until the text names another (PMI为52.2%，环比回落0.7个百分点。…
    但比去年同期仍回升0.2个百分点: all three PMI of 2011-02). An indicator
    carries to a figure of the same kind (an amount to an amount, a rate to a
    rate, 万辆 to 万辆) or to a rank (广东省以27117.96亿元居于全国首位); a gap that
    names an indicator, or a period of its own (比去年同期 is a base, not one),
    stops it, as does more than one paragraph break."""
    if len(figs) < 2:
        return figs
    out = list(figs)
    last_indicator: dict[tuple, int] = {}  # kind key -> index of the last figure with an indicator
    last_period = -1
    this_month = "本月" in text
    for i, f in enumerate(out):
        shown = f.kind != "number" or f.unit is not None
        key = _carry_key(f)
        month_before = False
        if (shown and f.period is None and last_period < 0 and this_month and today is not None
                and _THIS_MONTH.search(_sentence_before(text, f.start))):  # fmt: skip
            # 本月股票建议配比仍为66.9% in a text that named no month before: the article's month
            f = out[i] = f._replace(period=f"{today.year}-{today.month:02d}")
        if shown and f.indicator is None:
            j = last_indicator.get(key, -1) if f.kind != "rank" else max(last_indicator.values(), default=-1)
            if (f.kind == "percent" and f.direction and i > 0 and out[i - 1].kind in ("money", "quantity") and out[i - 1].indicator
                    and out[i - 1].end <= f.start and "。" not in text[out[i - 1].end : f.start] and _gap_ok(text, out[i - 1].end, f.start)):  # fmt: skip
                j = i - 1  # 注册资本增至约7142.86万元，增幅约43%: the change of the amount just before, not the last rate's
            if (j >= 0 and _gap_ok(text, out[j].end, f.start) and not _names_indicator(text, out[j].end, f.start)
                    and not _own_topic(text, out[j].end, f.start)):  # fmt: skip
                f = out[i] = f._replace(indicator=out[j].indicator)
        if shown and f.period is None and i > 0 and _gap_ok(text, out[i - 1].end, f.start):
            # the period named since the figure before (一季度GDP数据。…广东省稳居第一), else that figure's
            # (cheap tests first: most figures of a flash have no period to carry)
            gap = text[out[i - 1].end : f.start]
            named = _period(gap, today) if today is not None and _TIME_CHARS.search(gap) else None
            period = named
            if period is None and last_period >= 0 and _gap_ok(text, out[last_period].end, f.start):
                since = text[out[last_period].end : f.start]
                period = out[last_period].period if not _TIME_CHARS.search(since) or _period(since, _ANY_DAY) is None else None
                if period is not None and len(period) == 10 and "。" in since and not _MARKET_WORDS.search(_sentence_before(text, f.start)):
                    period = None  # a day's quote (隔夜苹果大涨逾3%) is not what the next sentence's other figures are of
            own = _OWN_TIME.search(_sentence_before(text, f.start))
            if period is not None and not own:
                f = out[i] = f._replace(period=period)
            elif own and own.group() in ("上月", "上个月") and last_period >= 0 and _gap_ok(text, out[last_period].end, f.start):
                # 本月股票建议配比为10%，上月为14.4%: the month before the text's (and not what carries on)
                f = out[i] = f._replace(period=_month_before(out[last_period].period))
                month_before = True
        if f.indicator is not None and shown:
            last_indicator[key] = i
        if f.period is not None and shown and not month_before:
            last_period = i
    return out


# A time of its own (本周, 周三, 昨日, 近5日; a market's day is written by
# _market_days): no other period carries to the figure. Not 本月, 当月: the
# month the text is about; not 比上月: a base.
_OWN_TIME = re.compile(r"本周|上周|下周|当周|全周|周[一二三四五六日末]|昨日|今日|昨天|今天|当天|当日|前一交易日|隔夜(?=美|欧|道|纳|标普)|(?<![比较])上个?月|下月"
                       r"|近[\d一二三四五六七八九十两]{1,3}(?:个交易)?日"
                       r"|现在|现阶段|這幾年|这几年|近几年|近年来?|如今|目前|当前")  # the present: no year named before carries to it


_MARKET_WORDS = re.compile(r"收盘|开盘|盘中|收市|成交|股价|报收|收报|收于|涨|跌|指数?|汇率|收益率")
_TIME_CHARS = re.compile("[年月季]")  # what every period _period reads needs one of


_ANY_DAY = date(2000, 1, 1)  # to see whether a gap names a time (5月9日) when the text's date is not known


# The words of a clause before its verb that are no topic of their own: 但比去年同期仍回升 names none, 粮食增产 and 利率下调 do.
_TOPIC = re.compile(r"([\u4e00-\u9fff]{2,}?)(?:同比|环比)?(?:增产|减产|增长|下降|上涨|下跌|减少|增加|回落|回升|上调|下调|提高|降低|为|达到?|是|高|低)[^，。；！？\n]*$")


_NO_TOPIC = re.compile(r"但|而|仍|也|均|都|已|又|再|则|虽然|其中|分别|全年|累计|共|合计|实现|完成|比去年同期|较去年同期|比上年同期|较上年同期|上月|上年|去年|前值|此前|"
                       r"比上年|较上年|比上月|较上月|比去年|较去年|同比|环比|同期|幅度|涨幅|增幅|降幅|约|近|超|逾|达|较|比")


def _own_topic(text: str, start: int, end: int) -> bool:
    """Whether the clause of the figure at `end` names what it is about
    before its verb (粮食增产3%, 利率下调半个百分点): then no indicator carries
    to it from an earlier clause."""
    clause = text[max(start, end - 24) : end]
    cut = max(clause.rfind(c) for c in "，。；！？\n")
    m = _TOPIC.search(clause, cut + 1)
    return m is not None and len(_NO_TOPIC.sub("", m.group(1))) >= 2


_THIS_MONTH = re.compile(r"(?<![比较])本月(?!以来)")


def _month_before(period: str | None) -> str | None:
    """2018-08 -> 2018-07, 2018-01 -> 2017-12; None for a period that is no month."""
    if period is None or not re.fullmatch(r"\d{4}-\d\d", period):
        return None
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _carry_key(f: Figure) -> tuple:
    if f.kind == "percent":
        return ("percent",)
    if f.kind == "money":
        # an amount in 万 or 亿 (净流入73.66亿) does not carry to a price (报14.5元)
        return ("money", any(c in f.text for c in "万亿萬億兆"))
    return (f.kind, f.unit) if f.kind == "quantity" else (f.kind,)


def _gap_ok(text: str, start: int, end: int) -> bool:
    return 0 <= end - start <= _CARRY_GAP and text.count("\n\n", start, end) <= 1


def _names_indicator(text: str, start: int, end: int) -> bool:
    return any(True for _ in _INDICATOR_AC.find_matches_as_indexes(text[start:end]))


_YEAR_BEFORE = re.compile(r"(上年|去年)(同期|同月|全年)?(?:的|为|是)$")


_A_YEAR = re.compile(r"(?:19|20)\d\d")


def _year_before_periods(text: str, figs: list[Figure]) -> list[Figure]:
    """较上年同期的10.2亿元增长22.5%: 10.2亿元 is the year before's figure, so
    its period is the sentence's moved back a year (2023H1 -> 2022H1)."""
    out = []
    for f in figs:
        if f.period and (m := _YEAR_BEFORE.search(text, max(0, f.start - 8), f.start)):
            # a bare 去年为 already gave the period of the year before (today's
            # year - 1) unless the sentence names a year: then it is moved too
            if m.group(1) == "上年" or (m.group(2) or "").startswith("同") or _YEAR.search(_sentence_before(text, f.start)):
                f = f._replace(period=_A_YEAR.sub(lambda y: str(int(y.group()) - 1), f.period))
        out.append(f)
    return out


# A heading: a line of its own, no sentence in it, that is a numbered section
# (一、2025年工作回顾; 二、“十五五”时期主要目标任务) or short and names a year (2021年
# 一季度各省GDP出炉).
_HEADING = re.compile(r"\s*([一二三四五六七八九十]{1,3}、[^。；！？]{0,30}|[^。；！？，,]{0,16}?(?:19|20)\d\d年[^。；！？，,]{0,16})\s*")


_DAY = re.compile(r"\d{1,2}月\d{1,2}[日号]")


def _heading_periods(text: str, figs: list[Figure], today: date | None) -> list[Figure]:
    """A figure whose sentence names no period is of the period of the last
    heading before it (a government report's figures under 一、2025年工作回顾
    are 2025's, those under 二、2026年主要目标任务 2026's)."""
    headings: list[tuple[int, str | None]] = []
    year_of = today
    at = 0
    for line in text.split("\n"):  # a few lines per text: short ones only go to the pattern
        m = _HEADING.fullmatch(line) if len(line) <= 48 else None
        if m is None:
            pass
        elif _DAY.search(m.group(1)):
            headings.append((at, None))  # 财经早餐2024年8月15日: a date line, not the period of what follows
        else:
            period = _period(m.group(1), year_of)
            if period and (year := re.match(r"\d{4}", period)):
                year_of = date(int(year.group()), 12, 31)  # 一、1-3月… under 2011年一季度…分析 is of 2011
            headings.append((at, period))
        at += len(line) + 1
    if not any(p for _, p in headings):
        return figs
    starts = [at for at, _ in headings]
    out = []
    for f in figs:
        if (f.period is None and f.kind != "number" and (i := bisect.bisect_right(starts, f.start) - 1) >= 0 and headings[i][1]
                and not _OWN_TIME.search(_sentence_before(text, f.start))):  # 现在…降到6.7%左右 under 2018年…: the present's  # fmt: skip
            f = f._replace(period=headings[i][1])  # a heading without a year (二、“十五五”时期…) ends the one before
        out.append(f)
    return out


# What a price quoted after these words is, when no indicator is named (贵州茅台报收于1688元).
_CLOSE_BEFORE = re.compile(r"(?:报收于?|收报|收于|收盘报|收盘价为?)$")


def _period_before(text: str, start: int, before: str, today: date | None) -> str | None:
    """The period of a figure: named in its sentence, or in the clauses before
    a ； that ends the words read (2023年，全省GDP增长5.8%；一般公共预算收入增长7.1%:
    both 2023's), or in the sentence before one that opens with 其中. The
    indicator does not carry over a ；, the period does."""
    period = _period(before, today)
    head = start - len(before) - 1
    if period is not None or "年" in before or "月" in before or "日" in before or "季" in before:
        return period  # a clause that names a time of its own (5月9日上涨3%) takes no other
    after = before  # the clause after `head`
    for _ in range(3):  # back over at most three clauses, each to the ； before it
        if head < 0 or not (text[head] == "；" or text[head] == "。" and after.startswith("其中")):
            return None  # and over a 。 only into the sentence that 其中 ("of which") refers to
        clause = _sentence_before(text, head)
        if (period := _period(clause, today)) is not None:
            return period
        head -= len(clause) + 1
        after = clause
    return None
