"""What a market flash names (pure): the stock right before its move, the
company announcing at a sentence's start, the exchange it announces at, a
sector's or an industry's move, and whether a move or a quote is of the
article's day. `caixun.enrich.facts` reads a figure's subject and period
with these; they are here so that a reader of a flash's rules finds them
in one place.

    华能国际涨8%；…药明生物涨超6%      -> 药明生物 moved (the table of companies need not know it)
    中骏集团控股…在港交所公告，…75.37亿元 -> 中骏集团控股's, not the exchange's
    3个月shibor报2.4890%               -> the article's day (3个月 is a tenor)
"""

from __future__ import annotations

import re

from caixun.enrich.context import NOT_A_RATE
from caixun.enrich.securities import Security

# An industry's move beside a company's (公司11月销量跌16%，大于行业跌大约11%): no
# company's figure; the company's carry goes on after it.
INDUSTRY_MOVE = re.compile(r"(?<![该本个])行业(?:整体|总体)?(?:同比)?(?:大跌|大涨|下跌|上涨|下滑|下降|增长|跌|涨)[^，。；\d]{0,4}$")
# The verb of a market's move or quote right before its figure.
_MOVE_BEFORE = re.compile(r"(?:收涨|收跌|收报|报收于?|收于|收盘报|大涨|大跌|暴涨|暴跌|上涨|下跌|低开|高开|涨|跌|报)$")
# The name right before a move (华能国际涨8%, 药明生物涨超6%, 京东健康涨超3%,
# 阿里巴巴跌5%): a stock named without its code, which the table of
# companies may not know. Not a sector (医药股, 苹果概念股), an index, the
# market, a group (行业, 板块) or a measure (哈弗品牌销量跌32%).
_MOVER = re.compile(r"(?:^|(?<=[，。；、,;：:\s）)】]))(?:隔夜|今日|昨日|周[一二三四五])?([\u4e00-\u9fffA-Za-z]{2,8}?)(?:盘中|午后|早盘|尾盘|午间|续|再|一度|全天|收)*"
                    r"(?:大涨|大跌|暴涨|暴跌|上涨|下跌|涨超|涨逾|涨近|跌超|跌逾|跌近|涨|跌)$")
_NOT_A_MOVER = re.compile(r"(?:(?<!控)股|板块|行业|概念|指数?|市场|两市|大盘|个股|价格?|量|额|率|值|数|元|币|期货|合约|基金|ETF|债|资金|品牌|产品|市|省|国|"
                          r"收盘|开盘|盘中|午盘|早盘|尾盘|上午|下午|今日|昨日|本周|全周|当日|同比|环比|累计|全年|均|也|则|而|但|并|又|还|亦|分别|一度|随后)$"
                          r"|^(?:其中|其|此外|同时|而|但|并|随后|目前|截至|今日|昨日|本周|全天|午后|盘中|早盘|尾盘|每|这|那|该|此|本)")
# A venue, not a subject: 中骏集团控股在港交所公告.
VENUE_AFTER = re.compile(r"(?:公告|发布|披露|上市|挂牌|发行|交易)")
# A day named (隔夜美股 is the day before; 隔夜shibor is today's rate, and the
# session words 盘中, 早盘 alone are the article's day).
_DAY_NAMED = re.compile(r"(?<!今)(?<!交易)日|周|昨|隔夜" + NOT_A_RATE)  # 今日 is the article's day too; 第34个交易日 is a count
# Any time named (3个月shibor is a tenor, not a time; 前11个月 is).
TIME_WORD = re.compile(r"[年季]|(?<!\d个)月|前\d{1,2}个月|" + _DAY_NAMED.pattern)
# A company announcing at a sentence's start (中骏集团控股12月8日午间在港交所公告，
# 苏州银行12月8日公告): the subject of the figures it announces, listed or not.
_ANNOUNCER = re.compile(r"(?:^|(?<=[。\n】]))([\u4e00-\u9fff]{2,10}?)(?:[(（][A-Za-z0-9.]+[)）])?(?:\d{1,2}月\d{1,2}日)?"
                        r"(?:午间|晚间|早间|盘后|盘前|晚|早)?(?:在(?:港交所|上交所|深交所|联交所|北交所))?"
                        r"(?:(?:发布)?(?:公告|披露|财报)|(?:表示|称)[，,：:](?=[^。]{0,6}公司))")  # 牧原股份表示，公司预计…
_NOT_ANNOUNCER = re.compile(r"^(?:公司|本公司|该公司|本行|该行|集团|本集团|记者|最新|此前|同日|当日|今日|近日)|[省市县区]$"
                            r"|(?:中|报告|研报|人士|分析师|记者|机构|专家|数据|消息|资料|官员|负责人)$")  # 报告中称，公司…: not a company


_ANNOUNCES = re.compile("公告|披露|财报|表示|称")


def announcers(text: str) -> list[Security]:
    """The companies `_ANNOUNCER` finds, looked for only around each 公告,
    披露, 财报, 表示 or 称 (the pattern tried at every position was most of
    this function)."""
    out: list[Security] = []
    for word in _ANNOUNCES.finditer(text):
        m = _ANNOUNCER.search(text, max(0, word.start() - 40), word.end() + 12)  # 表示， looks ahead for 公司
        if m is not None and m.end() in (word.end(), word.end() + 1) and not _NOT_ANNOUNCER.search(m.group(1)) and (not out or out[-1].start != m.start(1)):
            out.append(Security(m.group(1), m.start(1), m.end(1), None, m.group(1)))  # type: ignore[arg-type] (None: no code)
    return out


FUTURES = re.compile(r"期货|主力合约")
# The company itself, named before (公司 alone, 本公司, 该公司; not 子公司, 分公司, 公司债).
SELF = re.compile(r"(?<![子分总])(?<!上市)(?<!投资)公司(?![债股])|本行|本集团")


_SECTOR = re.compile(r"(?:(?<!控)股|板块|概念|行业)$")  # not 汇丰控股
SECTOR_MOVE = Security("", 0, 0, None, None)  # type: ignore[arg-type] (a sector's move: no one's)


def mover(text: str, start: int, security):
    """The stock whose move is the figure at `start`, named right before its
    verb (`_MOVER`), when no stock of the table or with a code is named
    there: a Security without a code. A table's name that the mover's name
    holds at its start is a longer, other name (比亚迪电子 is not 比亚迪). A
    sector's move (汽车股大涨4%) is `SECTOR_MOVE`: no one's, nor the stock's
    named before it."""
    if start == 0 or text[start - 1] not in "涨跌超逾近":
        return None  # most figures follow no move verb: the pattern is not tried
    m = _MOVER.search(text, max(0, start - 14), start)
    if m is not None and _SECTOR.search(m.group(1)):
        return SECTOR_MOVE
    if m is None or _NOT_A_MOVER.search(m.group(1)):
        return None
    if security is not None and security.start >= m.start(1) and not (security.start == m.start(1) and security.end < m.end(1)):
        return None  # the stock named there is known: its name and code
    return Security(m.group(1), m.start(1), m.end(1), None, m.group(1))  # type: ignore[arg-type] (None: no code)


# What a market quotes during its day (成交额672.03亿港元, 南下资金净买入12.56亿港元,
# 隔夜shibor报2.1510%, 纯碱期货主力合约报2378.0元/吨, 总市值不足10亿港元): the
# article's day when its clause names no time, as a stock's or an index's move.
MARKET_QUANTITY = re.compile(r"成交额|成交量|净买入|净卖出|净流入|净流出|市值|(?i:shibor)|期货|合约")
_QUOTE_BEFORE = re.compile(r"(?:成交额|成交量|净买入|净卖出|净流入|净流出|市值|报|跌停|涨停|跌幅为|涨幅为|低见|高见)(?:已|约|达|为)*$")
_REACHES = re.compile(r"(?:达到|达|突破|为|至)$")  # 成交额…今日达到1.1万亿元: only of a market's quantity


NO_PERIOD = frozenset(("目标价", "评级"))


def clause_start(text: str, start: int) -> int:
    return max(text.rfind(c, max(0, start - 80), start) for c in "，。；！？,;\n") + 1


def is_a_days_move(text: str, start: int, quantity: bool = False) -> bool:
    """国企指数涨1.29%, 碧桂园大跌11.15%，报14.5元: a market's move or quote whose
    clause names no time is of the article's day (a month's move says its
    month: 恒指1月大涨10%). A day named before a ； in its sentence still
    counts (周四道指收涨…；标普500指数涨10.93点 is Thursday's too), a month does
    not (恒指1月大涨10%；国企指数涨1.29%: the day's)."""
    if (not _MOVE_BEFORE.search(text, max(0, start - 4), start) and not _QUOTE_BEFORE.search(text, max(0, start - 8), start)
            and not (quantity and _REACHES.search(text, max(0, start - 2), start))):  # fmt: skip
        return False
    full_stop = max(text.rfind("。", 0, start), text.rfind("\n", 0, start))
    clause = max(full_stop, text.rfind("；", 0, start), text.rfind("！", 0, start), text.rfind("？", 0, start))
    return not TIME_WORD.search(text, clause + 1, start) and not _DAY_NAMED.search(text, full_stop + 1, start)


