"""Companies named without a stock code beside them (pure).

    如建行报告显示，…收入65.52亿元 -> 建设银行 (601939.SH), the figure's subject
    湖北宜化营收增长 -> 湖北宜化 (000422.SZ); 湖北 here names no place
    东方财富证券实现营业收入41.77亿元 -> 东方财富证券 (a subsidiary: no code)

News names the big banks, oil companies and platforms by their short names
(工行, 中石化, 腾讯) and rarely writes their codes. The names are a table kept
in the repository, `data/companies.tsv`: the code (empty for a company that is
not listed), the name a subject takes, and the other names. A name of two or
three characters counts only where a word can start (施工行业 holds 工行, 京东方面
holds 京东方): after a punctuation mark, a digit or a space, or after a
word that stands before a name (如, 据, 而, 与, 其中…). A name of a bank is no
bank before 业, 保 or 间 (中国银行业协会, 中国银行保险监督管理委员会, 银行间).

These mentions are subjects of the figures after them, like a stock named
with its code; they are not stored as the article's securities (a table of
names cannot be as sure as a code the text writes). A company quoted as the
source of what follows (据中信证券报告, 中信证券分析师认为) is no subject.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import ahocorasick_rs

from caixun.enrich.securities import Security

_TABLE = Path(__file__).parent / "data" / "companies.tsv"

# Characters after which a short name may start: a word ends there.
_WORD_ENDS = frozenset("如据而但与和及在从对将由向比较令使让被把是为即其今中等均都也则另称说示指年月日季度末初的了")
# After a short name these make it part of a longer word (工行业, 京东方面, 中国移动互联网).
_NOT_AFTER_SHORT = frozenset("业面")
# A source, not a subject: 据中信证券报告…数据显示, 中信证券研报认为.
_SOURCE_BEFORE = ("据", "根据", "援引")
_SOURCE_AFTER = ("研报", "研究报告", "研究所", "研究院", "分析师", "首席", "研究员", "认为")  # not 表示, 预计: a company says and forecasts its own figures too
# A company's name followed by one of these is its subsidiary's (东方财富证券, 中国平安人寿).
_SUBSIDIARY = re.compile(r"证券|期货|信托|银行|财险|寿险|人寿|产险|租赁")  # not 理财, 基金: 工行理财规模, 基金代销 are the company's business
# Names that are ordinary words too (苹果 the fruit): a company only in a text
# that names it unmistakably elsewhere.
_ONLY_WITH = {"苹果": ("苹果公司", "iPhone", "iPad", "库克")}
_NOT_AFTER = {"银行": frozenset("业保间"), "中国移动": frozenset("互支"), "中国石油": frozenset("和大"),
              "中国建筑": frozenset("业科"), "中国核电": frozenset("站")}  # fmt: skip


@cache
def _table() -> tuple[list[str], dict[str, tuple[str | None, str]], ahocorasick_rs.AhoCorasick]:
    """(every name, name -> (code, subject name), the automaton of the names)."""
    of: dict[str, tuple[str | None, str]] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, *rest = line.split("\t")
        for n in (name, *(o.strip() for o in (rest[0] if rest else "").split(",") if o.strip())):
            if n in of:
                raise ValueError(f"{_TABLE.name}: {n} is listed twice")
            of[n] = (code.strip() or None, name.strip())
    names = list(of)
    return names, of, ahocorasick_rs.AhoCorasick(names, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


@cache
def company_names() -> frozenset[str]:
    """Every name of the table (short names too)."""
    return frozenset(_table()[0])


def extract_companies(text: str) -> list[Security]:
    """Every company of the table named in `text` (Simplified characters), in
    text order; `name` is the table's name, `code` its stock code or None."""
    names, of, automaton = _table()
    out = []
    for i, start, end in automaton.find_matches_as_indexes(text):
        word = names[i]
        if word in _ONLY_WITH and not any(w in text for w in _ONLY_WITH[word]):
            continue
        after = text[end : end + 1]
        if after and (after in _NOT_AFTER.get(word, ()) or after in _NOT_AFTER.get(word[-2:], ())):
            continue
        if len(word) <= 3:
            before = text[start - 1 : start]
            if after in _NOT_AFTER_SHORT or (before and "\u4e00" <= before <= "\u9fff" and before not in _WORD_ENDS):
                continue
        if text.endswith(_SOURCE_BEFORE, 0, start) or text.startswith(_SOURCE_AFTER, end):
            continue
        code, name = of[word]
        if (sub := _SUBSIDIARY.match(text, end)) is not None and not (sub.group() == "银行" and word.endswith("银行")):
            # 东方财富证券, 招商银行理财: a subsidiary, a company of its own (its own figures, no code of the parent's)
            word, end, code, name = text[start : sub.end()], sub.end(), None, text[start : sub.end()]
        out.append(Security(word, start, end, code, name))  # type: ignore[arg-type] (None: not listed)
    return out
