"""All of a text's data at once: figures and entities (pure).

Each figure is also tied to the entities it is about, where the text says so:
`region` is the administrative code of the last place named earlier in its
sentence (介休市GDP增长8.5% -> 140781; a rank's subject is not the place it
ranks within: 介休市…排名晋中第一 -> 140781);
`security` is the code of the last stock named earlier in its sentence
(贵州茅台(600519)盘中涨逾2% -> 600519.SH). The `subject` is that stock's name,
else that place's official name (上海 -> 上海市), else null. The figure stage's
own guess from the words before a figure (any word ending in 省, 市, 县…) is not
asked for: the region stage knows the places (全省 and 坚决扛起省 are none), and
the guess cost a tenth of extraction.
"""

from __future__ import annotations

import bisect
import re
from datetime import date
from typing import Any, NamedTuple

import ahocorasick_rs

from caixun.enrich import EXTRACTOR_VERSION, is_shown  # noqa: F401 (EXTRACTOR_VERSION re-exported)
from caixun.enrich.companies import company_names, extract_companies
from caixun.enrich.context import _CARRY_GAP
from caixun.enrich.figures import extract_figures, list_run, respectively
from caixun.enrich.market import (
    FUTURES,
    INDUSTRY_MOVE,
    MARKET_QUANTITY,
    NO_PERIOD,
    SECTOR_MOVE,
    SELF,
    TIME_WORD,
    VENUE_AFTER,
    announcers,
    clause_start,
    is_a_days_move,
    mover,
)
from caixun.enrich.measures import measure
from caixun.enrich.regions import extract_regions
from caixun.enrich.securities import extract_securities
from caixun.enrich.units import fold_traditional

_SENTENCE_END = re.compile(r"[。；！？\n]")
# Economies whose figures Chinese news reports (美国7月CPI同比升2.9%, 全国居民消费
# 价格同比下降0.2%): the subject of a figure when named after any Chinese place
# or stock in its sentence. 全国, 我国 and 国家统计局 are China; 比全国高 compares
# with it (the figure is the place's before it), 中国银行 is a company (a stock).
# China's ministries and national agencies: their statistics are China's
# (国家知识产权局…81.5万件, 财政部2年期国债中标利率), unless another country's
# (美国财政部: _FOREIGN_BEFORE).
_MINISTRIES = ("国家知识产权局", "国家能源局", "国家发改委", "国家发展改革委", "财政部", "商务部", "海关总署", "国家外汇管理局",
               "国家税务总局", "工信部", "工业和信息化部", "农业农村部", "国家市场监管总局", "住建部", "住房和城乡建设部")  # fmt: skip
_LOCAL = re.compile(r"各地|各省|各级|各市|地方政府")
_ECONOMY_NAMES = ["美国", "日本", "欧元区", "欧盟", "英国", "德国", "法国", "意大利", "西班牙", "韩国", "印度", "俄罗斯", "加拿大",
                  "澳大利亚", "澳洲", "新西兰", "巴西", "墨西哥", "越南", "新加坡", "印度尼西亚", "印尼", "泰国", "马来西亚", "菲律宾",
                  "土耳其", "沙特", "南非", "阿根廷", "瑞士", "瑞典", "荷兰", "中国", "全国", "我国", "国家统计局",
                  "央行", "人民银行", "中国人民银行", *_MINISTRIES]  # fmt: skip
# Aho-Corasick finds them in one pass (an alternation of 36 words tried at
# every position was 7% of extraction); the words around are checked after.
_ECONOMY_AC = ahocorasick_rs.AhoCorasick(_ECONOMY_NAMES, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
_NOT_AFTER = {"中国": "中人银石平建工农交移电联铁海国", "全国": "人政"}  # 中国人民银行, 中国银行, 全国人大: organizations
_CHINA = {"全国": "中国", "我国": "中国", "国家统计局": "中国", "央行": "中国", "人民银行": "中国", "中国人民银行": "中国",
          **dict.fromkeys(_MINISTRIES, "中国")}
# 央行 alone is China's central bank in Chinese news; after another economy
# (日本央行, 欧洲央行, 各国央行) it is that one's, or no one's.
_FOREIGN_BEFORE = re.compile(r"(?:美国|美|日本|日|欧洲|欧|英国|英|澳洲|澳|加拿大|加|瑞士|瑞典|韩国|韩|印度|俄罗斯|俄|土耳其|巴西|新西兰|挪威|"
                             r"各国|全球|多国|海外|外国|其他|主要|新兴市场)$")  # fmt: skip
# 上海原油期货, 美国原油期货, 上海证券交易所: a market or its product, not the place's or the economy's.
_PRODUCT_AFTER = re.compile(r"(?:原油|燃料油|黄金|白银|铜|铝|天然气|国债)?期货|(?:证券|期货)?交易所")
_NOT_SUBJECT_AFTER = re.compile(r"第[一二三四五六七八九十百\d]{1,3}[名位]?(?=[，。、；,;\s）)]|$)|委|政府|人大|政协|纪委|[)）](?:股份)?有限(?:责任)?公司|"  # 晋中第一, not 台湾第一季度
                                + _PRODUCT_AFTER.pattern)
# The market as a whole (市场股基日均成交额, A股市场融资融券余额): no company's figure.
_MARKET_WIDE = re.compile(r"(?:(?<!国际)(?<!海外)(?<!国内)(?<!本土)(?<!境外)市场|两市|沪深两市|全市场|A股)[^，。；]{0,16}$")  # 国际市场游戏收入: a segment
_RANK_VERBS = frozenset(("排名", "位居", "位列", "居于", "名列"))
# A market index (not 居民消费价格指数 or 采购经理指数, which measure an economy).
_MARKET_INDEX = re.compile(r"(?:[沪深恒道纳国]指|成指|板指|创指|股指|综指|(?:上证|深证|沪深|中证|恒生|国企|红筹|标普|纳斯达克|道琼斯|日经|富时|科创|创业板|"
                           r"斯托克|德国DAX|法国CAC|MSCI)\w*指数?|标普500|科创50|沪深300|中证500|中证1000|上证50)$")  # fmt: skip
# 行业中17家重点企业累计完成工业增加值: a group of companies' total, not the economy's.
_GROUP_OF_FIRMS = re.compile(r"(?:(?:\d+|[一二三四五六七八九十百]+)(?:家[^，。；]{0,8}(?:企业|公司|银行|车企|券商)|个(?:省份|城市|国家))"
                             r"|[、和与及][\u4e00-\u9fff]{2,6}[两三四五六七八九十]国)[^。；]*$")  # 2个省份GDP超过2万亿元, 加拿大、俄罗斯、白俄罗斯、德国四国
_DATELINE = re.compile(r"\s*(?:\d{1,2}月\d{1,2}日|[0-9]{1,2}日|[电讯](?=[\s，,：:（(]|$))")  # not 上海电气


def extract(text: str, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"figures": [...], "entities": [...]} with character offsets into `text`.

    Entities are securities and regions, in text order. Figures that are the
    digits of a stock code are left to the entities, and a place name inside a
    company's name (上海机场(600009)) is not a region mention."""
    securities = extract_securities(text)
    figures = extract_figures(text, today, subjects=False)
    folded = fold_traditional(text)  # 廣東 is found as 广东, and given as written
    regions = extract_regions(text) if folded is text else [r._replace(text=text[r.start : r.end]) for r in extract_regions(folded)]
    if securities:
        code_spans = [(e.start, e.end) for e in securities]
        figures = [f for f in figures if not any(s <= f.start and f.end <= e for s, e in code_spans)]
        regions = [r for r in regions if not any(s <= r.start and r.end <= e for s, e in code_spans)]
    # Companies named without a code (建行, 湖北宜化) are subjects as stocks
    # are; a place in their name (湖北) is no place of the text's.
    companies = [c for c in extract_companies(folded) if not any(s.start < c.end and c.start < s.end for s in securities)
                 and not (folded[c.start - 1 : c.start] in ("在", "于") and VENUE_AFTER.match(folded, c.end))]  # fmt: skip
    companies += [a for a in announcers(folded) if not any(s.start < a.end and a.start < s.end for s in [*securities, *companies])]
    if companies:
        regions = [r for r in regions if not any(c.start < r.end and r.start < c.end for c in companies)]
    entities = sorted([*securities, *regions], key=lambda e: e.start)
    indices = [s for s in securities if s.name and _MARKET_INDEX.search(s.name)]  # 沪指（000001）: no subject, but it stops one's carry
    securities = sorted([*(s for s in securities if s not in indices), *companies], key=lambda e: e.start)
    # A place in a dateline (路透北京8月31日, 本报上海电) is where the story was
    # filed, not what its figures are about.
    # Nor is a place a figure's subject when it names where a rank is counted
    # (排名晋中第二, 全省第七: the rank, and what follows, are the report's own
    # place's) or an organization of it (晋中市委, 省政府).
    about = [r for r in regions if not _DATELINE.match(text, r.end) and not _NOT_SUBJECT_AFTER.match(folded, r.end)
             and not (r.start >= 2 and folded[r.start - 2 : r.start] in _RANK_VERBS)]  # fmt: skip
    region_ends = [r.end for r in about]
    security_ends = [s.end for s in securities]
    economies = _economies(folded) if figures else []
    economy_ends = [e.end for e in economies]
    sentence_starts = [0, *(m.end() for m in _SENTENCE_END.finditer(text))] if about or securities or economies else [0]
    homes = _home_regions(about)
    dominant = _title_place(text, about) or _dominant(about)
    national = _national(folded, economies)
    respective = _respective(text, figures, about, sentence_starts) if len(about) > 1 and "分别" in text else {}
    respective_stock = _respective(text, figures, securities, sentence_starts) if len(securities) > 1 and "分别" in text else {}
    out = []
    carry = None  # the last figure with a subject
    # Any place named between (晋中 in 排名晋中第二 too, though it is no subject), stock or economy stops a subject's carry.
    mention_starts = sorted({*(r.start for r in regions), *(s.start for s in securities), *(e.start for e in economies), *(s.start for s in indices)})
    # This loop runs for every figure (one per 40 characters): most texts
    # name no stock and many no place, so those lookups are skipped whole.
    for i, f in enumerate(figures):
        d = f.as_dict()
        start, bare = f.start, not is_shown(d)  # 十九届; but 3128.56点 and 1.5倍 are about something
        security = mention = economy = None
        sector = False
        if about or securities or economies:
            sentence_start = sentence_starts[bisect.bisect_right(sentence_starts, start) - 1]
            if securities:
                security = _last_before(securities, security_ends, start, sentence_start)
            if economies:
                economy = _last_before(economies, economy_ends, start, sentence_start)
                if economy is not None and folded[economy.start : economy.end] in _MINISTRIES and _LOCAL.search(folded, economy.end, start):
                    economy = None  # 财政部要求，…各地…专项债券发行比例不得低于80%: the provinces' figure, not China's
            if about:
                mention = _last_before(about, region_ends, start, sentence_start)
                if mention is not None and f.scope and folded[mention.start : mention.end] in f.scope:  # the scope is read folded
                    # 介休市…总量排名晋中第一: 晋中 is where it ranks, the rank is 介休市's
                    mention = _last_before(about, region_ends, mention.start, sentence_start)
        if i in respective:
            mention = respective[i]  # 北京、上海…分别为1.2万套和1.5万套: the i-th place's
        if (securities and (folded.find("公司", sentence_start, start) >= 0 or folded.find("本", sentence_start, start) >= 0)
                and (own := SELF.search(folded, sentence_start, start)) is not None
                and not INDUSTRY_MOVE.search(folded, max(0, start - 16), start)):  # fmt: skip
            # 中国广核(003816)…。…公司2022年…共安排112.93亿千瓦时, 华兰生物…表示，目前公司流感疫苗覆盖全国2500多家: the company's
            named = _last_before(securities, security_ends, own.start(), max(0, start - 300))
            if named is not None:
                security, mention, economy = named, None, None
        if i in respective_stock:
            security = respective_stock[i]  # 贵州茅台(600519)、五粮液(000858)分别涨2%和3%
        elif not bare and (moved := mover(folded, start, security)) is not None:
            security = moved  # 华能国际涨8%；…药明生物涨超6%: the stock right before its move, not one named earlier
            sector = moved is SECTOR_MOVE
            if not sector and moved.code is None and FUTURES.search(folded, max(0, start - 200), start) and moved.name not in company_names():
                d["indicator"], sector = moved.name, True  # 国内商品期货多数收跌…硅铁跌超5%: a contract's move, no one's
        code = mention.code if mention is not None else None
        if code is None and not bare and homes:
            # 全市/我省…: the report's own city or province, the one it names most
            words = _HOME_WORDS.findall(folded, sentence_start, start)
            if f.scope:  # 全省第七: ranked within the province, not the province's rank
                words = [w for w in words if w not in f.scope]
            home = next((homes[w] for w in words if w in homes), None)
            if home is not None:
                code, mention = home.code, home
        if code is None and not bare and dominant is not None and dominant.start < start and security is None and economy is None:
            # A sentence naming no place in a report about one place (介休市
            # named in most of its mentions) is about that place, once the
            # text has named it (a market close that names 香港 in its last
            # lines is not about 香港 from its first).
            code, mention = dominant.code, dominant
        d["region"] = code
        # The subject is a company or a place the text names: the stock named
        # before it, else the place named before it.
        if sector:
            d["subject"] = d["region"] = None  # 汽车股大涨4%: a sector's move, no one's (but the day's)
        elif bare:
            d["subject"] = d["subject"] or None  # "": the figure stage left it to this one
        else:
            d["subject"] = (security.name if security is not None else None) or (mention.name if mention else None)
            if economy is not None and f.kind != "rank" and (security is None or security.start < economy.start) and (mention is None or mention.start < economy.start):
                d["subject"], d["region"] = economy.name, None  # 美国7月CPI after 中国…: America's
                if _GROUP_OF_FIRMS.search(folded, sentence_start, start):
                    d["subject"] = None  # 加拿大、俄罗斯、白俄罗斯、德国四国…占世界总量的92%: a group's, no one's
        d["security"] = security.code if security is not None else None
        index = bool(f.indicator and _MARKET_INDEX.search(f.indicator))
        if index:
            d["subject"] = d["region"] = d["security"] = None  # 沪指报3480.83, 恒指涨近1%: an index is about no place or company
        elif not bare and not sector and d["subject"] is None and carry is not None and _subject_carries(folded, carry, start, mention_starts):
            if INDUSTRY_MOVE.search(folded, max(0, start - 16), start):
                pass
            elif _MARKET_WIDE.search(folded, max(0, start - 24), start) or _GROUP_OF_FIRMS.search(folded, max(0, start - 30), start):
                carry = None  # the market's figure (or a group of firms'), and those its clause goes on with (相比去年同期增长9%)
            else:
                d["subject"], d["region"], d["security"] = carry["subject"], carry["region"], carry["security"]
        if (national is not None and not bare and d["subject"] is None and d["indicator"] is not None and national < start and not indices
                and not _GROUP_OF_FIRMS.search(folded, max(0, start - 30), start)):  # fmt: skip
            d["subject"] = "中国"  # a text about China's economy (国家统计局…我国CPI): its statistics are China's
        if not bare and d["subject"] is not None:
            carry = d
        if d["indicator"] in NO_PERIOD and d["period"] is not None and not TIME_WORD.search(folded, clause_start(folded, start), start):
            d["period"] = None  # 预计明年销量增46%…，目标价41港元: a target price has no period (明年 is the sales')
        quantity = bool(MARKET_QUANTITY.search(d["indicator"] or ""))
        if today is not None and (index or security is not None or quantity) and is_a_days_move(folded, start, quantity):
            d["period"] = today.isoformat()
        d["measure"] = measure(folded, d) if not bare else None
        out.append(d)
    return {"figures": out, "entities": [e.as_dict() for e in entities]}


def _subject_carries(text: str, before: dict, start: int, mention_starts: list[int]) -> bool:
    """A figure whose sentence names no subject takes the one of the figure
    before it, over clauses and sentences and one paragraph break, within
    _CARRY_GAP characters, when no place, stock or economy is named between
    (PMI为52.2%，环比回落0.7个百分点。…但比去年同期仍回升0.2个百分点: 中国's)."""
    gap_start = before["end"]
    if not 0 <= start - gap_start <= _CARRY_GAP or text.count("\n\n", gap_start, start) > 1:
        return False
    i = bisect.bisect_right(mention_starts, gap_start)
    return i >= len(mention_starts) or mention_starts[i] >= start


def _economies(text: str) -> list:
    out = []
    for i, start, end in _ECONOMY_AC.find_matches_as_indexes(text):
        name = _ECONOMY_NAMES[i]
        before, after = text[start - 1 : start] if start else "", text[end : end + 1]
        if before in ("对", "比", "较", "于") or after in ("元", "币", "债", "股") or (after and after in _NOT_AFTER.get(name, "")):
            continue  # 比全国高: a comparison; 美元, 美债: not the economy
        if _PRODUCT_AFTER.match(text, end):
            continue  # 美国原油期货: a market's product, not the economy
        if name == "中国" and before == "中":
            continue
        if name in ("全国", "我国") and after in ("第", "首", "前"):
            continue  # 居全国第5位, 全国首位, 全国前列: where a rank is counted, not the figure's subject
        if (name == "央行" or name in _MINISTRIES) and _FOREIGN_BEFORE.search(text, max(0, start - 5), start):
            continue
        if text.rfind("《", 0, start) > text.rfind("》", 0, start):
            continue  # 《中国经济周刊》: a title
        out.append(_Economy(start, end, _CHINA.get(name, name)))
    return out


def _national(text: str, economies: list) -> int | None:
    """Where a text on China's statistics has named China for the second
    time, else None. Such a text names 国家统计局, or says 我国 or 全国 twice,
    and most of its economies' mentions are China's (an auto-sales report
    may mention 日本地震). Its figures with an indicator and no other subject
    are China's (the CPI text's 翘尾 and 食品价格 paragraphs name no place);
    a money-market or bond text (央行, 地方债) is not about an economy's
    statistics."""
    china = [e for e in economies if e.name == "中国"]
    national = [e for e in china if text.startswith(("国家统计局", "我国", "全国"), e.start)]
    if len(china) < 2 or 2 * len(china) <= len(economies) or not (len(national) >= 2 or any(text.startswith("国家统计局", e.start) for e in national)):
        return None
    return china[1].start


class _Economy(NamedTuple):
    start: int
    end: int
    name: str


def _respective(text: str, figures: list, about: list, sentence_starts: list[int]) -> dict[int, Any]:
    """分别 pairs a list of places (or stocks) with a list of figures, in order:
    北京、上海两地二手房成交量分别为1.2万套和1.5万套 (北京 1.2万套, 上海 1.5万套).
    The places are the last run of two or more mentions before 分别 in its
    sentence, joined only by 、/和/与/及; the figures are those after it, up to
    the next 分别 or the clause's end, and only when there are as many."""
    pairs: dict[int, Any] = {}
    for m, tail in respectively(text):
        head = sentence_starts[bisect.bisect_right(sentence_starts, m.start()) - 1]
        again = text.find("分别", m.end(), tail)
        tail = again if again >= 0 else tail
        before = [r for r in about if head <= r.start and r.end <= m.start()]
        run = [before[i] for i in list_run(text, [(r.start, r.end) for r in before])]
        if len(run) < 2:
            continue
        figs = [i for i, f in enumerate(figures) if m.end() <= f.start < tail and f.kind != "number"]
        if len(figs) == len(run):
            pairs.update(zip(figs, run, strict=True))
    return pairs


_HOME_WORDS = re.compile(r"(?:全|我|本|该)(市|省|区|县)")


# A report whose title names its place (2026年四川省人民政府工作报告, 2023年介休市国民经济和社会发展统计公报).
_REPORT_TITLE = re.compile(r"政府工作报告|统计公报|经济运行|经济形势|发展报告")


def _title_place(text: str, mentions: list):
    """The place named in a report's title line, if the title says it is a
    report (政府工作报告, 统计公报…): the whole report is about it."""
    first_line = text.find("\n")
    first_line = len(text) if first_line < 0 else first_line
    if not mentions or mentions[0].end > first_line or not _REPORT_TITLE.search(text, 0, first_line):
        return None
    return mentions[0]


def _dominant(mentions: list):
    """The place a text is about, if one is: named at least three times and
    in at least half of its place mentions."""
    if len(mentions) < 3:
        return None
    counts: dict[str, list] = {}
    for m in mentions:
        counts.setdefault(m.code, []).append(m)
    top = max(counts.values(), key=len)
    return top[0] if len(top) >= 3 and 2 * len(top) >= len(mentions) else None


def _home_regions(mentions: list) -> dict:
    """For 全市, 全省, 全区, 全县: the region of that kind the text names most."""
    counts: dict[str, tuple[int, object]] = {}
    for m in mentions:
        n, _ = counts.get(m.code, (0, m))
        counts[m.code] = (n + 1, m)
    homes: dict[str, object] = {}
    for _, m in sorted(counts.values(), key=lambda x: -x[0]):
        kind = _kind_word(m.name)
        if kind and kind not in homes:
            homes[kind] = m
    return homes


def _kind_word(name: str) -> str | None:
    if name.endswith("市"):
        return "市"
    if name.endswith("省"):
        return "省"
    if name.endswith("自治区"):
        return "区"
    if name.endswith(("县", "旗")):
        return "县"
    return None


def _last_before(mentions: list, ends: list[int], pos: int, floor: int):
    i = bisect.bisect_right(ends, pos) - 1
    return mentions[i] if i >= 0 and mentions[i].start >= floor else None
