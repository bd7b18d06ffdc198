"""Today's news APIs: one small description per provider (pure functions).

Each provider says how to ask for its newest page and for the page older than
a cursor, and how to read a page into entries. The I/O (paging back until a
known item, full text, breakage) is in `caixun.collect.paged`, the same for
all. Shapes as read in AKShare, newsnow and RSSHub code of mid-2026 and served
by ../shared/tools/news_replay.py; docs/sources.md has each one.

A reader raises `Broken` when the provider answers, but not with what we
expect (a renamed field, an error code, a missing list): polling again will
not help, a person must look.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from caixun.clean.normalize import DateError, parse_datetime
from caixun.model import Source

# The cursor of providers paged by number: the collector counts the pages.
NEXT_PAGE = "+1"


class Broken(Exception):
    """The provider answered, but not in the shape this connector reads."""


@dataclass(slots=True)
class Entry:
    """One item of a list, read: what every provider gives, in one shape."""

    item_id: str
    title: str
    text: str  # the flash or summary as given (HTML or text)
    published: datetime
    url: str = ""
    outlet: str | None = None  # the outlet that wrote it, if not the provider
    important: bool = False
    securities: list[dict[str, str]] = field(default_factory=list)  # {code, name, from}
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class Page:
    entries: list[Entry]
    cursor: str | None  # ask with this for the page of older items; None: no older page
    bad: list[tuple[str, str]] = field(default_factory=list)  # (item id or index, reason)


@dataclass(frozen=True, slots=True)
class Provider:
    kind: str
    key_prefix: str
    request: Callable[[Source, str | None], tuple[str, dict[str, str]]]  # (url, headers) of a page
    read: Callable[[Source, Any], Page]
    parse: Callable[[str], Any] = json.loads  # the body's text -> data (ValueError if cut or garbled)
    article_url: str | None = None  # the page of an item, with {code}


def with_params(url: str, defaults: dict[str, str], forced: dict[str, str] | None = None) -> str:
    """The URL with `defaults` added where the user left them out (a parameter
    written in the URL is kept as written) and `forced` set whatever it says
    (paging cursors, signatures). Order: the URL's own, then the added ones."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    have = {k for k, _ in pairs}
    forced = forced or {}
    pairs = [(k, forced.get(k, v)) for k, v in pairs]
    pairs += [(k, v) for k, v in defaults.items() if k not in have and k not in forced]
    pairs += [(k, v) for k, v in forced.items() if k not in have]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def _list_at(data: Any, path: str) -> list:
    """data["a"]["b"] for path "a.b", which must be a list: else Broken."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise Broken(f"answer has no {path} list (missing {part!r})")
        node = node[part]
    if not isinstance(node, list):
        raise Broken(f"{path} is a {type(node).__name__}, not a list")
    return node


def _read_entries(rows: list, required: tuple[str, ...], make: Callable[[dict], Entry]) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Entries of list rows; a row without a required field, or that `make`
    cannot read, is set aside with its reason. When every row misses the same
    field, the shape changed: Broken, with the count."""
    dicts = [r for r in rows if isinstance(r, dict)]
    if rows and not dicts:
        raise Broken(f"list items are not objects ({type(rows[0]).__name__})")
    for name in required:
        missing = sum(1 for r in dicts if r.get(name) in (None, ""))
        if dicts and missing == len(dicts):
            raise Broken(f"{name} missing from {missing} of {len(dicts)} items")
    entries, bad = [], []
    for i, r in enumerate(dicts):
        gone = [n for n in required if r.get(n) in (None, "")]
        if gone:
            bad.append((str(r.get("id") or r.get("code") or i), f"{', '.join(gone)} missing"))
            continue
        try:
            entries.append(make(r))
        except (ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
            bad.append((str(r.get("id") or r.get("code") or i), f"unreadable item: {exc}"))
    return entries, bad


def _time(value: Any) -> datetime:
    """Unix seconds or a 'YYYY-MM-DD HH:MM:SS' in Beijing time."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), UTC)
    try:
        return parse_datetime(str(value))
    except DateError as exc:
        raise ValueError(str(exc)) from None


_BRACKET_TITLE = re.compile(r"^\s*【([^】]{1,120})】")


def split_title(text: str, title: str = "") -> tuple[str, str]:
    """(title, text without a leading 【title】): flashes repeat their title in
    brackets at the start of the text."""
    m = _BRACKET_TITLE.match(text)
    if m:
        return (title or m.group(1)).strip(), text[m.end() :].strip()
    return title.strip(), text.strip()


# -- securities the providers attach -------------------------------------------------

_EM_MARKETS = {"1": "SH", "0": None, "116": "HK", "105": "US", "106": "US", "107": "US"}


def em_security(value: str) -> str | None:
    """East Money's `market.code`: 1.600519 -> 600519.SH, 0.000876 -> 000876.SZ
    (0 is Shenzhen or Beijing, told by the code), 116.00700 -> 00700.HK,
    105.AAPL -> AAPL.US."""
    market, _, code = str(value).partition(".")
    if not code or market not in _EM_MARKETS:
        return None
    if market == "0":
        return f"{code}.BJ" if code[:2] in ("43", "83", "87", "88", "92") else f"{code}.SZ"
    if market == "116":
        return f"{code.zfill(5)}.HK"
    return f"{code.upper()}.{_EM_MARKETS[market]}"


def prefixed_security(value: str) -> str | None:
    """sh600519 -> 600519.SH (财联社 StockID, 新浪 cn symbols)."""
    m = re.fullmatch(r"(sh|sz|bj)(\d{6})", str(value).lower())
    return f"{m.group(2)}.{m.group(1).upper()}" if m else None


def sina_security(stock: dict) -> str | None:
    market, symbol = str(stock.get("market", "")).lower(), str(stock.get("symbol", ""))
    if market == "cn":
        return prefixed_security(symbol)
    if market == "hk" and symbol.isdigit():
        return f"{symbol.zfill(5)}.HK"
    if market == "us" and re.fullmatch(r"[A-Za-z.]{1,8}", symbol):
        return f"{symbol.upper()}.US"
    return None


# -- East Money 7x24 (eastmoney-fast) ------------------------------------------------

EM_REFERER = {"Referer": "https://kuaixun.eastmoney.com/"}


def em_fast_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    defaults = {"client": "web", "biz": "web_724", "fastColumn": "102", "sortEnd": "", "pageSize": "200"}
    forced = {"req_trace": _now_ms()}
    if cursor is not None:
        forced["sortEnd"] = cursor
    return with_params(source.url, defaults, forced), EM_REFERER


def em_fast_read(source: Source, data: Any) -> Page:
    rows = _list_at(data, "data.fastNewsList")

    def make(r: dict) -> Entry:
        title, text = split_title(str(r.get("summary") or ""), str(r.get("title") or ""))
        code = str(r["code"]).strip()
        stocks = [{"code": c, "from": "stockList"} for c in (em_security(s) for s in r.get("stockList") or []) if c]
        return Entry(code, title, text or title, _time(r["showTime"]), f"https://finance.eastmoney.com/a/{code}.html",
                     important=str(r.get("titleColor")) == "3", securities=stocks)  # fmt: skip

    entries, bad = _read_entries(rows, ("code", "showTime"), make)
    return Page(entries, str(data["data"].get("sortEnd") or "") or None, bad)


# -- East Money news columns (eastmoney-column) --------------------------------------


def em_column_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    defaults = {"client": "web", "biz": "web_news_col", "column": "345", "order": "1", "needInteractData": "0",
                "page_index": "1", "page_size": "50", "fields": "code,showTime,title,mediaName,summary,image,url,uniqueUrl"}  # fmt: skip
    forced = {"req_trace": _now_ms()}
    if cursor is not None:
        forced["page_index"] = cursor
    return with_params(source.url, defaults, forced), {"Referer": "https://finance.eastmoney.com/"}


def em_column_read(source: Source, data: Any) -> Page:
    rows = _list_at(data, "data.list")

    def make(r: dict) -> Entry:
        code = str(r["code"]).strip()
        return Entry(code, str(r.get("title") or "").strip(), str(r.get("summary") or ""), _time(r["showTime"]),
                     str(r.get("url") or f"https://finance.eastmoney.com/a/{code}.html"),
                     outlet=str(r.get("mediaName") or "").strip() or None)  # fmt: skip

    entries, bad = _read_entries(rows, ("code", "showTime"), make)
    return Page(entries, NEXT_PAGE if rows else None, bad)


# -- 财联社 电报 (cls-telegraph) ---------------------------------------------------------


def cls_sign(params: dict[str, str]) -> str:
    """As the web client signs: every parameter but sign, sorted by key and
    form-encoded (blank values kept), sha1 hex, then md5 hex of that."""
    query = urlencode(sorted((k, v) for k, v in params.items() if k != "sign"))
    return hashlib.md5(hashlib.sha1(query.encode()).hexdigest().encode()).hexdigest()


def cls_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    defaults = {"app": "CailianpressWeb", "category": "", "last_time": str(int(time.time())), "os": "web",
                "refresh_type": "1", "rn": "20", "sv": "8.4.6"}  # fmt: skip
    forced = {"last_time": cursor} if cursor is not None else {}
    unsigned = with_params(source.url, defaults, forced)
    params = dict(parse_qsl(urlsplit(unsigned).query, keep_blank_values=True))
    return with_params(unsigned, {}, {"sign": cls_sign(params)}), {"Referer": "https://www.cls.cn/telegraph"}


def cls_read(source: Source, data: Any) -> Page:
    if not isinstance(data, dict):
        raise Broken(f"answer is a {type(data).__name__}, not an object")
    errno = data.get("errno", data.get("error"))
    if errno not in (0, "0", None):
        if str(errno) == "10012":
            raise Broken("财联社 refused the signature (errno 10012 签名错误): has the signing scheme changed?")
        raise Broken(f"财联社 answered errno {errno}: {data.get('msg', '')}")
    rows = [r for r in _list_at(data, "data.roll_data") if not (isinstance(r, dict) and str(r.get("is_ad")) == "1")]

    def make(r: dict) -> Entry:
        title, text = split_title(str(r.get("content") or r.get("brief") or ""), str(r.get("title") or ""))
        stocks = [{"code": c, "name": str(s.get("name") or ""), "from": "stock_list"}
                  for s in r.get("stock_list") or [] if isinstance(s, dict) and (c := prefixed_security(s.get("StockID", "")))]  # fmt: skip
        subjects = tuple(str(s["subject_name"]) for s in r.get("subjects") or [] if isinstance(s, dict) and s.get("subject_name"))
        return Entry(str(r["id"]), title, text, _time(r["ctime"]), str(r.get("shareurl") or ""),
                     important=str(r.get("level") or "").upper() in ("A", "B"), securities=stocks, tags=subjects)  # fmt: skip

    entries, bad = _read_entries(rows, ("id", "ctime"), make)
    cursor = None
    times = [r.get("ctime") for r in rows if isinstance(r, dict) and str(r.get("ctime") or "").isdigit()]
    if times:
        # Items older than last_time come back: one second later than the
        # oldest, so that items sharing its second but cut off by rn come too
        # (the collector drops those it has already read in this poll).
        cursor = str(min(int(t) for t in times) + 1)
    return Page(entries, cursor, bad)


# -- 新浪财经 7x24 (sina-zhibo) ----------------------------------------------------------


def sina_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    defaults = {"page": "1", "page_size": "10", "zhibo_id": "152", "tag_id": "0", "dire": "f", "dpc": "1"}
    forced = {"page": cursor} if cursor is not None else {}
    return with_params(source.url, defaults, forced), {"Referer": "https://finance.sina.com.cn/7x24/"}


def sina_read(source: Source, data: Any) -> Page:
    status = data.get("result", {}).get("status", {}) if isinstance(data, dict) else {}
    if isinstance(status, dict) and status.get("code") not in (0, "0", None):
        raise Broken(f"新浪 answered status {status.get('code')}: {status.get('msg', '')}")
    rows = _list_at(data, "result.data.feed.list")

    def make(r: dict) -> Entry:
        ext = r.get("ext") or "{}"
        try:
            ext = json.loads(ext) if isinstance(ext, str) else ext
        except ValueError:
            ext = {}
        ext = ext if isinstance(ext, dict) else {}
        stocks = [{"code": c, "name": str(s.get("key") or ""), "from": "ext.stocks"}
                  for s in ext.get("stocks") or [] if isinstance(s, dict) and (c := sina_security(s))]  # fmt: skip
        title, text = split_title(str(r["rich_text"]))
        tags = tuple(str(t["name"]) for t in r.get("tag") or [] if isinstance(t, dict) and t.get("name"))
        return Entry(str(r["id"]), title, text, _time(r["create_time"]), str(ext.get("docurl") or ""),
                     securities=stocks, tags=tags)  # fmt: skip

    entries, bad = _read_entries(rows, ("id", "rich_text", "create_time"), make)
    return Page(entries, NEXT_PAGE if rows else None, bad)


# -- 华尔街见闻 (wallstreetcn-live) -----------------------------------------------------


def wscn_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    defaults = {"channel": "global-channel", "limit": "30", "cursor": ""}
    forced = {"cursor": cursor} if cursor is not None else {}
    return with_params(source.url, defaults, forced), {"Referer": "https://wallstreetcn.com/live/global"}


def wscn_read(source: Source, data: Any) -> Page:
    if isinstance(data, dict) and data.get("code") not in (20000, "20000", None):
        raise Broken(f"华尔街见闻 answered code {data.get('code')}: {data.get('message', '')}")
    rows = _list_at(data, "data.items")

    def make(r: dict) -> Entry:
        title, text = split_title(str(r.get("content_text") or r.get("content") or ""), str(r.get("title") or ""))
        return Entry(str(r["id"]), title, text, _time(r["display_time"]), str(r.get("uri") or ""),
                     important=int(r.get("score") or 0) >= 2)  # fmt: skip

    entries, bad = _read_entries(rows, ("id", "display_time"), make)
    return Page(entries, str(data["data"].get("next_cursor") or "") or None, bad)


# -- 金十 (jin10-flash) -----------------------------------------------------------------

_JIN10 = re.compile(r"^\s*var\s+newest\s*=\s*(.*?);?\s*$", re.S)
_WHOLE_BOLD = re.compile(r"^\s*<b>(.*)</b>\s*$", re.S)


def jin10_parse(text: str) -> Any:
    """`var newest = [...];` -> the list (ValueError if cut or garbled)."""
    m = _JIN10.match(text)
    if not m:
        if text.lstrip().startswith(("[", "{")):
            return json.loads(text)
        raise ValueError("not a `var newest = [...]` script")
    return json.loads(m.group(1))


def jin10_request(source: Source, cursor: str | None) -> tuple[str, dict[str, str]]:
    return with_params(source.url, {}, {"t": _now_ms()}), {"Referer": "https://www.jin10.com/"}


def jin10_read(source: Source, data: Any) -> Page:
    if not isinstance(data, list):
        raise Broken(f"newest is a {type(data).__name__}, not a list")

    def make(r: dict) -> Entry:
        body = r.get("data") if isinstance(r.get("data"), dict) else {}
        content = str(body.get("content") or "")
        if (m := _WHOLE_BOLD.match(content)) is not None:  # important flashes are wrapped in <b>
            content = m.group(1)
        title, text = split_title(content, str(body.get("title") or ""))
        return Entry(str(r["id"]), title, text, _time(r["time"]), f"https://flash.jin10.com/detail/{r['id']}",
                     important=str(r.get("important")) == "1")  # fmt: skip

    entries, bad = _read_entries(data, ("id", "time"), make)
    return Page(entries, None, bad)  # newest 50 only: no older page


PROVIDERS: dict[str, Provider] = {
    p.kind: p
    for p in (
        Provider("eastmoney-fast", "eastmoney", em_fast_request, em_fast_read),
        Provider("eastmoney-column", "eastmoney", em_column_request, em_column_read),
        Provider("cls-telegraph", "cls", cls_request, cls_read),
        Provider("sina-zhibo", "sina", sina_request, sina_read),
        Provider("wallstreetcn-live", "wscn", wscn_request, wscn_read),
        Provider("jin10-flash", "jin10", jin10_request, jin10_read, parse=jin10_parse),
    )
}
