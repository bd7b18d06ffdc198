"""Economic figures in Chinese text (pure): amounts, counts, measures,
percentages, rankings, with approximation, direction of change, indicator,
subject and period, each with its exact character span.

One pass of one compiled regular expression finds candidate spans (a number
with what may stand around it: 约/超/逾 before, a second number of a range,
a unit, 左右/以上 after); small functions then read each match. Years, months
and days are periods, never figures.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from caixun.enrich.context import (  # noqa: F401 (INDICATORS: re-exported)
    _CHANGE_BEFORE,
    _CLAUSE_END,
    _DIRECTION,
    _FX_LEVEL_BEFORE,
    _INDEX_NAME,
    _INDICATOR_AC,
    _RATE_AS_LEVEL,
    _SPANS,
    INDICATORS,
    _carried,
    _direction,
    _fx_pair,
    _heading_periods,
    _indicator,
    _indicator_of,
    _period_before,
    _sentence_before,
    _subject,
    _year_before_periods,
)
from caixun.enrich.numbers import (
    BIG_UNITS,
    DIGITS,
    LATIN_SCALE,
    SMALL_UNITS,
    TENS,
    parse_numeral,
    to_ascii_digits,
)
from caixun.enrich.patterns import _alt
from caixun.enrich.units import (
    COUNTERS,
    CURRENCIES,
    CURRENCY_CENTS,
    CURRENCY_SIGNS,
    MEASURES,
    PER,
    PERCENT_UNITS,
    SUBUNITS,
    TIME_WORDS,
    fold_traditional,
)


class Figure(NamedTuple):
    """One figure. A NamedTuple rather than a frozen dataclass: a text yields
    a figure every 40 characters or so, and a frozen dataclass's __init__
    (one object.__setattr__ per field) was 8% of extraction."""

    text: str
    start: int
    end: int  # exclusive
    kind: str  # number | money | quantity | percent | rank
    value: str
    value_max: str | None = None
    unit: str | None = None
    approx: str | None = None  # about | over | under
    direction: str | None = None  # up | down
    indicator: str | None = None
    subject: str | None = None
    period: str | None = None
    scope: str | None = None  # of a rank: 晋中 in 排名晋中第一

    def as_dict(self) -> dict:
        # a dict display: twice as fast as _asdict(), which zips the fields
        return {"text": self[0], "start": self[1], "end": self[2], "kind": self[3], "value": self[4],
                "value_max": self[5], "unit": self[6], "approx": self[7], "direction": self[8],
                "indicator": self[9], "subject": self[10], "period": self[11], "scope": self[12]}  # fmt: skip


def _units_alt(words) -> str:
    """Like _alt, but a Latin unit must end its word (1.8 mS/cm is not metres,
    …da3423515cc3235520, a hash, is no volume)."""
    return _alt(words, lambda w: "(?![A-Za-z0-9])" if w[-1].isascii() and w[-1].isalpha() else "")


_CN_DIGITS = "".join(DIGITS)
_CN_ALL = _CN_DIGITS + "".join(TENS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_ARABIC = r"(?:(?:\d{1,3}+(?:[,，]\d{3})+|\d++)(?:\.\d++)?|\.\d++)(?:[eE][+-]?\d{1,3}(?![\dA-Za-z]))?"  # 2.7890e-1
# 千, 兆 and 百 begin unit words too (千瓦, 兆字节, 千米): there they are not scales.
_UNIT_PREFIXED = r"(?:瓦|卡|米|字节|克|赫|比特|焦|帕|伏|升)"
_CN_CHAR = rf"[{_CN_DIGITS}{''.join(TENS)}十拾百佰万萬亿億]|[千仟兆](?!{_UNIT_PREFIXED})|个(?=[万亿])"
# A numeral: Arabic and Chinese digits, scale characters, 点 as a decimal
# point, 几/数 (vague digits), 多/余 before a scale (十多万), a Latin suffix.
_NUM = (
    rf"(?:[-−+]|[负負]\s?)?(?:{_ARABIC}|{_CN_CHAR}|[几幾数半](?=[十百千万亿萬億]))"
    rf"(?:{_ARABIC}|{_CN_CHAR}|[点點](?=[\d{_CN_DIGITS}])|[几幾]|[多余](?=[万萬亿億]))*"
    rf"(?:[kKwWM](?![a-zA-Z]))?"
)
_APPROX_BEFORE = {"约": "about", "约为": "about", "约合": "about", "约达": "about", "大约": "about", "大约为": "about",
                  "大概": "about", "近": "about", "将近": "about", "接近": "about",
                  "超": "over", "超过": "over", "逾": "over", "高达": "over", "至少": "over", "不少于": "over",
                  "不低于": "over", "不小于": "over", "不高于": "under", "不多于": "under", "不大于": "under",
                  "不到": "under", "不足": "under", "最多": "under", "不超过": "under", "少于": "under", "低于": "under"}  # fmt: skip
_APPROX_AFTER = {"左右": "about", "上下": "about", "前后": "about", "以上": "over", "多": "over", "余": "over",
                 "有余": "over", "以下": "under", "以内": "under", "之内": "under"}  # fmt: skip
_CURRENCY_FIRST = {w: c for w, c in CURRENCIES.items() if w not in ("元", "块", "块钱", "圆")}
# Tenths of a yuan as the unit itself: 两毛五 = 0.25 CNY, 2角 = 0.2 CNY (毫 in Hong Kong).
_JIAO = ("毛", "角", "毫", "仙")
_CNY_OR_HKD = {"毫": "HKD", "仙": "HKD"}
_UNIT_WORDS = (list(CURRENCIES) + list(CURRENCY_CENTS) + list(MEASURES) + COUNTERS + list(PERCENT_UNITS) + TIME_WORDS
               + ["折", "打", "对", "對", "双", "雙", "倍", *_JIAO])  # fmt: skip
_TIME_WORDS = frozenset(TIME_WORDS)
_PRICE = rf"(?:{_alt([*CURRENCIES, *CURRENCY_CENTS])})(?:/|每)(?:{_alt(PER)})"  # 元/吨, 美分/磅
_MEASURE_AFTER_GE = [w for w in MEASURES if len(w) > 1 and not w.isascii()] + ["升", "吨", "米", "亩"]
_PRICE_RE = re.compile(_PRICE)
_SEP = r"至|到|~|～|——|--|-|－|—|–"
# Every character a figure can start with. The pattern below opens with
# optional groups, so the regex engine cannot skip ahead on its own and tries
# a full match at every position; a lookahead on this class first lets it
# skip the other ~80% of characters in C (2.6× faster scan, same matches).
_FIRST_CHARS = "".join(sorted({w[0] for w in (*_APPROX_BEFORE, *CURRENCY_SIGNS, *_CURRENCY_FIRST, "百", "佰", "千", "仟", "万", "萬")}
                              | set("-−+负負0123456789.几幾数半个") | set(_CN_ALL)))  # fmt: skip
# "Per one" after a price: 3块5一斤, 200元一天 (the 一 is no digit of the amount).
_PER_ONE_WORDS = sorted((w for w in PER if "\u4e00" <= w[0] <= "\u9fff"), key=len, reverse=True)
_PER_ONE = rf"一(?:{_alt(_PER_ONE_WORDS)})"
_PER_ONE_AFTER = re.compile(rf"一({_alt(_PER_ONE_WORDS)})(?![\u4e00-\u9fff])|一(斤|公斤|千克|克|件|张)")
# Before a price only the units of goods (一斤3块, 一吨3000元): 一度 and 一年 are "once" and "a year".
_PER_ONE_BEFORE = re.compile(r"(?<![\d零一二三四五六七八九十百千万亿两])一(斤|公斤|千克|克|吨|桶|盎司|平方米|平米|亩|个|件|张|辆|头|升|立方米)$")
_MONEY_AT = re.compile(rf"\s?[\d{_CN_DIGITS}][\d{_CN_ALL}.]*\s?(?:{_alt(CURRENCIES)})")
_PATTERN = re.compile(
    rf"(?=[{re.escape(_FIRST_CHARS)}])"
    rf"(?P<pre>{_alt(_APPROX_BEFORE)})?"
    rf"(?:(?P<sign>{_alt(CURRENCY_SIGNS)}|{_alt(_CURRENCY_FIRST)})[ \t]?)?"  # a line break never starts a figure
    rf"(?P<pctpre>百分之|佰分之|千分之|仟分之|万分之|萬分之|百万分之|千万分之|万万分之|百万万分之)?"
    rf"(?P<n1>{_NUM})"
    rf"(?:(?P<fracof>分之)(?P<fracnum>{_NUM}))?"
    rf"(?:\s?(?P<u1>{_PRICE}|{_alt(CURRENCIES)}|{_alt(PERCENT_UNITS)}))?(?:\(含\)|（含）)?"
    rf"(?:\s?(?P<sep>{_SEP})\s?(?P<pctpre2>百分之)?(?P<n2>{_NUM}))?"
    rf"(?P<mid>多|余)?"
    rf"(?:\s?(?:个|個)(?=(?:{_alt(_MEASURE_AFTER_GE)})))?"  # 六個加侖: the measure is the unit
    rf"(?:\s?(?P<unit>{_PRICE}|{_units_alt(_UNIT_WORDS)}))?"
    rf"(?P<sub>半|[{_CN_DIGITS}\d]+[角毛毫](?:[{_CN_DIGITS}\d]+[分仙]|(?!{_PER_ONE})[{_CN_DIGITS}](?![\d{_CN_ALL}]))?|[{_CN_DIGITS}\d]+[分仙](?!钟)"
    rf"|零[{_CN_DIGITS}\d](?![\d{_CN_ALL}])|[{_CN_DIGITS}\d](?:(?![\d{_CN_ALL}点.]|{_alt(CURRENCIES)})|(?={_PER_ONE})))?"
    rf"(?P<post>{_alt(_APPROX_AFTER)})?"
)
_FRACTION_PREFIX = {"百分之": 1, "佰分之": 1, "千分之": Decimal("0.1"), "仟分之": Decimal("0.1"), "万分之": Decimal("0.01"),
                    "萬分之": Decimal("0.01"), "百万分之": Decimal("0.0001"), "千万分之": Decimal("0.00001"),
                    "万万分之": Decimal("0.000001"), "百万万分之": Decimal("0.00000001")}  # fmt: skip
_MULTIPLIERS = {"打": 12, "对": 2, "對": 2, "双": 2, "雙": 2}
_RANK = re.compile(rf"(?P<verb>排名|排在|排|位列|位居|位于|居|列|名列|跻身)?(?P<scope>[\u4e00-\u9fff]{{0,6}}?)第(?P<n>[{_CN_ALL}\d]+)(?P<tail>名|位)?(?=[，。；、,;：:）)\s]|$|[\u4e00-\u9fff])")
_RANK_NOT = re.compile(r"第[\d一二三四五六七八九十百千两零]+(?:名|位)?(?:季度|季|次|批|期|届|条|章|节|方|天|年|个|家|轮|号|波|阶段|步|款|项|部|代|版|场|周|日|月|例|笔|单|只|支|时间|议题|书记|责任|线|梯队|种|类|产业|大类"
                      r"|中学|小学|中心|医院|人民医院|处理厂|工厂|分厂|车间|分公司|支行|分行|监狱|看守所|中级人民法院|中级法院|人民法院"
                      r"|法院|检察院|研究所|研究院|设计院)")  # ordinals in names
# Words after which an amount in 万 or 亿 without a unit is yuan (净流出73.66亿,
# 成交额8000亿, 营收1.2万亿): money flows, turnover, revenue, output, budgets.
_MONEY_WORDS = re.compile(
    r"(?:净流入|净流出|净买入|净卖出|净买额|净卖额|成交额|成交金额|融资额?|募资|募集资金|营收|营业收入|营业总收入|净利润|利润总额|利润|"
    r"净利|市值|资金|金额|余额|贷款|存款|投资额?|收入|销售额|交易额|出口额|进口额|进出口额|GDP|生产总值|增加值|产值|税收|"
    r"支出|补贴|估值|规模以上工业增加值|亏损|净亏损|负债|债务|净资产|总资产|租金|销售|总额|营业额|收益|开支|预算|造价|注册资本|"
    r"保费|罚款|损失|票房|年薪)"
    r"(?:为|达|达到|约|约为|超|超过|逾|近|接近|将近|共|合计|累计|高达|多达|至少|仅|仅为|只有|了|已|增至|降至|跌至|升至|突破|增加|减少|缩水|减|增)*$"
)


# Words after which a count in 万 or 亿 without a measure word is of people
# (人口52.3万, 接待游客1.2亿): populations, visitors, workers.
# (visitors are counted in trips, 人次, as statistics of tourism and transport count them)
_PEOPLE_WORDS = re.compile(r"(?:人口|人数|就业人员|从业人员|职工|农民工|(?P<trips>游客|旅客))"
                           r"(?:为|达|达到|约|约为|超|超过|逾|近|接近|共|合计|累计|有|了|已|增加|减少|增至|降至|增|减)*$")


def _words_of_clause(text: str, start: int) -> str:
    """Up to 12 characters before `start`, from the start of its clause."""
    window = text[max(0, start - 12) : start]
    return window[max((m.end() for m in _CLAUSE_END.finditer(window)), default=0) :]


def fmt_decimal(d: Decimal) -> str:
    """A plain decimal string: no exponent, no trailing zeros (341.3亿 -> 34130000000)."""
    s = str(d)  # most values print without an exponent: trimming the string is half the cost of normalizing
    if "E" not in s:
        return s.rstrip("0").rstrip(".") if "." in s else s
    if d == d.to_integral_value():
        return format(d.to_integral_value(), "f")
    return format(d.normalize(), "f")


_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SCIENTIFIC = re.compile(r"[-−+]?(?:\d+(?:\.\d+)?|\.\d+)[eE][+-]?\d{1,3}")


@lru_cache(maxsize=8192)  # news repeats its numerals; the result is immutable
def _value(num: str) -> tuple[Decimal, Decimal | None, str | None] | None:
    """(value, value_max, approx) of a numeral: 十多万 -> (100000, None, over);
    几十万 -> (100000, 1000000, about); 三五百 -> (300, 500, None)."""
    if _PLAIN_NUMBER.fullmatch(num):
        return Decimal(num), None, None  # most numbers in news: no need to parse
    if _SCIENTIFIC.fullmatch(num):
        return Decimal(num.replace("−", "-")), None, None
    num = num.replace("−", "-").replace(" ", "").replace("个", "").replace("幾", "几")
    approx = None
    if re.search(r"[多余](?=[万萬亿億])", num):
        num, approx = re.sub(r"[多余](?=[万萬亿億])", "", num), "over"
    if "几" in num or "数" in num:
        base = re.sub(r"[几数]", "", num)
        lone = re.fullmatch(r"[几数](.+)", num)
        if lone:  # 几十万: a one-digit multiple of the rest, 1 to 10 times
            low = parse_numeral(lone.group(1))
            return (low, low * 10, "about") if low is not None else None
        low = parse_numeral(re.sub(r"零?[几数]", "", num) if base else num)
        one = parse_numeral(re.sub(r"[几数]", "一", num))
        nine = parse_numeral(re.sub(r"[几数]", "九", num))
        if low is None or one is None or nine is None:
            return None
        return low, nine + (one - low), "about"  # 十几 -> 10 to 20
    pair = re.fullmatch(rf"([{_CN_DIGITS}])([{_CN_DIGITS}])([十拾百佰千仟万萬亿億].*)?", num)
    if (pair and DIGITS[pair.group(1)] < DIGITS[pair.group(2)] and pair.group(1) not in "零〇"
            and (pair.group(3) or DIGITS[pair.group(2)] == DIGITS[pair.group(1)] + 1)):  # fmt: skip
        if not pair.group(3):
            return Decimal(DIGITS[pair.group(1)]), Decimal(DIGITS[pair.group(2)]), None  # 两三家
        lo, hi = parse_numeral(pair.group(1) + pair.group(3)), parse_numeral(pair.group(2) + pair.group(3))  # noqa: E501
        if lo is not None and hi is not None:
            return lo, hi, approx  # 三五百 = 300 to 500
    v = parse_numeral(num)
    return (v, None, approx) if v is not None else None


def _trailing_big(num: str) -> Decimal:
    """The 万, 亿 (or 万亿) that end a numeral: 两千万 -> 1e4, 九千亿 -> 1e8."""
    scale = Decimal(1)
    for c in reversed(num):
        if c not in BIG_UNITS:
            break
        scale *= BIG_UNITS[c]
    return scale


def _has_arabic(num: str) -> bool:
    return any("0" <= c <= "9" for c in num)


def _round_scale(text: str, n1: str, unit: str | None, end: int) -> bool:
    """百亿元, 千亿元, 万亿元: two scale words and a currency are a round
    amount (营收近百亿元, 突破万亿元), unless a class follows (百亿级私募,
    千亿元级别). One scale word alone is not (百家, 千家万户, 万元户)."""
    return (len(n1) == 2 and n1[0] in "百千万" and n1[1] in "万亿" and unit in CURRENCIES
            and not text.startswith("级", end))  # fmt: skip


_ROUND_SCALES = frozenset(("百", "千", "万", "亿", "百万", "千万", "百亿", "千亿", "万亿"))
# Characters before 上 that make a word of it (线上, 以上, 马上, 市场上; 成百上千 is a range).
_SHANG_WORDS = frozenset("线网以之向马加晚早路会手身界场础际台面楼头街岸海天百")


def _over_a_round_number(text: str, start: int, n1: str, unit: str | None) -> bool:
    """上 before a bare scale with a unit: more than that many (上百家企业, 上万人)."""
    return (bool(unit) and n1 in _ROUND_SCALES and text[start - 1 : start] == "上"
            and text[start - 2 : start - 1] not in _SHANG_WORDS)  # fmt: skip


def _has_digit(num: str) -> bool:
    return _DIGITISH.search(num) is not None or num.lstrip("-−+负負 ").startswith(("十", "拾"))


# A digit of any kind (a numeral matched by _NUM holds only \d digits of the
# Arabic ones): one search in C instead of a generator over the characters.
_DIGITISH = re.compile(rf"[\d{''.join(DIGITS)}{''.join(TENS)}几幾数]")


def _trailing_scale(num: str) -> Decimal:
    """The scale that ends a numeral (5亿 -> 1e8, 15k -> 1e3, 三仟 -> 1e3), to
    lend to the bare first number of a range (3至5亿 -> 3亿 to 5亿)."""
    if num[-1:] in LATIN_SCALE:
        return Decimal(LATIN_SCALE[num[-1]])
    scale = Decimal(1)
    for i, c in enumerate(reversed(num)):
        if c in BIG_UNITS:
            scale *= BIG_UNITS[c]
        elif c in SMALL_UNITS and scale == 1 and (len(num) - i - 1 <= 1):
            scale *= SMALL_UNITS[c]  # only in 三千, not in 三千五
            break
        else:
            break
    return scale


@lru_cache(maxsize=4096)
def _classify(unit: str | None, u1: str | None, sign: str | None, pct: bool) -> tuple[str, str | None, Decimal]:
    """(kind, unit code, factor) for the unit words around a number."""
    if pct:
        return "percent", "%", Decimal(1)
    word = unit or u1
    if word and _PRICE_RE.fullmatch(word):
        cur, per = re.split(r"/|每", word, maxsplit=1)
        if cur in CURRENCY_CENTS:
            return "money", f"{CURRENCY_CENTS[cur]}/{PER[per]}", Decimal("0.01")
        return "money", f"{CURRENCIES[cur]}/{PER[per]}", Decimal(1)
    for w in (u1, unit):
        if w in PERCENT_UNITS:
            code, factor = PERCENT_UNITS[w]
            return "percent", code, factor
    if unit in CURRENCIES and (u1 is None or CURRENCIES.get(u1) == "CNY"):
        return "money", CURRENCIES[unit], Decimal(1)  # 三万元欧元, 9000元日币: the named currency
    if u1 in CURRENCIES:
        return "money", CURRENCIES[u1], Decimal(1)
    if sign:
        return "money", CURRENCY_SIGNS.get(sign) or CURRENCIES[sign], Decimal(1)
    if unit in CURRENCY_CENTS:
        return "money", CURRENCY_CENTS[unit], Decimal("0.01")
    if unit in MEASURES:
        code, factor = MEASURES[unit]
        return "quantity", code, factor
    if unit in COUNTERS:
        if unit.startswith("万"):
            return "quantity", unit[1:], Decimal(10**4)
        if unit.startswith("亿"):
            return "quantity", unit[1:], Decimal(10**8)
        return "quantity", "个" if unit == "個" else unit, Decimal(1)
    return "number", None, Decimal(1)


# Spaces are dropped for reading unless they separate two Latin letters
# ("7 万 5 千", "百 分 之 2.4", "新台币 177.1 亿元"); the clean stage already
# removes the gaps between Chinese characters that HTML leaves.
# Patterns that open with a lookbehind are tried at every character of a
# text (the regex engine cannot skip ahead to a first character it knows):
# the rare ones are tested for a character they need first, or written with
# the lookbehind after their first character. These scans were a fifth of
# extraction time. This one: a run of spaces not between two Latin letters
# (what "(?<![A-Za-z])W+|W+(?![A-Za-z])" says, opening with its character).
_SPACE_IN_FIGURE = re.compile(r"[ \t\u3000\u00a0](?:(?<![A-Za-z][ \t\u3000\u00a0])[ \t\u3000\u00a0]*|[ \t\u3000\u00a0]*(?![A-Za-z]))")
_SPECIAL = {"一半": ("number", None, "0.5"), "半百": ("number", None, "50"), "对折": ("percent", "%", "50"), "對折": ("percent", "%", "50"), "半折": ("percent", "%", "50"), "半成": ("percent", "%", "5")}
# 三百五又三分之一, 1 3/5, 3/5: fractions, read before the general pattern
_FRACTION = re.compile(rf"(?P<neg>[-−负負])?(?:(?P<whole>{_NUM})(?:又|\s))?(?:(?P<den>{_NUM})分之(?P<num>{_NUM})"
                       r"|(?<![\d/])(?P<a>\d{1,3})/(?P<b>\d{1,3})(?![\d/]))")
_SPECIAL_RE = re.compile(_alt(_SPECIAL))
_MIXED_FRACTION = re.compile(r"(?<=\d)[ \t]\d{1,3}/\d{1,3}(?![\d/])")
# 2^5, 2.5^-1, -1.1^+23: a power (the sign of the exponent by its minus signs)
_POWER = re.compile(r"(?<![\d.^])(?P<neg>[-−])?(?P<base>\d+(?:\.\d+)?)\^(?P<esign>[-+−]*)(?P<exp>\d{1,2})(?![\d.^])")


# The subject of a figure is read once all figures are made (builders leave
# this mark), and only when the caller wants it: `caixun facts` ties figures
# to the places the region stage finds instead, and the subject search was a
# tenth of extraction.
_LATER = ""


def extract_figures(text: str, today: date | None = None, *, subjects: bool = True) -> list[Figure]:
    """Every figure in the text, in order of position. With `subjects=False`
    no figure has a subject (the caller finds places itself): a figure's
    subject is then None or "" (a _replace of each figure cost 2% of
    extraction)."""
    original = text
    text = to_ascii_digits(text)
    text = fold_traditional(text)  # same length: offsets stay valid
    # Spaces inside a figure ("7 万 5 千", "新台币 177.1 亿元") are dropped
    # for reading; `pos` maps positions back to the text given.
    pos: list[int] | None = None
    if _SPACE_IN_FIGURE.search(text):
        pos, kept, last = [], [], 0
        for sp in _SPACE_IN_FIGURE.finditer(text):
            if _MIXED_FRACTION.match(text, sp.start()):
                continue  # 1 3/5: the space separates the whole number from the fraction
            if sp.end() - sp.start() > 1 and sp.start() and text[sp.start() - 1].isdigit() and text[sp.end() : sp.end() + 1].isdigit():
                continue  # 2,800  3,000: two numbers (a table's columns), not one; 7 0美元 is one, spaced out
            kept.append(text[last : sp.start()])
            pos.extend(range(last, sp.start()))
            last = sp.end()
        kept.append(text[last:])
        pos.extend(range(last, len(text)))
        pos.append(len(text))
        text = "".join(kept)
    out: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for m in _fractions(text):
        fig = _fraction(text, m)
        if fig is not None and not any(s < fig.end and fig.start < e for s, e in taken):
            out.append(fig)
            taken.append((fig.start, fig.end))
    for m in _FEN_M.finditer(text) if "分" in text or "份" in text else ():  # 三分一 = 1/3, 一又十分一 = 1.1 (Cantonese, no 之)
        if (m.end() < len(text) and "\u4e00" <= text[m.end()] <= "\u9fff" and not _MEASURE_AT.match(text, m.end())
                or any(s < m.end() and m.start() < e for s, e in taken)):  # fmt: skip
            continue  # 十分一致: the adverb 十分
        part = parse_numeral(m.group("num")) / (10 if m.group("den") == "十" else DIGITS[m.group("den")])
        whole_at = _WHOLE_AND.search(text, max(0, m.start() - 13), m.start())
        whole = _value(whole_at.group()[:-1]) if whole_at else None
        fig = _fraction_figure(text, m, part, whole_at.start() if whole and whole_at else m.start(), whole[0] if whole else 0)
        out.append(fig)
        taken.append((fig.start, fig.end))
    for m in _GO_N.finditer(text) if "個" in text else ():  # 個九 = HK$1.9, 個半 = HK$1.5 (Cantonese)
        if not any(s < m.end() and m.start() < e for s, e in taken):
            value = Decimal("1.5") if m.group(1) == "半" else Decimal(1) + Decimal(DIGITS[m.group(1)]) / 10
            out.append(Figure(m.group(), m.start(), m.end(), "money", fmt_decimal(value), unit="HKD"))
            taken.append((m.start(), m.end()))
    for m in _MI_N.finditer(text) if "米" in text else ():  # 米九 = 1.9 m, said of heights
        if not any(s < m.end() and m.start() < e for s, e in taken):
            value = Decimal(1) + Decimal(DIGITS[m.group(1)]) / 10
            out.append(Figure(m.group(), m.start(), m.end(), "quantity", fmt_decimal(value), unit="m",
                              approx=_APPROX_AFTER.get(m.group(2) or "")))  # fmt: skip
            taken.append((m.start(), m.end()))
    taken_until = 0
    at = 0
    taken.sort()  # spans that do not overlap: the one a place may be in is found by bisection
    taken_starts = [s for s, _ in taken]
    while (m := _PATTERN.search(text, at)) is not None:
        at = max(m.end(), m.start() + 1)
        if taken and (i := bisect.bisect_right(taken_starts, m.start()) - 1) >= 0 and m.start() < taken[i][1]:
            at = taken[i][1]  # read on after the fraction or 米九 that holds this place
            continue
        if "，" in m.group("n1") and m.start() and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha():
            at = m.start("n1") + m.group("n1").index("，") + 1  # 空客A320，150座: a model's number, then a count
            continue
        fig = _figure(text, m, today, taken_until)
        if fig is not None:
            out.append(fig)
            taken_until = fig.end
            at = max(fig.end, m.start() + 1)  # a match cut short (增46%至190万辆) is read on from its end
        elif (mixed := _CN_THEN_ARABIC.search(text, m.start("n1"), m.end("n1"))) is not None:
            at = mixed.start() + 1  # 周一1,200亿元: the Chinese digit is a weekday's, the figure starts at the 1
    for m in _SPECIAL_RE.finditer(text):
        if m.group() == "半百" and (text.startswith(("分", "萬", "万", "亿", "億"), m.end()) or m.start() and text[m.start() - 1] in "个個"):
            continue  # 一个半百分点, 半百万: not fifty
        kind, unit, value = _SPECIAL[m.group()]
        approx = _APPROX_BEFORE.get(_approx_word_before(text, m.start()))  # 超过一半, 不超过一半
        out.append(Figure(m.group(), m.start(), m.end(), kind, value, unit=unit, approx=approx))
    if "^" in text:
        out = _powers(text, out)
    out.extend(_ranks(text, {(f.start, f.end) for f in out}, today))
    if "半" in text:
        out.extend(_halves(text, out, today))
    out = _ranges(text, _with_cents(text, _jin_liang(text, _coordinated(text, sorted(out, key=lambda f: f.start)))))
    if "港" in text or "恒" in text:
        out = _hong_kong_quotes(text, out)
    out = _same_price_unit(text, out)
    if "含" in text:
        out = _without_inclusive_repeats(text, out)
    if "年" in text and "\n" in text:
        out = _heading_periods(text, out, today)
    if "上年" in text or "去年" in text:
        out = _year_before_periods(text, out)
    if "分别" in text:
        out = _respective_months(text, _respective_indicators(text, out))
    if "、" in text or "和" in text:
        out = _paired_lists(text, out)
    if subjects:  # without, a figure's subject stays _LATER (""), which the caller reads as none
        out = [f if f.subject != _LATER else f._replace(subject=_subject(_sentence_before(text, f.start))) for f in out]
    out = _named_after(text, _carried(text, out, today))
    if pos is not None:
        out = [_moved(f, pos[f.start], pos[f.end - 1] + 1, original) for f in out]
    elif text != original:  # full-width digits were read as ASCII ones (same length): give the text as written
        out = [_moved(f, f.start, f.end, original) for f in out]
    out.sort(key=lambda f: (f.start, -f.end))
    return out


_LIST_GAP = re.compile(r"\s*(?:、|和|与|及|以及)\s*")
_CLAUSE_MARK = re.compile("[，。；！？\n]")
_SENTENCE_MARK = re.compile("[。；！？\n]")


def respectively(text: str) -> Iterator[tuple[re.Match, int]]:
    """Each 分别 of the text, with the end of its clause (where the list of
    figures it pairs ends)."""
    for m in re.finditer("分别", text):
        end = _CLAUSE_MARK.search(text, m.end())
        yield m, end.start() if end else len(text)


def list_run(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Indices of the last run of spans joined only by 、, 和, 与 or 及: the
    list before a 分别 (北京、上海; 营业收入和净利润)."""
    run = [len(spans) - 1] if spans else []
    for i in range(len(spans) - 2, -1, -1):
        if not _LIST_GAP.fullmatch(text, spans[i][1], spans[run[0]][0]):
            break
        run.insert(0, i)
    return run


_BRACKET_CLOSE = re.compile("[）)]")


def _named_after(text: str, figs: list[Figure]) -> list[Figure]:
    """发行了8.5亿美元优先票据, 获得17.81亿港元贷款融资: an amount with no
    indicator before it is what the name right after it says."""
    out = list(figs)
    for j, f in enumerate(figs):
        if f.indicator is None and f.kind == "money":
            after = f.end
            if text.startswith(("（", "("), after) and (close := _BRACKET_CLOSE.search(text, after, after + 12)) is not None:
                after = close.end()  # 约523亿港元（未计开支）购回: the name after the brackets
            for i, start, _ in _INDICATOR_AC.find_matches_as_indexes(text[after : after + 8]):
                if start == 0:
                    out[j] = f._replace(indicator=INDICATORS[i])
                break
    return out


def _months_of(period: str) -> tuple[str, int, int] | None:
    """(year, first month, last month) of a period of several months:
    2011-01/2011-05, 2011Q1, 2011H1, 2011Q1-Q3."""
    if (m := _MONTH_SPAN.fullmatch(period)) is not None and m.group(1) == m.group(3):
        return m.group(1), int(m.group(2)), int(m.group(4))
    named = _NAMED_SPANS.get(period[4:])
    return (period[:4], *named) if named and period[:4].isdigit() else None


_A_YEAR_NAMED = re.compile(r"((?:19|20)\d\d)年")
_YEARS_MONTH = re.compile(r"((?:19|20)\d\d)\s*[~～\-—至到]\s*((?:19|20)\d\d)年的?(\d{1,2})月")
_NAMED_SPANS = {name: span for span, name in _SPANS.items() if name}  # Q1 -> (1, 3)
_MONTH_SPAN = re.compile(r"(\d{4})-(\d\d)/(\d{4})-(\d\d)")


def _respective_months(text: str, figs: list[Figure]) -> list[Figure]:
    """今年前5个月的翘尾分别为3.7、2.6、3.2、3.1和3.2个百分点: as many figures
    after 分别 as months in their span, so each is its month's (2011-01 …
    2011-05). A clause right after that begins 占当月 (占当月CPI涨幅的75.3%、…)
    lists as many shares, each of its month and of what the first list is."""
    out = list(figs)
    for m, tail in respectively(text):
        at = [j for j, f in enumerate(out) if m.end() <= f.start < tail and f.kind != "number"]
        head = max(text.rfind(c, 0, m.start()) for c in "。；！？\n") + 1
        named = list(_A_YEAR_NAMED.finditer(text, head, m.start()))
        run = [named[i] for i in list_run(text, [(y.start(), y.end()) for y in named])] if len(named) > 1 else []
        if at and len(run) == len(at) and text[run[-1].end() : m.start()].strip("，, 则也都均") == "":
            # 2008年和2007年则分别为亏损129.5亿元和盈利87.2亿元: each its year
            for j, y in zip(at, run, strict=True):
                out[j] = out[j]._replace(period=y.group(1))
            continue
        if at and (years := _YEARS_MONTH.search(text, head, m.start())) is not None:
            # 在2008~2010年的5月份，相同指标数据分别为9.4%、2.9%和7.5%: each year's May
            first_year, last_year, month = int(years.group(1)), int(years.group(2)), int(years.group(3))
            if last_year - first_year + 1 == len(at) and 1 <= month <= 12:
                for k, j in enumerate(at):
                    out[j] = out[j]._replace(period=f"{first_year + k}-{month:02d}")
                continue
        span = _months_of(out[at[0]].period or "") if at else None
        if span is None or any(out[j].period != out[at[0]].period for j in at):
            continue
        year, first, last = span
        if last - first + 1 != len(at):
            continue
        months = [f"{year}-{first + k:02d}" for k in range(len(at))]
        for j, month in zip(at, months, strict=True):
            out[j] = out[j]._replace(period=month)
        if text.startswith("，占当月", tail):
            end = _CLAUSE_MARK.search(text, tail + 1)
            shares = [j for j, f in enumerate(out) if tail < f.start < (end.start() if end else len(text)) and f.kind == "percent"]
            if len(shares) == len(at):
                for j, month in zip(shares, months, strict=True):
                    out[j] = out[j]._replace(period=month, indicator=out[at[0]].indicator)
    return out


def _respective_indicators(text: str, figs: list[Figure]) -> list[Figure]:
    """出口和进口分别增长5%和3%: a list of indicators before 分别, in its
    clause and joined by 和/与/、, gives its figures their indicators in
    order, when there are as many figures after 分别 in the clause."""
    out = list(figs)
    last_run: list = []
    last_end = -1
    for m, tail in respectively(text):
        head = max(text.rfind(c, 0, m.start()) for c in "，。；！？\n") + 1
        found = [(head + s, head + e, INDICATORS[i]) for i, s, e in _INDICATOR_AC.find_matches_as_indexes(text[head : m.start()])]
        run = [found[i] for i in list_run(text, found)]
        if len(run) < 2 and not found and last_run and not _SENTENCE_MARK.search(text, last_end, m.start()):
            run = last_run  # 营收、净利润分别为10亿元、2亿元，同比分别增长5%和8%: the same list again
        if len(run) < 2:
            continue
        last_run, last_end = run, m.end()
        at = [j for j, f in enumerate(out) if m.end() <= f.start < tail and f.kind != "number"]
        if len(at) == len(run):
            for j, (_, _, word) in zip(at, run, strict=True):
                out[j] = out[j]._replace(indicator=word)
    return out


def _paired_lists(text: str, figs: list[Figure]) -> list[Figure]:
    """港口货物吞吐量20.2亿吨、集装箱吞吐量1367万标箱，同比增长1.0%、6.0%: a list
    of changes (joined by 、 or 和, no indicator named among them) right after
    as many levels of the same sentence, each named by an indicator of its
    own, pairs with them in order; otherwise every change would take the
    nearest indicator, the last level's."""
    out = list(figs)
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and _LIST_GAP.fullmatch(text, out[j].end, out[j + 1].start):
            j += 1
        run = out[i : j + 1]
        n = len(run)
        if n >= 2 and i >= n and all(f.direction and f.kind == "percent" and f.indicator == run[0].indicator for f in run):
            levels = out[i - n : i]
            named = [f.indicator for f in levels]
            if (all(named) and len(set(named)) == n and not any(f.direction for f in levels)
                    and levels[-1].indicator == run[0].indicator
                    and not _SENTENCE_MARK.search(text, levels[0].start, run[0].start)):  # fmt: skip
                for k, word in enumerate(named):
                    out[i + k] = out[i + k]._replace(indicator=word)
        i = j + 1
    return out


# A share price quoted in 元 (碧桂园大跌11.15%，报14.5元) is in the currency of
# the market the text is on at that point: the last market named before it.
_HK_MARKET = ("港股", "恒指", "恒生", "港交所", "国企指数", "红筹", "联交所")
_MARKET = re.compile(_alt([*_HK_MARKET, "A股", "沪指", "上证", "深成指", "深证", "创业板", "沪深", "两市", "科创板"]))
_QUOTE_BEFORE = re.compile(r"(?:收报|现报|报|股价|收于|报收)$")


def _hong_kong_quotes(text: str, figs: list[Figure]) -> list[Figure]:
    """Share prices in plain 元 quoted while the text is on the Hong Kong
    market are Hong Kong dollars."""
    if not any(f.kind == "money" and f.unit == "CNY" and f.text.endswith("元") for f in figs):
        return figs  # no amount in plain 元: nothing to decide (most texts with 港 or 恒)
    markets = [(m.start(), m.group() in _HK_MARKET) for m in _MARKET.finditer(text)]
    if not any(hk for _, hk in markets):
        return figs
    starts = [at for at, _ in markets]
    out = []
    for f in figs:
        if (f.kind == "money" and f.unit == "CNY" and f.text.endswith("元") and not f.text.endswith("人民币元")
                and "人民币" not in f.text and _QUOTE_BEFORE.search(text, max(0, f.start - 3), f.start)):  # fmt: skip
            i = bisect.bisect_right(starts, f.start) - 1
            if i >= 0 and markets[i][1]:
                f = f._replace(unit="HKD")
        out.append(f)
    return out


_SENTENCE_OR_TOTAL = re.compile(r"[。；！？\n]|总|合计|共计|累计")


def _without_inclusive_repeats(text: str, figs: list[Figure]) -> list[Figure]:
    """不超过人民币35亿元（含35亿元）: the bracket says the bound is included; the
    amount in it is the same figure again, not one of its own."""
    out: list[Figure] = []
    for f in figs:
        prev = out[-1] if out else None
        if (prev is not None and f.value == prev.value and f.unit == prev.unit
                and text[prev.end : f.start] in ("（含", "(含", "（包含", "(包含")):  # fmt: skip
            continue
        out.append(f)
    return out


def _same_price_unit(text: str, figs: list[Figure]) -> list[Figure]:
    """每桶72.71美元，较前月调查预估的72.87美元低0.16美元，但高于年内平均的71.96美元:
    amounts later in the sentence of a price per unit, in its currency and
    within a factor of two of it, are prices per that unit too (not a total:
    总价, 合计 and a sentence end stop it)."""
    out = list(figs)
    for i, price in enumerate(out):
        if price.kind != "money" or not price.unit or "/" not in price.unit:
            continue
        currency = price.unit.split("/", 1)[0]
        value = Decimal(price.value)
        for j in range(i + 1, len(out)):
            f = out[j]
            if _SENTENCE_OR_TOTAL.search(text, out[j - 1].end, f.start):
                break
            if f.kind == "money" and f.unit == currency and f.value_max is None and value and Decimal("0.5") <= Decimal(f.value) / value <= 2:
                out[j] = f._replace(unit=price.unit)
    return out


def _powers(text: str, found: list[Figure]) -> list[Figure]:
    """A number raised to a power replaces the numbers it is written with."""
    for m in _POWER.finditer(text):
        exp = int(m.group("exp")) * (-1 if (m.group("esign").count("-") + m.group("esign").count("−")) % 2 else 1)
        base = Decimal(m.group("base"))
        if base == 0 and exp < 0:
            continue
        try:
            value = base**exp
        except ArithmeticError:  # overflow of the decimal context
            continue
        value = -value if m.group("neg") else value
        found = [f for f in found if not (f.start < m.end() and m.start() < f.end)]
        found.append(Figure(m.group(), m.start(), m.end(), "number", fmt_decimal(value)))
    return found


_TIME_AFTER_DUO = set("年月天日周次倍")
_TIME_AFTER_GE = ("季度", "月", "小时", "星期", "礼拜", "工作日", "交易日", "财季", "年头")
# 每 + a unit of goods shortly before an amount of money: its price per unit
# (not 每年, 每月: an amount per year is a flow, not a price).
_PER_GOODS = [w for w in PER if w not in ("月", "年", "天", "小时", "人", "个")]
_PER_SHARE_AFTER = re.compile(r"(?:左右|上下)?的?每股(?:收益|净资产|股息|分红|派息|经营现金流)")
# Denominators of a measure that make it another quantity (a concentration, a
# speed, a yield); not 年 or 月 (100万吨/年 is a capacity in tonnes).
_MEASURE_PER = re.compile(r"/(立方米|平方米|平米|升|小时|秒|公斤|千克|吨|亩|公顷)")
_PER_BEFORE = re.compile(rf"每({_alt(_PER_GOODS)})[\u4e00-\u9fff]{{0,6}}$")  # 每头生猪净利润达500元
_MEASURE_AT = re.compile(_units_alt(MEASURES))
_UNIT_WORD_AT = re.compile(_units_alt(_UNIT_WORDS))
_MI_N = re.compile(r"(?<![\u4e00-\u9fff\d])米([一二三四五六七八九])(?:(左右|上下)|(?=[到至~～\-－—–])|(?![\u4e00-\u9fff\d]))")
# 三分一, 十份十一 (Cantonese: the part after the whole, no 之)
_FEN_M = re.compile(rf"(?P<den>[二三四五六七八九十])(?<![{_CN_ALL}\d点點].)(?P<sep>[分份])(?P<num>十?[一二三四五六七八九]|十)(?![{_CN_ALL}\d秒钟])")
# The whole number before 又 (一又十分一): a plain character class, since the
# nested repetition of _NUM backtracks exponentially where a match fails.
_WHOLE_AND = re.compile(rf"[\d.{_CN_ALL}]{{1,12}}又$")
# Cantonese: 個 is a dollar; with no numeral before it, one dollar and what follows.
_GO_N = re.compile(r"(?<![\u4e00-\u9fff\d])個([半一二三四五六七八九])(?![\u4e00-\u9fff\d])")
_HALF_UNITS = [w for w in MEASURES if len(w) > 1 or w in "升吨米亩斤"]
_HALF = re.compile(rf"半(?<![{_CN_ALL}\d一].)({_units_alt(_HALF_UNITS)})")
_HALF_GE = re.compile(rf"半(?<![{_CN_ALL}\d一].)[个個]")  # 半个月 is a duration: only before 百分点 or alone
_RANGE_SEP = re.compile(r"\s?(?:至|到|~|～|-|－|—|–)\s?")
_CN_THEN_ARABIC = re.compile(rf"[{_CN_DIGITS}][0-9]")
_COLONS = ":："
_CLOCK_BEFORE = re.compile(r"\d{1,2}[:：]$")
_CLOCK_AFTER = re.compile(r"[:：]\d{2}(?!\d)")
_NOT_A_CURRENCY = ("指数", "汇率")


def _word_follows(text: str, end: int) -> bool:
    """A word comes right after `end` (a Chinese character, a Latin letter or
    digit, or an opening quote: 一批“六新”项目)."""
    nxt = text[end : end + 1]
    return bool(nxt) and ("\u4e00" <= nxt <= "\u9fff" or nxt.isalnum() or nxt in "“‘「『《〈\"'")


def _is_clock_time(text: str, start: int, end: int) -> bool:
    if (end >= len(text) or text[end] not in _COLONS) and (start == 0 or text[start - 1] not in _COLONS):
        return False  # no colon right after or before it: most numbers
    n = text[start:end]
    if not n.isdigit() or len(n) > 2:
        return False
    return bool(_CLOCK_AFTER.match(text, end) and int(n) <= 24) or bool(_CLOCK_BEFORE.search(text, max(0, start - 3), start))


def _figure_without(text: str, m: re.Match, group: str, today: date | None, floor: int) -> Figure | None:
    """The figure read as if it ended before `group` (a word that is not its unit)."""
    cut = m.start(group)
    while cut > m.start() and text[cut - 1] in " \t":
        cut -= 1
    again = _PATTERN.match(text[:cut], m.start())
    if again is None or again.end() > cut or again.end() <= m.start():
        return None
    return _figure(text[:cut], again, today, floor)


def _moved(f: Figure, start: int, end: int, original: str) -> Figure:
    """The figure at its place in the text as given."""
    return Figure(original[start:end], start, end, *f[3:])


_CN_SINGLE = frozenset("一二三四五六七八九十两")
_CN_SINGLE_OR_FORMAL = _CN_SINGLE | frozenset("壹贰貳叁參肆伍陆陸柒捌玖拾")  # 陆续, 陆地棉, 伍佰: words, not six or five
_QI_WORDS = frozenset("降步飞点跑算征售拍价始止来身床草诉航")  # words that 起 begins: 起降, 起步, 起征点…
_TIMES = frozenset("次回遍趟轮届")
_NOT_A_NAME_AFTER = _TIMES | {"分", "半"}  # 五分 (cents), 一半 are read later
_INDEX_FAMILY = re.compile(r"(?:上证|沪深|中证|深证|创业板|科创|国证|恒生|标普|日经|富时|纳斯达克|道琼斯)$")
_HOLIDAY_AFTER = ("假期", "长假", "小长假", "黄金周", "期间", "节")


def _is_a_name_part(text: str, start: int, end: int, n1: str) -> bool:
    """A number without a unit that is part of a name, a list's or a holiday's."""
    before = text[start - 1 : start]
    if before and before in "/_":
        return True  # …/202310/t20231018_1943654.html: the parts of a link
    if before == "双":
        return True  # 双11, 双十一: a shopping festival
    if (len(n1) == 1 and n1 in _CN_SINGLE and ("\u4e00" <= before <= "\u9fff" or text.startswith("是", end))
            and text[end : end + 1] not in _TIMES):  # fmt: skip
        return True  # 张三, 初三, 前三; 三是…: a name or an enumeration (but 每周三次, 五次降息 are counts)
    if len(n1) == 1 and n1 in _CN_SINGLE_OR_FORMAL and "\u4e00" <= text[end : end + 1] <= "\u9fff" and text[end : end + 1] not in _NOT_A_NAME_AFTER:
        return True  # 三星电子, 五粮液, 七上八下 at the start of a text or a clause: a name or a saying (no unit follows)
    if before in ("：", ":") and text.endswith("代码", 0, start - 1):
        return True  # 股票代码：600519
    nxt = text[end : end + 1]
    if not nxt:
        return False
    if nxt in ".、" and len(n1) <= 2 and n1.isdigit() and (not before or before in "\n；;。 \t") and not text[end + 1 : end + 2].isdigit():
        return True  # 1. 坚持稳中求进；2. 扩大内需; 3、深化改革: a list's numbering
    if "A" <= nxt <= "Z":
        return True  # 5G基站, 沪深300ETF, 3D: a name (units are read before this)
    if nxt == "强" or text.startswith("季报", end):
        return True  # 世界500强, 百强县, 三季报: a list's or a report's name
    if nxt == "大" and len(n1) == 1 and "\u4e00" <= text[end + 1 : end + 2] <= "\u9fff":
        return True  # 三大指数, 四大行: "the three major", a name for a group
    if n1.isdigit():
        return text.startswith("指数", end) or _INDEX_FAMILY.search(text, max(0, start - 5), start) is not None  # 上证50指数, 标普500
    return n1 in ("五一", "十一") and text.startswith(_HOLIDAY_AFTER, end)  # 五一假期, 十一黄金周


def _word_follows_digit(text: str, end: int) -> bool:
    """A unit or a time word follows a figure's last digit: the digit is a
    figure of its own (7天期), not the 角 of the amount before (五块六到…)."""
    return _UNIT_WORD_AT.match(text, end) is not None


# Characters before 约 that make it the end of a word (合约, 签约, 违约…), not "about".
_YUE_ENDS_A_WORD = frozenset("合条契签预公节制邀相特履违解续守爽赴婚誓租")


def _figure(text: str, m: re.Match, today: date | None, floor: int) -> Figure | None:
    n1, n2, unit, u1 = m.group("n1", "n2", "unit", "u1")
    if unit in _TIME_WORDS or (u1 is None and unit is None and _is_year_like(text, m)):
        return None  # a fifth of all candidates: tested before the groups are read
    g = m.groupdict()
    start, end = m.start(), m.end()
    if g["pre"] and g["pre"][0] == "约" and text[start - 1 : start] in _YUE_ENDS_A_WORD:
        start, g["pre"] = m.start("pre") + len(g["pre"]), None  # 主力合约一度跌停, 签约100亿元: 约 ends a word, it is no "about"
    alone = unit is None and u1 is None and not (g["post"] or g["sub"] or g["sign"] or g["pctpre"] or n2)  # 约 aside
    bare = alone and not g["pre"]
    in_a_name = bare and start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()  # M2, PM2.5, iPhone4
    if in_a_name and not text.startswith("分", end):
        return None  # tested first: a tenth of all candidates (with 分 after, once 分 is read)
    if bare and _is_a_name_part(text, start, end, n1):
        return None
    if _is_clock_time(text, m.start("n1"), m.end("n1")):
        return None  # 23：00, 9:30
    if (n1 in "一二三四五六日" and unit is None and u1 is None and text[end : end + 1] not in "次回遍趟"
            and text[max(0, start - 2) : start].endswith(("周", "星期", "礼拜"))):  # fmt: skip
        return None  # 周三: a weekday
    for word_group in ("unit", "u1"):
        word = g[word_group]
        if word in CURRENCIES and text.startswith(_NOT_A_CURRENCY, m.end(word_group)):
            return _figure_without(text, m, word_group, today, floor)  # 6.30 美元指数: 美元 is a name here
    if n2 and g["sep"] in "-－—–" and re.fullmatch(r"\d{4}", n1 or "") and not (len(n2) >= 3 and text.startswith(("点", "點"), end)):
        return None  # 2021-11: a date (but 3100-3200点 is a range of index points)
    if n2 and g["sep"] in "-－—–" and n1[:1] == "0" and n1.isdigit() and len(n1) > 1:
        return None  # 010-68123456: a telephone number or a code, not a range
    if m.start("n1") > 0 and text[m.start("n1") - 1] == "第":
        return None  # a rank, read by _ranks
    after = text[end : end + 2]
    if (unit == "成" or u1 == "成") and after[:1] and after[:1] in "交本员立功为长效品绩就都":
        if unit != "成" or u1 is None or u1 == "成" or g["sub"] or g["post"]:
            return None  # 三成交易, 成本: 成 begins a word, it is no tenth
        unit, end = None, m.start("unit")  # 以12.6亿元成交, 5亿元成立基金: the amount, then a word
        while text[end - 1].isspace():
            end -= 1
    if unit == "折" and after[:1] and after[:1] in "合算旧价扣叠返腾":
        return None
    # 两 after a numeral is the unit liang (三十两, 两万两), not a digit
    if unit is None and u1 is None and len(n1) > 1 and n1.endswith(("两", "兩")) and n1[-2] in _CN_ALL + "0123456789":
        n1, unit, end = n1[:-1], "两", m.end("n1")
        alone = bare = False  # it has a unit now
    read = _value(n1)
    if read is None:
        return None
    v1, vmax, approx_inner = read
    over_round = False
    if not _has_digit(n1) and not (g["pctpre"] and n1 in ("百", "千")):
        over_round = _over_a_round_number(text, start, n1, unit or u1)  # 上百家, 上千家企业, 上百亿元: more than a round number
        if not over_round and not _round_scale(text, n1, unit or u1, end):
            return None
    if not n1.strip("零〇○") and (unit or u1 or g["sub"] or "\u4e00" <= after[:1] <= "\u9fff") and not (
            unit in ("个", "個") and not (u1 or g["sub"]) and not _word_follows(text, end)):  # fmt: skip
        return None  # 零件, 零售, 零增长; but 降至零。 is a zero, and so is 零个。
    if n1 == "一" and unit is None and (g["sub"] == "半" or after[:1] == "半"):
        return None  # 一半: read as a half (_SPECIAL)
    if alone and text.startswith("分", end):
        cents = _fen(text, m.start("n1"), end, n1, v1)
        if cents is None or (not cents and in_a_name):
            return None  # 十分重要, 8点5分, 16时18分: a word or a clock time
        if cents:  # 股价涨了5分, 五分钱: cents of a yuan
            end += 2 if text.startswith("分钱", end) else 1
            return _money_figure(text, start, end, v1 * Decimal("0.01"), "CNY", approx_inner, g, floor, today)
    if unit in ("个", "個") and g["sub"] == "半" and not g["sign"]:
        return _and_a_half(text, m, v1, approx_inner, floor, today)  # 一个半百分点, 五個半
    if unit in ("个", "個") and g["sub"] and (g["sign"] or re.search("[毫角毛]", g["sub"])):
        extra = _subunits(g["sub"])  # 港幣三個一毫四: 個 is the dollar
        if extra is None:
            return None
        code = CURRENCY_SIGNS.get(g["sign"] or "") or CURRENCIES.get(g["sign"] or "") or ("HKD" if unit == "個" or "毫" in g["sub"] else "CNY")
        return _money_figure(text, start, end, v1 + extra, code, approx_inner, g, floor, today)
    if n1 in ("一", "两", "兩") and unit is None and u1 is None and not (g["pre"] or g["post"] or g["sub"] or n2) and "\u4e00" <= after[:1] <= "\u9fff":
        return None  # 一般, 一致, 一带一路, 离岸人民币一度, 两市, 两岸, 两会: words, not the numbers one and two
    if unit == "个" and not g["post"] and text.startswith(_TIME_AFTER_GE, m.end()):
        return None  # 三个季度, 两个交易日: a duration
    if g["post"] == "多" and text[m.end() : m.end() + 1] in _TIME_AFTER_DUO:
        if unit == "个" and text[m.end() : m.end() + 1] == "月":
            return None  # 三个多月: a duration
        g = {**g, "post": None}  # 一位多年从事…: the 多 belongs to 多年
        end = m.start("post")
    if len(n1) == 1 and n1 in "壹贰貳叁參肆伍陆陸柒捌玖" and unit in COUNTERS:
        return None  # 陆家嘴: a name; the formal digits write amounts (壹万元), not counts
    if n1 == "一" and unit in COUNTERS and not (g["pre"] or g["post"]) and _word_follows(text, end):
        return None  # 一家企业, 一项法案: an article, not a count (but 其中一个。 is one)
    if unit == "起" and (n1 == "一" or after[:1] and after[:1] in _QI_WORDS):
        return _figure_without(text, m, "unit", today, floor) if n1 != "一" else None  # 一起: together; 起降, 起步价: words (cases are 3起)
    if unit == "位" and after[:1] == "数":
        return None  # 两位数增长
    if unit == "方" and after[:1] and (after[:1] in "面式向案法便针略位" or (not _has_arabic(n1) and "\u4e00" <= after[:1] <= "\u9fff")):
        return None  # 一方面, 多方式, “政会银企”四方协同: parties, not cubic metres (50万方混凝土 still is)
    if unit == "手" and (n1 == "二" or not _has_arabic(n1) and "\u4e00" <= after[:1] <= "\u9fff"):
        return None  # 二手房: second-hand; 两手准备, 两手抓: a saying (lots traded are written 2手)
    if unit == "股" and after[:1] and after[:1] in "票东市权":
        return _figure_without(text, m, "unit", today, floor)  # 600519 股票简称, 10股东: 股 begins a word here
    if "块" in (unit, u1) and not (g["sub"] and (g["sub"][:1].isdigit() or g["sub"][:1] in DIGITS)) and (
            (after[:1] and "\u4e00" <= after[:1] <= "\u9fff" and after[:1] not in "钱多左上以的到至和或及")
            or text[start - 1 : start] in ("这", "那", "哪")):  # fmt: skip
        return None  # 这一块业务, 两块地, 这两块: pieces, not yuan (两块钱, 涨了三块, 9块9包邮 are)
    if (unit == "元" or u1 == "元") and n1 in ("二", "三") and text[start - 1 : start] in ("外", "内", "土"):
        return None  # 生猪（外三元）: a breed of pig, not three yuan
    if u1 and unit and not n2 and unit not in CURRENCIES:
        unit, end = None, m.end("u1")  # 2,050亿元处置, 由3%升至5%: the yuan or the % ends the figure
    if kind_is_slogan(text, start, end):
        return None  # “四个引领”, “两个方面”: a slogan in quotes, not a count
    if g["fracof"]:
        part = _value(g["fracnum"])
        if not part or not v1:
            return None
        v1, vmax, n2 = part[0] / v1, None, None  # 三分之一: the part over the whole
    if n2 and u1 and (unit or g["mid"]) and _classify(unit, None, None, False)[:2] != _classify(None, u1, None, False)[:2]:
        # 增46%至190万辆: two figures, not a range; this one ends after its unit
        n2, unit, end = None, None, m.end("u1")
        g = {**g, "sub": None, "post": None, "mid": None}
    elif n2 and u1 and not (unit or g["mid"] or g["post"] or g["sub"]):
        # 美元指数跌0.3%至105.2: a change, then the level it reached (a range
        # writes its unit once at the end, 3至5%, or after both ends)
        n2, end = None, m.end("u1")
    if n2:
        read2 = _value(n2)
        if read2 is None or not _has_digit(n2):
            return None
        v2 = read2[0]
        lend = _trailing_scale(n2)
        big = _trailing_big(n2)
        if _trailing_scale(n1) == 1 and lend != 1 and v1 * lend <= v2:
            v1 = v1 * lend  # 3至5亿; but not 8500到3万
        elif big > 1 and not any(c in BIG_UNITS for c in n1) and v1 * big <= v2:
            v1 = v1 * big  # 一千到两千万 = 1000万 to 2000万, 七千到九千亿
        vmax = v2
        if vmax < v1 and g["sep"] in "-－—–——--":
            return _figure_without(text, m, "sep", today, floor)  # 2141001-1: a code's parts, not a range
        if vmax < v1:
            v1, vmax = vmax, v1  # 没收财产五百万元至六十万元不等: a range written from the top
    pct_prefix = g["pctpre"] or g["pctpre2"]
    kind, code, factor = _classify(unit, u1, g["sign"], bool(pct_prefix))
    if pct_prefix:
        factor = _FRACTION_PREFIX.get(g["pctpre"] or "百分之", Decimal(1))
    if g["sign"] in _CURRENCY_FIRST and kind == "money" and code == "CNY":
        code = _CURRENCY_FIRST[g["sign"]]  # 港币两千九百六十元
    if unit == "折":
        kind, code = "percent", "%"
        # 八折 = 80%, 8.5折 = 85%; two digits are already the percentage (75折, 三八折)
        factor = Decimal(10) if v1 < 10 else Decimal(1)
    if unit in _MULTIPLIERS:
        kind, code, factor = "number", None, Decimal(_MULTIPLIERS[unit])
    if unit == "倍":
        kind, code, factor = "number", "倍", Decimal(1)  # 增长两倍, 市盈率约45倍: a multiple, kept with its word
    sub = g["sub"]
    if unit in _JIAO:
        following = text[end : end + 1]
        if not sub and following != "钱" and ("\u4e00" <= following <= "\u9fff" or n1 == "一"):
            return None  # 长三角地区, 5角星, 冰山一角, 一毛不拔: not money unless 钱, a 分 or the clause ends
        if unit == "角" and not sub and following != "钱" and not n1.isdigit():
            return None  # 珠三角, 三角: 角 is money after Chinese numerals only with 钱 or a 分
        kind, code, factor = "money", _CNY_OR_HKD.get(unit, "CNY"), Decimal("0.01" if unit == "仙" else "0.1")
        if sub:
            digit = re.match(rf"[{_CN_DIGITS}\d]", sub)
            after_sub = text[m.end("sub") : m.end("sub") + 1]
            if (digit is None or not re.fullmatch(rf"[{_CN_DIGITS}\d](?:[分仙])?", sub)
                    or (not sub.endswith(("分", "仙")) and "\u4e00" <= after_sub <= "\u9fff" and after_sub != "钱"
                        and not _PER_ONE_AFTER.match(text, m.end("sub")))):  # fmt: skip
                return None  # 长三角一体化: not 0.31 yuan
            v1 += Decimal(DIGITS.get(digit.group(), digit.group())) / 10  # 两毛五, 两角五分
            sub = None
    if sub:
        if sub == "半" and kind in ("money", "quantity", "percent"):
            v1 += Decimal("0.5")  # 一吨半, 三成半
        elif (unit == "成" or u1 == "成") and sub in DIGITS:
            v1 += Decimal(DIGITS[sub]) / 10  # 七成六 = 76%
        elif unit in MEASURES and len(sub) == 1 and (sub in DIGITS or sub.isdigit()) and not _word_follows_digit(text, m.end("sub")):
            v1 += Decimal(DIGITS.get(sub, sub)) / 10  # 三米九 = 3.9 m
        else:
            extra = _subunits(sub) if kind == "money" and code in ("CNY", "HKD") else None  # 三蚊零四 too
            if extra is not None and len(sub) == 1 and (any(c in BIG_UNITS for c in n1) or _word_follows_digit(text, m.end("sub"))):
                extra = None  # 2890亿元7天期逆回购: the 7 starts the next figure, it is no 角 (but 三元五。 is 3.5 yuan)
            if extra is None:
                if g["post"]:
                    return None
                end = m.start("sub")
            else:
                v1 = v1 - extra if v1 < 0 else v1 + extra  # -五元七毛八分 = -5.78
    approx = (_APPROX_BEFORE.get(g["pre"] or "") or _APPROX_AFTER.get(g["post"] or "")
              or _APPROX_AFTER.get(g["mid"] or "") or approx_inner)  # fmt: skip
    if over_round:
        approx, start = approx or "over", start - 1  # the figure is 上百家, with its 上
    if kind == "number" and code is None and not g["sign"] and _trailing_scale(n1) >= 10_000:
        words = _words_of_clause(text, start)
        if _MONEY_WORDS.search(words):
            kind, code = "money", "CNY"  # 沪股通净流出73.66亿: yuan, the 元 left out (before the per-unit rules: 每平米年租金29万)
        elif people := _PEOPLE_WORDS.search(words):
            kind, code = "quantity", "人次" if people.group("trips") else "人"  # 该县共有人口52.3万: people, the 人 left out
    if kind == "money" and code and "/" not in code and (per := _PER_BEFORE.search(text, max(0, start - 12), start)):
        code = f"{code}/{PER[per.group(1)]}"  # 每公斤9.8元, 每股收益为0.5元: a price per unit
    elif kind == "money" and code and "/" not in code and _PER_SHARE_AFTER.match(text, end):
        code = f"{code}/share"  # 5.50美元左右的每股收益
    elif kind == "money" and code and "/" not in code and (one := _PER_ONE_BEFORE.search(text, max(0, start - 6), start)):
        code = f"{code}/{PER[one.group(1)]}"  # 一斤3块: per one unit named before the price
    elif kind == "money" and code and "/" not in code and (one := _PER_ONE_AFTER.match(text, end)):
        code, end = f"{code}/{PER[one.group(1) or one.group(2)]}", one.end()  # 鸡蛋3块5一斤, 200元一天: a price per one unit
    if kind == "quantity" and unit in MEASURES and (per := _MEASURE_PER.match(text, end)):
        code, end = f"{code}/{PER[per.group(1)]}", per.end()  # 26.3微克/立方米, 350公里/小时, 500公斤/亩: a measure per another
    if kind == "quantity" and n1 == "一" and not g["pre"] and unit in PER and _MONEY_AT.match(text, end):
        return None  # 一斤3块, 一吨3000元: the unit the price after it is per, not a quantity of its own
    if kind == "quantity" and text[start - 1 : start] == "每":
        return None  # 每10股派3元, 每10万人拥有医生30人: the base the figure after it is per, not a quantity of its own
    value = v1 * factor
    value_max = vmax * factor if vmax is not None else None
    if kind == "number" and code is None and not g["sign"] and _is_index_points(text, start, end, n1, v1, floor):
        code, end = "点", end + 1  # 沪指报收于3128.56点, 道指涨152.46点: index points, with what they measure
    # a bare number has no direction; a multiple or a move in points does (同比增长1.5倍, 涨15点)
    direction = _direction(text, m.start("pre") if g["pre"] else start, floor) if kind != "number" or g["pre"] or code else None
    if direction is None and kind == "percent" and value < 0 and _CHANGE_BEFORE.search(text, max(0, start - 4), start):
        direction = "down"  # 同比-4%: a fall written as a negative change
    elif direction == "up" and value < 0:
        direction = "down"  # 增长-2.1%: a growth below zero is a fall
    if direction is None and kind == "percent" and value and _RATE_AS_LEVEL.search(text, max(floor, start - 16), start):
        direction = "up" if value > 0 else "down"  # 增速为-3.2%, 累计增速分别为76.3%: a growth rate given as its level
    if direction is None and code in ("pp", "bp") and (cmp := _COMPARED_BEFORE.search(text, max(floor, start - 14), start)):
        direction = "up" if cmp.group(1) in ("高于", "快于") else "down"  # 高于全国平均水平2个百分点: a gap is a difference
    level = None
    if kind == "number" and code is None and not g["sign"] and n1[:1].isdigit() and _FX_LEVEL_BEFORE.search(text, max(0, start - 4), start):
        if level := _quoted_level(text, start):  # 美元兑人民币中间价报7.1996, 美元指数报106.52
            code, direction = level[0], None  # a level, not a change
    if kind == "number" and code is None:  # a bare number names no indicator, subject or period (a multiple or points do)
        return Figure(text[start:end], start, end, kind, fmt_decimal(value),
                      fmt_decimal(value_max) if value_max is not None else None, code, approx, direction)  # fmt: skip
    before = _sentence_before(text, start)
    subject = _LATER
    if level:
        indicator, subject = level[1], level[2]
    elif kind == "money" and (operation := _OPERATION_AFTER.match(text, end)):
        indicator = operation.group(1)  # 开展2000亿元7天期逆回购操作, 另有1450亿元MLF到期: named right after the amount
    else:
        indicator = _indicator_of(before, kind)
    return Figure(text[start:end], start, end, kind, fmt_decimal(value),
                  fmt_decimal(value_max) if value_max is not None else None, code, approx, direction,
                  indicator, subject, _period_before(text, start, before, today))  # fmt: skip


def _quoted_level(text: str, start: int) -> tuple[str, str, str | None] | None:
    """(unit, indicator, subject) of a bare number quoted after a level's verb
    that is an exchange rate's level (美元兑人民币中间价报7.1996: CNY/USD, the pair,
    no subject) or an index's (美元指数报106.52: points), else None."""
    before = _sentence_before(text, start)
    if pair := _fx_pair(before):
        return pair[1], pair[0], None
    if _QUOTE_BEFORE.search(text, max(0, start - 3), start) and (index := _indicator(before)) not in (None, "指数") and _INDEX_NAME.search(index):
        return "点", index, _LATER
    return None


# A comparison with a gap in points after what is compared (高于全国平均水平2个百分点).
_COMPARED_BEFORE = re.compile(r"(高于|快于|低于|慢于)[\u4e00-\u9fff]{1,12}$")
# A central bank's operation named after its amount (开展2000亿元7天期逆回购操作, 5000亿元MLF).
_OPERATION_AFTER = re.compile(r"(?:\d+个?(?:天|月|年)期)?(逆回购|MLF|中期借贷便利|国库现金定存|买断式逆回购|PSL|抵押补充贷款|SLF|常备借贷便利|央票|正回购)")


# After 点 of index points: not a digit or a word that 点 begins (10点55分, 点评, 点击, 十点半).
_POINTS_NOT_BEFORE = frozenset("钟半多心评赞击名燃亮头明子滴数面状阵线醒拨")
_CLOCK_WORDS = re.compile(r"(?:上午|下午|中午|晚上|凌晨|早上|早晨|傍晚|夜里|今晚|昨晚|明早|每天|每日)$")


def _is_index_points(text: str, start: int, end: int, n1: str, value: Decimal, floor: int) -> bool:
    """A bare Arabic number before 点 is a level or a move of an index, unless
    it is a time of day: points above 24 or with decimals, or a move right
    after its verb (涨15点)."""
    if text[end : end + 1] not in ("点", "點") or not n1[:1].isdigit() or not n1.replace(".", "").replace(",", "").replace("，", "").isdigit():
        return False
    nxt = text[end + 1 : end + 2]
    if nxt and (nxt.isdigit() or nxt in _POINTS_NOT_BEFORE or nxt in _CN_DIGITS):
        return False
    if _CLOCK_WORDS.search(text, max(0, start - 2), start):
        return False
    return value > 24 or "." in n1 or _DIRECTION.search(text, max(floor, start - 6), start) is not None


_SCORE_OR_CLOCK = re.compile(r"得|评|打了?$|满|考|获|拿|积分|比分|总分|均分|分数|星级|上午|下午|晚上|凌晨|早上|中午|[:：]")


def _fen(text: str, n_start: int, end: int, n1: str, v1: Decimal) -> bool | None:
    """What 分 after a bare number is: cents (True), a score or minutes kept as
    a plain number (False), or no figure at all (None: the adverb 十分, a
    clock time 8点5分)."""
    after = text[end + 1 : end + 2]
    if n1 in ("十", "拾") or "点" in n1 or "點" in n1 or text[n_start - 1 : n_start] in ("时", "點", "点"):
        return None
    if after and ("\u4e00" <= after <= "\u9fff" and after not in "钱錢") and after not in _CN_DIGITS:
        return None  # 三分天下, 五分熟: a word
    if after and (after in _CN_DIGITS or after.isdigit()):
        return False  # 三分一, 5分30秒: a fraction or a duration
    if v1 != v1.to_integral_value() or not 1 <= v1 <= 99:
        return False  # 4.5分: a rating
    clause = text[max(0, n_start - 12) : n_start]
    clause = clause[max((c.end() for c in _CLAUSE_END.finditer(clause)), default=0) :]
    return not _SCORE_OR_CLOCK.search(clause)


_PERCENT_POINTS = re.compile(r"百分点|百分點")


def _and_a_half(text: str, m: re.Match, v1: Decimal, approx: str | None, floor: int, today: date | None) -> Figure | None:
    """N个半: N and a half. Before 百分点 a change in points (下降一个半百分点);
    before another word a count or a duration we do not keep (三个半月);
    on its own the number."""
    start, rest = m.start(), m.end("sub")
    points = _PERCENT_POINTS.match(text, rest)
    if points is None and "\u4e00" <= text[rest : rest + 1] <= "\u9fff":
        return None
    value = fmt_decimal(v1 + Decimal("0.5"))
    if points is None:
        return Figure(text[start:rest], start, rest, "number", value, approx=approx)
    end = points.end()
    return Figure(text[start:end], start, end, "percent", value, unit="pp", approx=approx, **_context(text, start, floor, today))


def _money_figure(text: str, start: int, end: int, value: Decimal, code: str, approx: str | None, g: dict, floor: int,
                  today: date | None) -> Figure:  # fmt: skip
    """A money figure read by one of the special rules above (cents, 個 as the dollar)."""
    approx = _APPROX_BEFORE.get(g["pre"] or "") or approx
    if per := _PER_BEFORE.search(text, max(0, start - 12), start):
        code = f"{code}/{PER[per.group(1)]}"  # 每股派息5分
    return Figure(text[start:end], start, end, "money", fmt_decimal(value), unit=code, approx=approx,
                  **_context(text, start, floor, today))  # fmt: skip


def _context(text: str, start: int, floor: int, today: date | None) -> dict:
    """Direction, indicator, subject and period of a figure at `start`, read
    from the words before it (for the figures the special rules above make)."""
    before = _sentence_before(text, start)
    return {"direction": _direction(text, start, floor), "indicator": _indicator(before), "subject": _LATER,
            "period": _period_before(text, start, before, today)}  # fmt: skip


_FRACTION_MARK = re.compile(r"分之|/(?<=\d/)(?=\d)")  # both branches open with a character


def _fractions(text: str):
    """Fraction matches, looked for only around 分之 and a/b, in a bounded
    window: the pattern has nested numerals, and a long run of digits would
    make a search over the whole text quadratic."""
    for mark in _FRACTION_MARK.finditer(text):
        lo = max(0, mark.start() - 24)
        for m in _FRACTION.finditer(text, lo, min(len(text), mark.end() + 24)):
            if m.start() <= mark.start() < m.end():
                yield m
                break


_AND = re.compile(r"[和及与、]|以及")


_BARE_IN_LIST = re.compile(r"(?:约|近|超|逾)?(\d+(?:\.\d+)?)[万萬亿億]?")


def _coordinated(text: str, figs: list[Figure]) -> list[Figure]:
    """Figures joined by 和/及/、 share what only one of them says:
    下调至27.3及56.2港元 (both HK$), 降低7%和8% (both down), and a list
    (分别为3.7、2.6、3.2、3.1和3.2个百分点: all five in points). Units travel
    leftwards along a list, directions rightwards."""
    out = list(figs)
    joined = [0 < out[i + 1].start - out[i].end <= 2 and bool(_AND.fullmatch(text[out[i].end : out[i + 1].start]))
              for i in range(len(out) - 1)]  # fmt: skip
    for i in range(len(out) - 2, -1, -1):
        a, b = out[i], out[i + 1]
        if not joined[i]:
            continue
        if a.kind == "number" and b.kind in ("money", "quantity", "percent") and b.unit and _BARE_IN_LIST.fullmatch(a.text):
            if not b.text[-1:].isdigit():
                scale = _trailing_scale(re.sub(r"[^\d.万萬亿億千百十]", "", b.text))
            elif (bare := _BARE_IN_LIST.fullmatch(b.text)) and Decimal(bare.group(1)):
                scale = Decimal(b.value) / Decimal(bare.group(1))  # 7100、3150、3000、800、2500亿元: 800 has its 亿 already
            else:
                scale = Decimal(1)
            if not a.text[-1].isdigit():
                scale = Decimal(1)  # 客运量分别达1409万、1305万人次: its own 万 is already in its value
            # 分别为3.7、2.6亿元: the list's 亿 is both figures' (within a factor of 100 of each other)
            value = Decimal(a.value) * (scale if scale != 1 and Decimal(a.value) * scale <= Decimal(b.value) * 100 else 1)
            out[i] = a._replace(kind=b.kind, unit=b.unit, value=fmt_decimal(value), indicator=b.indicator,
                             subject=b.subject, period=b.period)  # fmt: skip
        elif a.unit == "个" and a.text.endswith(("个", "個")) and b.unit in ("pp", "bp") and re.fullmatch(r"[\d.]+[个個]", a.text):
            out[i] = a._replace(kind=b.kind, unit=b.unit)  # 分别高于全国12.7个、12个百分点: both in points
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if joined[i] and a.kind == b.kind and a.direction and not b.direction:
            # 增速分别为5.1%、-3.2%: a rate below zero in the list is a fall
            out[i + 1] = b._replace(direction="down" if a.direction == "up" and b.value.startswith("-") else a.direction)
        elif (b.kind == a.kind == "money" and b.direction and b.unit and a.unit and "/" in a.unit and "/" not in b.unit
              and a.unit.startswith(b.unit + "/") and _PRICE_THEN_CHANGE.fullmatch(text, a.end, b.start)):  # fmt: skip
            out[i + 1] = b._replace(unit=a.unit)  # 19057元/吨，跌2元: the change of a price is per tonne too
        elif (a.kind == b.kind == "money" and a.direction and a.unit and b.unit and "/" not in a.unit and "/" in b.unit
              and b.unit.startswith(a.unit + "/") and _CHANGE_TO_LEVEL.fullmatch(text, a.end, b.start)):  # fmt: skip
            out[i] = a._replace(unit=b.unit)  # 下跌23元至3650元/吨: the change is per tonne, like the level it reached
    return out


_CHANGE_TO_LEVEL = re.compile(r"\s?(?:至|到)\s?")
# Between a price and the change that follows it: a comma, what it is
# compared with (较前一交易日, 比上周五, 环比) and the verb.
_PRICE_THEN_CHANGE = re.compile(r"[，,]\s?(?:(?:较|比)[^，。；,;\d]{1,8}?|环比|同比)?"
                                r"(?:上涨|下跌|涨|跌|上升|下降|回落|提高|降低|上调|下调|反弹)了?")


def kind_is_slogan(text: str, start: int, end: int) -> bool:
    """A count opening a short quoted phrase (“三个一批”, “两个方面”) names a
    policy or slogan."""
    if start == 0 or text[start - 1] not in "“「\"":
        return False
    close = min((i for i in (text.find(q, end) for q in "”」\"") if i >= 0), default=-1)
    return 0 <= close - end <= 6


def _fraction(text: str, m: re.Match) -> Figure | None:
    g = m.groupdict()
    if g["den"]:
        den, num = _value(g["den"]), _value(g["num"])
        if den is None or num is None or not den[0] or re.fullmatch(r"[百佰千仟万萬]+", g["den"]) and not g["whole"]:
            return None  # 百分之五 is a percentage, read by the general pattern
        frac = num[0] / den[0]
    else:
        if int(g["b"]) == 0 or (not g["whole"] and _looks_like_date(text, m)):
            return None  # 3/5日 is a date
        frac = Decimal(g["a"]) / Decimal(g["b"])
    whole = Decimal(0)
    if g["whole"]:
        read = _value(g["whole"])
        if read is None:
            return None
        whole = read[0]
    value = whole + frac
    return _fraction_figure(text, m, -value if g["neg"] else value)


def _looks_like_date(text: str, m: re.Match) -> bool:
    return bool(_DATE_AFTER.match(text, m.end()))  # not text[m.end():]: a copy of the rest per call


_DATE_AFTER = re.compile(r"\s*(?:日|号|月)")


_APPROX_LONGEST_FIRST = sorted(_APPROX_BEFORE, key=len, reverse=True)


def _approx_word_before(text: str, start: int) -> str:
    """The approximation word that ends at `start`, longest first (不超过 is
    "under", not the 超过 at its end), or ""."""
    return next((w for w in _APPROX_LONGEST_FIRST if text.endswith(w, 0, start)), "")


def _fraction_figure(text: str, m: re.Match, value: Decimal, start: int | None = None, whole: Decimal | int = 0) -> Figure:
    start = m.start() if start is None else start
    value = (value + whole).quantize(Decimal("1e-12")).normalize()
    # 近五分之一: the approximation word is the fraction's (else the general
    # pattern read 近五分之一 again, over the fraction)
    word = _approx_word_before(text, start)
    approx = _APPROX_BEFORE.get(word)
    start -= len(word) if word else 0
    unit = _MEASURE_AT.match(text, m.end())
    if unit:  # 四分之一公升: a fraction of a measure
        code, factor = MEASURES[unit.group()]
        return Figure(text[start : unit.end()], start, unit.end(), "quantity", fmt_decimal(value * factor), unit=code, approx=approx)
    return Figure(text[start : m.end()], start, m.end(), "number", fmt_decimal(value), approx=approx)


def _halves(text: str, taken: list[Figure], today: date | None) -> list[Figure]:
    """半 + a measure (半公升, 半加仑): half of it. 半个百分点: a change of
    half a point (下调半个百分点); 半个 ending a clause: a half."""
    out = []
    for m in _HALF.finditer(text):
        if any(f.start <= m.start() < f.end for f in taken):
            continue
        code, factor = MEASURES[m.group(1)]
        out.append(Figure(m.group(), m.start(), m.end(), "quantity", fmt_decimal(Decimal("0.5") * factor), unit=code))
    for m in _HALF_GE.finditer(text):
        start = m.start()
        if any(f.start <= start < f.end for f in taken):
            continue
        approx = _APPROX_BEFORE.get(_approx_word_before(text, start))  # 约半个百分点
        if points := _PERCENT_POINTS.match(text, m.end()):
            floor = max((f.end for f in taken if f.end <= start), default=0)
            out.append(Figure(text[start : points.end()], start, points.end(), "percent", "0.5", unit="pp", approx=approx,
                              **_context(text, start, floor, today)))  # fmt: skip
        elif not _word_follows(text, m.end()):
            out.append(Figure(m.group(), start, m.end(), "number", "0.5", approx=approx))  # 只剩半个。
    return out


def _jin_liang(text: str, figs: list[Figure]) -> list[Figure]:
    """3斤5两: one weight (3.5 jin; a jin is ten liang)."""
    return _joined(text, figs, lambda a, b: Decimal(a.value) + Decimal(b.value) / 10
                   if a.unit == "jin" and b.unit == "liang" and b.start == a.end else None)  # fmt: skip


_CENTS_WORDS = tuple(CURRENCY_CENTS)


def _with_cents(text: str, figs: list[Figure]) -> list[Figure]:
    """两美元又三美分, 5英镑20便士: one amount (2.03 USD, 5.2 GBP)."""
    return _joined(text, figs, lambda a, b: Decimal(a.value) + Decimal(b.value)
                   if (b.kind == a.kind == "money" and b.unit == a.unit and b.text.endswith(_CENTS_WORDS)
                       and not a.text.endswith(_CENTS_WORDS) and text[a.end : b.start] in ("", "又", "零")
                       and b.value_max is None and b.approx is None) else None)  # fmt: skip


def _joined(text: str, figs: list[Figure], value_of) -> list[Figure]:
    """Figures one after the other made one where `value_of(a, b)` gives the
    value of the two together (else None); a range is never joined."""
    out: list[Figure] = []
    for f in figs:
        prev = out[-1] if out else None
        value = value_of(prev, f) if prev is not None and prev.value_max is None else None
        if value is not None:
            out[-1] = prev._replace(text=text[prev.start : f.end], end=f.end, value=fmt_decimal(value))
            continue
        out.append(f)
    return out


def _ranges(text: str, figs: list[Figure]) -> list[Figure]:
    """Two figures of the same kind and unit joined by a range mark, each with its
    unit (两升到三升, 1.6m-3.9m): one range."""
    out: list[Figure] = []
    for f in figs:
        prev = out[-1] if out else None
        if (prev is not None and prev.value_max is None and f.value_max is None and prev.kind == f.kind
                and prev.kind in ("money", "quantity") and prev.unit == f.unit and prev.unit):  # fmt: skip
            high = None
            if prev.direction or Decimal(prev.value) > Decimal(f.value.lstrip("-")):
                pass  # 下降322.9万桶至4.195亿桶: a change, then the level it reached
            elif _RANGE_SEP.fullmatch(text[prev.end : f.start]):
                high = f.value
            elif f.start == prev.end and f.text[:1] in "-－" and f.value.startswith("-"):
                high = f.value[1:]  # 1.6m-3.9m: the dash is the range's, not a minus
            if high is not None:
                out[-1] = prev._replace(text=text[prev.start : f.end], end=f.end, value_max=high,
                                  approx=prev.approx or f.approx, direction=prev.direction or f.direction)  # fmt: skip
                continue
        out.append(f)
    return out


def _subunits(sub: str) -> Decimal | None:
    """The fractions of a yuan after it: 1角1分, 七毛八, 零四 (= 0.04), 二 (= 0.2)."""
    total = Decimal(0)
    if re.fullmatch(rf"零[{_CN_DIGITS}\d]", sub):
        v = parse_numeral(sub[1])
        return v * Decimal("0.01") if v is not None else None
    parts = re.findall(rf"([{_CN_DIGITS}\d]+)([角毛毫分仙]?)", sub)
    for i, (num, unit) in enumerate(parts):
        v = parse_numeral(num)
        if v is None:
            return None
        if not unit:  # 七毛八: a digit after 毛 is in 分; a lone digit after 元 is in 角
            unit = "分" if i > 0 else "角"
        total += v * SUBUNITS[unit]
    return total or None


def _is_year_like(text: str, m: re.Match) -> bool:
    """A bare four-digit number right before 年 or in 2021-11 style is a date."""
    n1 = m.group("n1")
    after = text[m.end() : m.end() + 1]
    return (after in ("年", "/", "-", ".") or text.startswith("财年", m.end())) and bool(_YEAR_NUMBER.fullmatch(n1))  # 2024财年: a fiscal year


_YEAR_NUMBER = re.compile(r"(19|20)\d\d")


_RANK_AT = re.compile(rf"第(?P<n>[{_CN_ALL}\d]+)(?P<tail>名|位)?(?=[，。；、,;：:）)\s]|$|[\u4e00-\u9fff])")
_FIRST_PLACE = re.compile(r"(?:位居|稳居|居于|跃居|排名|位列|保持|名列|居)(?P<scope>[\u4e00-\u9fff]{0,4}?)(?P<first>首位|榜首)")
_RANK_VERB = re.compile(r"排名|排在|排|位列|位居|位于|稳居|居于|跃居|跃升至|升至|降至|退至|保持|居|列|名列|跻身")
_SCOPE_WORD = re.compile(r"[\u4e00-\u9fff]{1,6}$")
_NOT_SCOPE = re.compile(r"[由从的年月]")  # 排名由去年的第15位: a time, not a scope
# A scope without a verb before it: a known scope word or a place (全省第七, 以资产计中国第二).
_SCOPE_KNOWN = re.compile(r"(?:全国|全省|全市|全区|全县|全球|世界|中国|亚洲|国内|省内|市内|行业内?|同业|同类|板块|两市|沪深|城市)$")


def _place_at_end(window: str) -> str | None:
    """The name of a region that ends the window (晋中, 晋中市, 呼和浩特市), if any."""
    from caixun.enrich.regions import gazetteer  # the gazetteer loads on first use

    names = gazetteer().names
    return next((window[-n:] for n in (6, 5, 4, 3, 2) if window[-n:] in names), None)


def _scope_before_verb(head: str) -> str | None:
    """A scope word, or a place after 在, that ends the words before a rank's verb."""
    if word := _SCOPE_KNOWN.search(head):
        return word.group()
    place = _place_at_end(head)
    return place if place and head.endswith("在" + place) else None


def _ranks(text: str, taken: set[tuple[int, int]], today: date | None) -> list[Figure]:
    """第N as a rank: after a verb (排名晋中第一: scope 晋中; 稳居第一: no scope),
    or after a scope word (全省第七), or as 第N名/第N位."""
    out = []
    for m in _RANK_AT.finditer(text):
        fig_start = m.start()
        if _RANK_NOT.match(text, fig_start):
            continue
        read = _value(m.group("n"))
        value = read[0] if read else None
        if value is None or value <= 0:
            continue
        window = text[max(0, fig_start - 10) : fig_start]
        window = window[max((c.end() for c in _CLAUSE_END.finditer(window)), default=0) :]
        verbs = list(_RANK_VERB.finditer(window))
        if verbs:
            after_verb = window[verbs[-1].end() :]
            scope = after_verb if _SCOPE_WORD.fullmatch(after_verb or "x") and not _NOT_SCOPE.search(after_verb) else None
            if not after_verb:  # 增速在全省排名第二, 在晋中排名第一: the scope before the verb (but 广东省稳居第一 is the subject's)
                head = window[: verbs[-1].start()]
                scope = _scope_before_verb(head) or _scope_before_verb(head.removesuffix("中"))  # 在全国城市中排第3
        else:
            word = _SCOPE_KNOWN.search(window)
            scope = word.group() if word else _place_at_end(window)
            if scope is None and not m.group("tail"):
                continue
        if scope:
            scope = re.sub(r"^(?:排名|排在|位列|位居|位于|名列|总量|总额|增速|规模)+", "", scope) or None
        end = m.end("tail") if m.group("tail") else m.end("n")
        before = _sentence_before(text, fig_start)
        out.append(Figure(text=text[fig_start:end], start=fig_start, end=end, kind="rank", value=fmt_decimal(value),
                          indicator=_indicator(before), subject=_LATER,
                          period=_period_before(text, fig_start, before, today), scope=scope))  # fmt: skip
    for m in _FIRST_PLACE.finditer(text) if "首位" in text or "榜首" in text else ():  # 居全国首位, 位居榜首: first, in words
        before = _sentence_before(text, m.start())
        out.append(Figure(text=m.group("first"), start=m.start("first"), end=m.end("first"), kind="rank", value="1",
                          indicator=_indicator(before), subject=_subject(before),
                          period=_period_before(text, m.start(), before, today), scope=m.group("scope") or None))  # fmt: skip
    return out
