"""Chinese regions in text, with their administrative codes (pure).

    山西省介休市 -> 山西省 140000 (province), 介休市 140781 (county, parents 山西省 > 晋中市)

The gazetteer is data/regions.tsv (provinces, prefectures and counties with the
Ministry of Civil Affairs' six-digit codes; see scripts/build_regions.py for its
source). Names are found in one pass by an Aho-Corasick automaton
(ahocorasick-rs, Rust's aho-corasick crate), taking the longest name at each
place (山西省 over 山西). A regex alternation of the 7,000 names, even shaped as
a trie, scanned three times slower than pyahocorasick (the regex engine tries
a branch's alternatives one by one), and ahocorasick-rs's DFA scans 12-18×
faster than pyahocorasick with the same matches (bench/figures.py).

Chinese has no word boundaries and many place names are also words, so a name
counts on its own only when it is unlikely to be anything else:

- full names of provinces and prefectures (山西省, 晋中市) and of counties with at
  least three characters (介休市, 嘉善县);
- short names of provinces (山西, 北京) and prefectures (晋中, 深圳), except the
  ones that are common words (白银 is also silver, 朝阳 a sunrise industry).

Everything else (county short names such as 介休, two-character county names
such as 新县, the common-word short names, and names several regions share such
as 朝阳区 or 鼓楼区) counts only when the same sentence names one of its parents
("排名晋中第一，介休" finds 介休市), or the text names the region itself by a
name that counts alone (介休市 … 介休); "鼓楼区" alone finds nothing, and
"战略性新兴产业" in a report on 广东 is no mention of 新兴县. Where a short name
belongs to regions of several levels (吉林: the province and the city), the
higher level wins unless the text names the lower one's parent.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import ahocorasick_rs

LEVELS = ("province", "prefecture", "county")

# Short names that are also ordinary words in financial news: they count only
# with a parent in the same sentence, or the region's full name in the text.
COMMON_WORD_ALIASES = frozenset(
    "白银 朝阳 三明 安康 来宾 中卫 大同 长治 红河 文山 玉树 和田 普洱 中山 黄山 北海 海东 海北 海西 "
    "果洛 黑河 白山 通化 吉安 宁德 永州 定西 金昌 南平 新余 伊春 丽水 海南州 黄南 甘南 临夏 资阳 "
    "铜仁 阿坝 百色 崇左 河池 贵港 玉林 安顺 怒江 山南 林芝 那曲 昌都 德宏 迪庆 保山 临沧 "
    "楚雄 大理 湘西 恩施 随州 自贡 内江 遂宁 广安 巴中 眉山 达州 雅安 云浮 河源 阳江 清远 汕尾 "
    "梅州 潮州 揭阳 鹤壁 焦作 许昌 周口 信阳 商丘 滨州 德州 日照 威海 东营 泰安 吕梁 忻州 朔州 "
    "阳泉 晋城 运城 临汾 承德 沧州 衡水 邢台 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 四平 "
    "辽源 松原 白城 延边 鸡西 鹤岗 七台河 绥化 宿迁 衢州 舟山 六安 池州 宣城 宜春 抚州 上饶 "
    "鹰潭 萍乡 景德镇 咸宁 黄冈 孝感 荆门 鄂州 十堰 黄石 娄底 怀化 益阳 郴州 邵阳 常德 张掖 武威 "
    "天水 平凉 酒泉 庆阳 陇南 吴忠 固原 石嘴山 昌吉 哈密 吐鲁番 阿克苏 喀什 伊犁 塔城 阿勒泰 台东 "
    "嘉义 南投 宜兰 花莲 澎湖 金门 连江 新竹 苗粟 彰化 云林 屏东 基隆".split()
)
_SENTENCE_END = re.compile(r"[。！？；\n]")
# A province's short name followed by these is not the province (北京时间 is a time zone).
_NOT_AFTER = {"北京": ("时间",)}
# A place at the start of an organization's name (南京大学, 南京银行, 青岛港,
# 湖北宜化集团, 北京首都国际机场) names the organization, not the place: its
# figures are the organization's, and it makes no region link. Up to four
# characters may come between (宜化, 首都国际), but not words that end a name
# (北京的银行 is a bank in Beijing, 上海一银行 one of its banks), nor an
# industry (上海保险业 is Shanghai's insurance business). 港 counts only right after the place
# (青岛港; 青岛港口, 深港 are the place).
_ORG_AFTER = re.compile(
    r"港(?![口区澳股元币城])"
    r"|(?:(?![的和与及在等各对为是从向市省县区一])[\u4e00-\u9fff]){0,4}?"
    r"(?:大学|学院|银行|集团|机场|证券|控股|股份|医院|交易所|研究院|研究所|农商行|信托|保险|期货|基金|电视台|日报|卫视)(?!业)"
)
# Where _ORG_AFTER can match at all: 港, or an organization's word at most four
# characters on. Found once per text, it spares trying the pattern after
# every place (most are followed by none: the pattern was a third of `find`).
_ORG_WORDS = ahocorasick_rs.AhoCorasick(["港", "大学", "学院", "银行", "集团", "机场", "证券", "控股", "股份", "医院", "交易所", "研究院", "研究所",
                                       "农商行", "信托", "保险", "期货", "基金", "电视台", "日报", "卫视"])  # fmt: skip


def _organization_after(text: str, end: int, org_starts: list[int]) -> bool:
    i = bisect.bisect_left(org_starts, end)
    return i < len(org_starts) and org_starts[i] <= end + 4 and _ORG_AFTER.match(text, end) is not None


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str
    parent: str | None


class RegionMention(NamedTuple):
    """A place named in a text. A NamedTuple: a frozen dataclass's __init__
    (one object.__setattr__ per field) was a fifth of the region stage."""

    text: str
    start: int
    end: int
    code: str
    name: str
    level: str
    parents: tuple[tuple[str, str], ...]  # (code, name), from the province down
    type: str = "region"

    def as_dict(self) -> dict:
        return {"type": self.type, "text": self.text, "start": self.start, "end": self.end, "code": self.code,
                "name": self.name, "level": self.level,
                "parents": [{"code": c, "name": n} for c, n in self.parents]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Name:
    region: Region
    alone: bool  # counts without a parent named in the text


class Gazetteer:
    """The regions, the names they go by, and the automaton that finds them."""

    def __init__(self, rows: list[tuple[str, str, str, str, str]]):
        self.regions: dict[str, Region] = {}
        self.names: dict[str, list[_Name]] = {}
        self._chains: dict[str, tuple[tuple[str, str], ...]] = {}  # code -> its parents, worked out once
        for code, name, aliases, level, parent in rows:
            region = Region(code, name, level, parent or None)
            self.regions[code] = region
            self._add(name, region, alone=level != "county" or len(name) >= 3)
            for alias in filter(None, aliases.split("/")):
                if len(alias) >= 2:
                    self._add(alias, region, alone=level != "county" and alias not in COMMON_WORD_ALIASES)
        for candidates in self.names.values():
            if len(candidates) > 1:  # a name several regions share: higher levels first, none alone
                candidates.sort(key=lambda n: LEVELS.index(n.region.level))
                lowest = LEVELS.index(candidates[0].region.level)
                same_level = sum(LEVELS.index(n.region.level) == lowest for n in candidates) > 1
                candidates[:] = [_Name(n.region, n.alone and i == 0 and not same_level) for i, n in enumerate(candidates)]
        self.patterns = list(self.names)
        self.automaton = ahocorasick_rs.AhoCorasick(self.patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                                    implementation=ahocorasick_rs.Implementation.ContiguousNFA)  # fmt: skip
        # (a DFA is faster alone, but its tables crowd the caches of the rest of
        # extraction: in the facts loop 6.3 ms a corpus pass against 5.1 ms)

    def _add(self, name: str, region: Region, alone: bool) -> None:
        entries = self.names.setdefault(name, [])
        if not any(e.region.code == region.code for e in entries):
            entries.append(_Name(region, alone))

    def chain(self, code: str) -> tuple[tuple[str, str], ...]:
        if (known := self._chains.get(code)) is not None:
            return known
        out = []
        parent = self.regions[code].parent
        while parent:
            region = self.regions[parent]
            out.append((region.code, region.name))
            parent = region.parent
        self._chains[code] = chain = tuple(reversed(out))
        return chain

    def find(self, text: str) -> list[RegionMention]:
        patterns = self.patterns
        found_at = self.automaton.find_matches_as_indexes(text)
        if not found_at:
            return []
        org_starts = sorted(s for _, s, _ in _ORG_WORDS.find_matches_as_indexes(text, overlapping=True))
        matches = [(start, end, patterns[i]) for i, start, end in found_at
                   if (patterns[i] not in _NOT_AFTER or not _excluded(text, patterns[i], end))
                   and not _organization_after(text, end, org_starts)]  # fmt: skip
        if not matches:
            return []
        named: set[str] = set()  # regions the text names without doubt
        starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        in_sentence: dict[int, set[str]] = {}  # sentence -> regions named in it by names that count alone
        for start, _, name in matches:
            first = self.names[name][0]
            if first.alone:
                named.add(first.region.code)
                in_sentence.setdefault(bisect.bisect_right(starts, start), set()).add(first.region.code)
        found = []
        for start, end, name in matches:
            candidates = self.names[name]
            nearby = in_sentence.get(bisect.bisect_right(starts, start), set())
            pick = (next((n.region for n in candidates if n.region.code in named), None)  # 介休市 … 介休
                    or next((n.region for n in candidates if self._has_named_parent(n.region, nearby)), None))  # 山西介休
            if pick is None and candidates[0].alone:  # among names that count alone, the text's context decides
                pick = next((n.region for n in candidates if self._has_named_parent(n.region, named)), candidates[0].region)
            if pick is not None:
                found.append(RegionMention(name, start, end, pick.code, pick.name, pick.level, self.chain(pick.code)))
                named.add(pick.code)
        return found

    def _has_named_parent(self, region: Region, named: set[str]) -> bool:
        parent = region.parent
        while parent:
            if parent in named:
                return True
            parent = self.regions[parent].parent
        return False


def _excluded(text: str, name: str, end: int) -> bool:
    return any(text.startswith(w, end) for w in _NOT_AFTER.get(name, ()))


@cache
def gazetteer() -> Gazetteer:
    text = resources.files("caixun.enrich").joinpath("data/regions.tsv").read_text(encoding="utf-8")
    rows = [tuple(line.split("\t")) for line in text.splitlines() if line and not line.startswith("#")]
    return Gazetteer(rows)  # type: ignore[arg-type]


def extract_regions(text: str) -> list[RegionMention]:
    return gazetteer().find(text)
