"""Stock codes in text, with their exchange and the name written beside them (pure).

    贵州茅台(600519) -> 600519.SH, name 贵州茅台
    000876 -> 000876.SZ      00388.HK, 2888.HK -> 02888.HK

Exchanges by the first digits of a six-digit code (the exchanges' own
numbering): Shanghai 60, 68, 90 (B shares); Shenzhen 00, 30, 20 (B shares);
Beijing 43, 83, 87, 88, 92. A bare six-digit number counts only next to a
name in brackets, or with a suffix (.SH, .SZ, .BJ; .SS is Reuters' and Yahoo's
Shanghai).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Security:
    text: str
    start: int
    end: int
    code: str  # 600519.SH
    name: str | None = None
    type: str = "security"

    def as_dict(self) -> dict:
        return asdict(self)


# A name, with the -W, -SW, -S or -B that Hong Kong gives shares with weighted
# votes or a secondary listing (美团-W, 百度集团-SW).
_NAME = r"(?P<name>[\u4e00-\u9fffA-Za-z*]{2,10}?(?:(?<=[\u4e00-\u9fff])\d{2,4})?(?:[-－][A-Z]{1,2})?)"  # 沪深300(000300)
_NAME_MAX = 10 + 4 + 3
_HK_SUFFIX = re.compile(r"[-－][A-Z]{1,2}$")
_BRACKETED = re.compile(_NAME + r"[（(](?:(?P<ex>沪|深|北|港|SH|SZ|BJ|HK)[:：.]?)?(?P<code>\d{6}|\d{4,5})(?:\.(?P<sfx>SH|SZ|SS|BJ|HK))?[)）]")
# Where a bracketed code can be: the pattern above opens with a lazy name,
# which the regex engine tries at every character; a match needs this.
_BRACKET_CODE = re.compile(r"[（(](?:沪|深|北|港|SH|SZ|BJ|HK)?[:：.]?\d")
# What every _SUFFIXED match holds: searched first, since the lookbehind that
# opens _SUFFIXED makes the engine try it at every character.
_SUFFIX = re.compile(r"\.(?:SH|SZ|SS|BJ|HK|sh|sz|ss|bj|hk)(?![A-Za-z])")
_SUFFIXED = re.compile(r"(?<![\d.])(?P<code>\d{6}|\d{4,5})\.(?P<sfx>SH|SZ|SS|BJ|HK|sh|sz|ss|bj|hk)(?![A-Za-z])")


# Words that stand before a company's name in a sentence, not in it.
_NAME_PREFIX = re.compile(r"^(?:比如|例如|譬如|包括|其中|旗下|以及|股票|个股|公司|龙头|概念股|如|和|及|与|、|的|是|为|有)+")
# Words of the sentence that the name's pattern (up to ten characters before
# the bracket) takes in: what an analyst does to a rating (维持渣打集团, 首予信义
# 能源, 下调港交所), a reporter's source (记者从中国石化), a forecast (预计港交所),
# what a company is (白酒股龙头贵州茅台, 肉制品企业高金食品), a list (及银娱,
# 列金沙中国). The name is what follows the last of them (at least two
# characters). Single characters only where few names start with them
# (not 和: 和黄医药; not 在: 新东方在线).
_SENTENCE_WORD = re.compile(
    r"维持|首予|给予|予以|下调|上调|调升|调降|重申|预计|预期|记者|据悉|获悉|表示|宣布|龙头|企业|"
    r"其中|比如|例如|包括|以及|旗下|个股|概念股|[及将从为列升予向对把被据]"
)
# What is left of 龙头股份 without 龙头 is no name.
_GENERIC = frozenset("股份 集团 控股 公司 科技 银行 证券 实业 国际 医药 能源 地产".split())
# A four-digit number in brackets after these is a year (创新报告（2024）), never a code.
_YEAR_CONTEXT = re.compile(r"(?:年|年度|报告|年报|白皮书|蓝皮书|规划|纲要|计划|方案|版|排行榜|榜单|指南|展望|目录|标准|名单|"
                           r"峰会|论坛|大会|博览会|会议|指数)$")  # fmt: skip


# The name of an index (its six-digit code starting 000 is Shanghai's; 399 is Shenzhen's, as for shares).
_INDEX_NAME = re.compile(r"(?:指数|综指|成指|指|上证50|沪深300|中证500|中证1000|科创50)$")


def exchange_of(code: str) -> str | None:
    if len(code) == 6:
        if code[:2] in ("60", "68", "90"):
            return "SH"
        if code[:2] in ("00", "30", "20", "39"):  # 399001: Shenzhen's indices
            return "SZ"
        if code[:2] in ("43", "83", "87", "88", "92"):
            return "BJ"
    return None


def normalize_code(code: str, suffix: str | None) -> str | None:
    suffix = (suffix or "").upper()
    if suffix == "SS":
        suffix = "SH"  # Reuters and Yahoo write Shanghai as .SS
    if suffix == "HK" or (len(code) in (4, 5) and not suffix):
        return f"{int(code):05d}.HK" if len(code) <= 5 else None
    ex = suffix or exchange_of(code)
    return f"{code}.{ex}" if ex and len(code) == 6 else None


def _bracketed(text: str):
    """The matches of _BRACKETED.finditer(text), found by searching only
    around each bracket that opens a code (4× fewer characters scanned in the
    corpus). A name cannot hold a bracket, so a match through the bracket at
    `at` starts after the previous bracket and at most 17 characters before
    `at` (a name of 10, the digits of 沪深300 or 科创50 up to 4, and its -SW),
    and ends within 20 after it."""
    pos = 0
    while (hint := _BRACKET_CODE.search(text, pos)) is not None:
        at = hint.start()
        m = _BRACKETED.search(text, max(pos, at - _NAME_MAX), at + 20)
        if m is None:
            pos = at + 1
            continue
        yield m
        pos = m.end()


def _hong_kong_evidence(text: str, m: re.Match) -> bool:
    """A bracketed code of four or five digits without an exchange is a Hong
    Kong one when the text says 港 just before it, when it is written with
    Hong Kong's leading zero (腾讯控股(00700): a number in brackets is not
    written so otherwise), or when the name has a Hong Kong share suffix
    (美团-W). Else it is more likely a year or a count: 报告(2021)."""
    code = m.group("code")
    return ("港" in text[max(0, m.start() - 20) : m.start()] or (len(code) == 5 and code[0] == "0")
            or _HK_SUFFIX.search(m.group("name")) is not None)  # fmt: skip


def _without_sentence_words(name: str) -> str:
    """The name after the last word of the sentence in it that leaves two
    characters or more (研稀土为有研新材 -> 有研新材)."""
    for m in reversed(list(_SENTENCE_WORD.finditer(name))):
        rest = name[m.end() :]
        if len(rest) >= 2 and rest not in _GENERIC:
            return rest
    return name


def extract_securities(text: str) -> list[Security]:
    found: dict[tuple[int, int], Security] = {}
    for m in _bracketed(text):
        ex = {"沪": "SH", "深": "SZ", "北": "BJ", "港": "HK"}.get(m.group("ex") or "", m.group("ex"))
        sfx = m.group("sfx") or ex
        if not sfx and m.group("code").startswith("000") and _INDEX_NAME.search(m.group("name")):
            sfx = "SH"  # 上证指数(000001), 沪深300(000300): the Shanghai exchange's indices, not 平安银行's 000001.SZ
        code = normalize_code(m.group("code"), sfx)
        if code is None or (len(m.group("code")) < 6 and not (m.group("sfx") or ex) and not _hong_kong_evidence(text, m)):
            continue
        if len(m.group("code")) == 4 and 1949 <= int(m.group("code")) <= 2099 and _YEAR_CONTEXT.search(m.group("name")):
            continue  # 创新报告（2024）: a year
        stripped = _NAME_PREFIX.sub("", m.group("name"))
        name = _without_sentence_words(stripped if len(stripped) >= 3 else m.group("name")) or None  # not 龙头股份 -> 股份
        found[(m.start("code"), m.end("code"))] = Security(text[m.start() : m.end()], m.start(), m.end(), code, name)
    for m in _SUFFIXED.finditer(text) if _SUFFIX.search(text) else ():
        if any(s <= m.start() < e for s, e in ((f.start, f.end) for f in found.values())):
            continue
        code = normalize_code(m.group("code"), m.group("sfx"))
        if code:
            found[(m.start(), m.end())] = Security(m.group(), m.start(), m.end(), code)
    return sorted(found.values(), key=lambda s: s.start)
