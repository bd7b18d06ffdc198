"""A watch's rule, parsed and matched (pure).

Words follow TrendRadar's syntax, which its users know: plain words (at
least one must appear, when there are any), `+must` (every one must appear),
`!exclude` (none may appear), `/regex/` (as a plain word). Matching is on
substrings of the title and text, as search finds them (case-folded, NFKC:
full-width letters and digits are their ASCII forms).

A figure rule is `indicator[@subject] [同比|环比] [> >= < <= = value] [上涨|下降]`:
`北向资金净流入 > 100亿元`, `CPI 同比 >= 3%`, `GDP@介休市 > 100亿元`, `PMI 下降`.
The indicator matches its synonyms (caixun.enrich.indicators); the value is read as the
figures are (100亿元 is 10,000,000,000 CNY) and compared in its unit.

Within a rule every part given must match (AND); a region includes the
places inside it (140000 山西省 takes in 140781 介休市).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from caixun.enrich.indicators import names_of
from caixun.han import fold_han
from caixun.store.facts import FIGURE_ROW


class RuleError(ValueError):
    """A rule that cannot be read; the message says which part and why."""


_F = {name: i for i, name in enumerate(FIGURE_ROW)}  # positions in a stored figure row
_OPS = {">": "gt", ">=": "ge", "≥": "ge", "<": "lt", "<=": "le", "≤": "le", "=": "eq", "==": "eq"}
_UP = {"上涨", "上升", "增长", "涨", "up"}
_DOWN = {"下降", "下跌", "减少", "跌", "down"}
_FIGURE = re.compile(
    r"^\s*(?P<indicator>[^\s@<>=≥≤]+)(?:@(?P<subject>[^\s<>=≥≤]+))?"
    r"(?:\s+(?P<qualifier>同比|环比))?"
    r"(?:\s*(?P<op>>=|<=|==|[<>=≥≤])\s*(?P<value>[^\s]+))?"
    r"(?:\s+(?P<direction>\S+))?\s*$"
)


def masked(channel: str) -> str:
    """A channel as shown to people: its scheme and host, never its tokens."""
    from urllib.parse import urlsplit

    parts = urlsplit(channel)
    return f"{parts.scheme}://{parts.hostname or '…'}/…" if parts.scheme else "…"


def fold(text: str) -> str:
    """Words and texts as watches compare them: NFKC, case folded, Traditional
    characters as Simplified (as search folds them: 證券 matches 证券)."""
    return fold_han(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True, slots=True)
class Words:
    any: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()

    def match(self, folded: str, present: frozenset[str] | None = None) -> list[str]:
        """The words that matched (empty: no match). `present`: the words
        known to be in the text (Matcher's scan), instead of searching."""
        has = present.__contains__ if present is not None else folded.__contains__
        if any(has(w) for w in self.exclude) or not all(has(w) for w in self.must):
            return []
        hits = [w for w in self.any if has(w)] + [p.pattern for p in self.patterns if p.search(folded)]
        if (self.any or self.patterns) and not hits:
            return []
        return list(self.must) + hits or ["(任意)"]


def parse_words(spec: str) -> Words:
    any_, must, exclude, patterns = [], [], [], []
    for token in re.findall(r"/(?:\\.|[^/])+/|\S+", spec or ""):
        if len(token) > 2 and token.startswith("/") and token.endswith("/"):
            try:
                patterns.append(re.compile(fold(token[1:-1])))
            except re.error as exc:
                raise RuleError(f"words: bad regular expression {token}: {exc}") from None
        elif token[0] == "+" and len(token) > 1:
            must.append(fold(token[1:]))
        elif token[0] == "!" and len(token) > 1:
            exclude.append(fold(token[1:]))
        else:
            any_.append(fold(token))
    if "" in any_ + must + exclude:
        raise RuleError(f"words: {spec!r} has a word that is empty once folded")
    return Words(tuple(any_), tuple(must), tuple(exclude), tuple(patterns))


@dataclass(frozen=True, slots=True)
class FigureRule:
    indicators: frozenset[str]
    subject: str | None = None
    qualifier: str | None = None  # 同比 / 环比: written just before the figure
    op: str | None = None
    value: Decimal | None = None
    unit: str | None = None
    direction: str | None = None  # up / down
    text: str = ""

    def matches(self, row: tuple, article_text: str) -> bool:
        if row[_F["indicator"]] not in self.indicators:
            return False
        if self.subject and self.subject not in (row[_F["subject"]] or ""):
            return False
        if self.direction and row[_F["direction"]] != self.direction:
            return False
        if self.qualifier:
            before = article_text[max(0, row[_F["pos_start"]] - 12) : row[_F["pos_start"]]]
            if self.qualifier not in before:
                return False
        if self.op is not None:
            if (row[_F["unit"]] or None) != self.unit:
                return False
            try:
                value = Decimal(row[_F["value"]])
            except (InvalidOperation, TypeError):
                return False
            if self.direction is None and row[_F["direction"]] == "down" and value > 0 and self.unit in ("%", "pp"):
                value = -value  # 下降3.2%: a change of -3.2%
            return _compare(value, self.op, self.value)
        return True


def _compare(a: Decimal, op: str, b: Decimal | None) -> bool:
    assert b is not None
    return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b, "eq": a == b}[op]


def parse_figure(spec: str) -> FigureRule:
    from caixun.enrich.figures import extract_figures

    m = _FIGURE.match(spec or "")
    if not m:
        raise RuleError(f"figure: cannot read {spec!r}; write e.g. '北向资金净流入 > 100亿元' or 'CPI 同比 >= 3%'")
    indicator = m["indicator"]
    rule: dict[str, Any] = {"indicators": frozenset(names_of(indicator)), "subject": m["subject"],
                            "qualifier": m["qualifier"], "text": spec.strip()}  # fmt: skip
    if m["direction"]:
        if m["direction"] in _UP:
            rule["direction"] = "up"
        elif m["direction"] in _DOWN:
            rule["direction"] = "down"
        else:
            raise RuleError(f"figure: {m['direction']!r} is no direction (上涨/下降, up/down)")
    if m["op"]:
        found = [f for f in extract_figures(m["value"]) if f.value]
        if not found:
            raise RuleError(f"figure: {m['value']!r} is no value (write e.g. 100亿元, 3%, 2.5万亿)")
        rule.update(op=_OPS[m["op"]], value=Decimal(found[0].value), unit=found[0].unit)
    return FigureRule(**rule)


def region_prefix(code: str) -> str:
    """The code prefix of a region and every place inside it (140000 -> 14, 140700 -> 1407)."""
    if not re.fullmatch(r"\d{6}", code):
        raise RuleError(f"regions: {code!r} is no administrative code (six digits, e.g. 140781)")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@dataclass(frozen=True, slots=True)
class Rule:
    words: Words | None = None
    securities: frozenset[str] = frozenset()
    regions: tuple[str, ...] = ()  # code prefixes
    sources: frozenset[str] = frozenset()
    important: bool = False
    figure: FigureRule | None = None

    @property
    def empty(self) -> bool:
        return not (self.words or self.securities or self.regions or self.sources or self.important or self.figure)


def parse_rule(spec: dict[str, Any]) -> Rule:
    """A rule from its stored or configured form: {words, securities, regions,
    sources, important, figure}, each optional (at least one)."""
    unknown = set(spec) - {"words", "securities", "regions", "sources", "important", "figure"}
    if unknown:
        raise RuleError(f"unknown part(s) {', '.join(sorted(unknown))}")
    lists = {}
    for key in ("securities", "regions", "sources"):
        value = spec.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise RuleError(f"{key} must be a list of names or codes")
        lists[key] = [v.strip() for v in value]
    words = spec.get("words") or ""
    if not isinstance(words, str):
        raise RuleError("words must be text, e.g. '+人民币 !传闻'")
    rule = Rule(
        words=parse_words(words) if words.strip() else None,
        securities=frozenset(s.upper() for s in lists["securities"]),
        regions=tuple(region_prefix(c) for c in lists["regions"]),
        sources=frozenset(lists["sources"]),
        important=bool(spec.get("important")),
        figure=parse_figure(spec["figure"]) if spec.get("figure") else None,
    )
    if rule.empty:
        raise RuleError("a watch needs at least one of words, securities, regions, sources, important, figure")
    return rule


@dataclass(slots=True)
class Facts:
    """What a rule is matched against: one stored article, typed."""

    title: str
    text: str
    source: str
    important: bool = False
    securities: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    figures: tuple[tuple, ...] = ()  # rows laid out as caixun.store.facts.FIGURE_ROW
    _folded: str | None = field(default=None, repr=False)

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.title + "\n" + self.text)
        return self._folded


def match(rule: Rule, facts: Facts, present: frozenset[str] | None = None) -> list[str] | None:
    """What matched (for the message), or None when the rule does not match."""
    why: list[str] = []
    if rule.sources:
        if facts.source not in rule.sources:
            return None
        why.append(f"来源：{facts.source}")
    if rule.important:
        if not facts.important:
            return None
        why.append("重要")
    if rule.securities:
        hit = sorted(rule.securities & facts.securities)
        if not hit:
            return None
        why.append("证券：" + "、".join(hit))
    if rule.regions:
        hit = sorted(c for c in facts.regions if any(c.startswith(p) for p in rule.regions))
        if not hit:
            return None
        why.append("地区：" + "、".join(hit))
    if rule.words is not None:
        words = rule.words.match(facts.folded, present)
        if not words:
            return None
        why.append("词：" + "、".join(words))
    if rule.figure is not None:
        hits = [r for r in facts.figures if rule.figure.matches(r, facts.text)]
        if not hits:
            return None
        shown = "、".join(f"{r[_F['indicator']]} {r[_F['text']]}" for r in hits[:3])
        why.append(f"数据：{shown}（{rule.figure.text}）")
    return why


@dataclass(frozen=True, slots=True)
class WatchSpec:
    """A watch as written in the config file or on the command line, checked."""

    name: str
    rule: dict[str, Any]
    channels: tuple[str, ...] = ()
    digest_seconds: int | None = None


_RULE_KEYS = ("words", "securities", "regions", "sources", "important", "figure")


def parse_mode(mode: str | None) -> int | None:
    """'instant' (None) or 'digest 15m' (900 seconds)."""
    if not mode or mode.strip() == "instant":
        return None
    m = re.fullmatch(r"\s*digest\s+(\d+)\s*([smhd]?)\s*", mode)
    if not m or int(m[1]) == 0:
        raise RuleError(f"mode must be 'instant' or 'digest <N>[smhd]' (e.g. 'digest 15m'), not {mode!r}")
    return int(m[1]) * {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}[m[2]]


def watch_spec(table: dict[str, Any]) -> WatchSpec:
    """A [[watches]] table (or the same from `caixun watch add`), checked:
    RuleError says what is wrong."""
    unknown = set(table) - {"name", "channels", "mode", *_RULE_KEYS}
    if unknown:
        raise RuleError(f"unknown key(s) {', '.join(sorted(unknown))}")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > 100:
        raise RuleError("'name' is required: one line of text, at most 100 characters")
    rule = {k: table[k] for k in _RULE_KEYS if table.get(k) not in (None, "", [], False)}
    parse_rule(rule)  # raises with the reason
    channels = table.get("channels") or []
    if isinstance(channels, str):
        channels = [channels]
    if not isinstance(channels, list) or not all(isinstance(c, str) and "://" in c for c in channels):
        raise RuleError("channels must be a list of Apprise URLs (json://host/path, mailto://user:pass@host, dingtalk://…)")
    mode = table.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise RuleError("mode must be text: 'instant' or 'digest 15m'")
    return WatchSpec(name.strip(), rule, tuple(channels), parse_mode(mode))


class Matcher:
    """Many rules matched against one article at a time, fast: each rule is
    filed under one part it cannot match without (a word of it, a security,
    a region, a figure's indicator, a source), so an article is checked only
    against the rules whose part it has; one Aho-Corasick scan of the text
    finds every word of every rule at once. 100 watches on an import cost
    twice the import's time when each rule searched the text itself."""

    def __init__(self, rules: list[Rule]):
        import ahocorasick_rs

        self.rules = rules
        self.always: list[int] = []
        self.by: dict[str, dict[str, list[int]]] = {k: {} for k in ("word", "security", "region", "indicator", "source")}
        words: set[str] = set()
        for i, r in enumerate(rules):
            if r.words is not None:
                words.update(r.words.any + r.words.must + r.words.exclude)
            self._file(i, r)
        self.words = sorted(words)
        self.automaton = ahocorasick_rs.AhoCorasick(self.words) if self.words else None

    def _file(self, i: int, r: Rule) -> None:
        if r.securities:
            keys, kind = r.securities, "security"
        elif r.figure is not None:
            keys, kind = r.figure.indicators, "indicator"
        elif r.regions:
            keys, kind = r.regions, "region"
        elif r.words is not None and r.words.must:
            keys, kind = r.words.must[:1], "word"
        elif r.words is not None and r.words.any and not r.words.patterns:
            keys, kind = r.words.any, "word"
        elif r.sources:
            keys, kind = r.sources, "source"
        else:  # a regex, or the importance mark alone: checked on every article
            self.always.append(i)
            return
        for k in keys:
            self.by[kind].setdefault(k, []).append(i)

    def match(self, facts: Facts) -> list[tuple[int, list[str]]]:
        """(index of the rule, what matched) for every rule the article matches."""
        by = self.by
        candidates = set(self.always)
        present: frozenset[str] = frozenset()
        if self.automaton is not None:
            present = frozenset(self.words[i] for i, _, _ in self.automaton.find_matches_as_indexes(facts.folded, overlapping=True))
            for w in present:
                candidates.update(by["word"].get(w, ()))
        for s in facts.securities:
            candidates.update(by["security"].get(s, ()))
        for code in facts.regions:
            for n in (2, 4, 6):
                candidates.update(by["region"].get(code[:n], ()))
        if by["indicator"]:
            for row in facts.figures:
                candidates.update(by["indicator"].get(row[_F["indicator"]], ()))
        candidates.update(by["source"].get(facts.source, ()))
        found = []
        for i in sorted(candidates):
            why = match(self.rules[i], facts, present)
            if why is not None:
                found.append((i, why))
        return found
