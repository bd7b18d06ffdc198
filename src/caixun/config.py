"""Configuration: a TOML file with `[settings]` and `[[sources]]` tables.

Every key is documented in docs/configuration.md. Without a file, the built-in
default polls today's six providers (docs/sources.md); the old finews site's
2022 East Money endpoints are the preset "finews-2022".
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from caixun.collect.providers import PROVIDERS
from caixun.model import Source


class ConfigError(ValueError):
    """The configuration file is unreadable or has a wrong key or value."""


@dataclass(frozen=True, slots=True)
class HttpSettings:
    user_agent: str = "caixun/0.1 (+self-hosted news archive)"
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 4  # attempts after the first one
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    max_backoff: float = 60.0  # longest wait, Retry-After included
    per_host: int = 4  # requests under way at once to one host
    max_body: int = 10 * 1024 * 1024  # bytes
    # Whole-answer deadline of one request: a server that drips a byte every
    # few seconds never trips read_timeout, and would hold a poll for ever.
    request_deadline: float = 60.0
    # Deadline of one source's whole poll (its pages, full texts and retries):
    # past it the poll is given up as failed, and nothing of it is stored.
    poll_deadline: float = 300.0


DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class Config:
    sources: tuple[Source, ...]
    http: HttpSettings = field(default_factory=HttpSettings)
    watches: tuple = ()  # caixun.watch.rules.WatchSpec, from [[watches]]
    base_url: str = DEFAULT_BASE_URL  # where the site is read: alerts link its article pages

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (configured: {known})")


# The default: today's six providers (docs/sources.md). Intervals follow how
# fast each list moves and how much of it one answer holds: 金十 serves only its
# newest 50 and no older page, so it is polled every minute.
_EM_ARTICLE = "https://finance.eastmoney.com/a/{code}.html"
DEFAULT_SOURCES: tuple[Source, ...] = (
    Source(name="东财快讯", kind="eastmoney-fast", slug="em724", interval=60.0,
           url="https://np-weblist.eastmoney.com/comm/web/getFastNewsList?client=web&biz=web_724&fastColumn=102&sortEnd=&pageSize=200"),
    Source(name="东财导读", kind="eastmoney-column", slug="emcol", interval=300.0, text_url=_EM_ARTICLE,
           url="https://np-listapi.eastmoney.com/comm/web/getNewsByColumns?client=web&biz=web_news_col&column=345&order=1&needInteractData=0&page_index=1&page_size=50"),
    Source(name="财联社电报", kind="cls-telegraph", slug="cls", interval=60.0,
           url="https://www.cls.cn/v1/roll/get_roll_list?app=CailianpressWeb&category=&os=web&refresh_type=1&rn=20&sv=8.4.6"),
    Source(name="新浪财经7x24", kind="sina-zhibo", slug="sina724", interval=120.0,
           url="https://zhibo.sina.com.cn/api/zhibo/feed?page=1&page_size=10&zhibo_id=152&tag_id=0&dire=f&dpc=1"),
    Source(name="华尔街见闻", kind="wallstreetcn-live", slug="wallstreetcn", interval=120.0,
           url="https://api-one.wallstcn.com/apiv1/content/lives?channel=global-channel&limit=30"),
    Source(name="金十数据", kind="jin10-flash", slug="jin10", interval=60.0, url="https://www.jin10.com/flash_newest.js"),
)  # fmt: skip

# The preset "finews-2022": the endpoints the old finews site polled every five
# minutes (bare IP addresses, gone from the internet as of 2026-12; kept for
# whoever still reaches them). Their items have the same East Money codes as
# eastmoney-fast's, so both can run without duplicates.
_OLD_TEXT_URL = "http://finews.zning.xyz/NewsData/GetNewsText.do?id={code}"
FINEWS_2022: tuple[Source, ...] = (
    Source(name="东财滚动", kind="eastmoney", api="rolling", url="http://183.136.162.242/web/webapi?type=102&newsid=1",
           text_url=_OLD_TEXT_URL, slug="emnews", key_prefix="eastmoney"),
    Source(name="东财媒体", kind="eastmoney", api="media", url="http://183.136.162.242/web/webapi?type=45&newsid=1",
           text_url=_OLD_TEXT_URL, key_prefix="eastmoney"),
    *(Source(name=f"东财市场{mt}", kind="eastmoney", api="market", url="http://43.240.125.15:1818/information/newmarket/web/webapi",
             market_type=mt, text_url=_OLD_TEXT_URL, key_prefix="eastmoney") for mt in ("37", "38", "39")),
)  # fmt: skip
PRESETS = {"finews-2022": FINEWS_2022, "default": DEFAULT_SOURCES}

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_interval(value: Any) -> float:
    """'5m' -> 300.0; '90s', '1h', '1h30m' and plain numbers (seconds) too."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*(\d+(\.\d+)?\s*[smhd]?\s*)+", value.lower()):
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd]?)", value.lower())
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise ConfigError(f"bad interval {value!r}: use e.g. 30s, 5m, 1h")
    if seconds <= 0:
        raise ConfigError(f"interval must be positive, got {value!r}")
    return seconds


def parse_size(value: Any) -> int:
    """'10MB' -> 10485760; plain integers are bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*", str(value).lower())
    if not m:
        raise ConfigError(f"bad size {value!r}: use e.g. 10MB")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])


_SOURCE_KEYS = {f.name for f in fields(Source)}
KINDS = {"eastmoney", "feed", "jekyll", *PROVIDERS}
_APIS = {"rolling", "media", "market"}


def source_from_table(table: dict[str, Any], where: str) -> Source:
    unknown = set(table) - _SOURCE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "kind"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{where}: '{key}' is required")
    kind = table["kind"]
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    values = dict(table)
    values["interval"] = parse_interval(table.get("interval", "5m"))
    if kind != "jekyll" and not table.get("url"):
        raise ConfigError(f"{where}: 'url' is required for kind {kind}")
    if kind == "eastmoney":
        if table.get("api") not in _APIS:
            raise ConfigError(f"{where}: api must be one of rolling, media, market")
        if table["api"] == "market" and not table.get("market_type"):
            raise ConfigError(f"{where}: market news needs 'market_type'")
        if table.get("text_url") and "{code}" not in table["text_url"]:
            raise ConfigError(f"{where}: text_url needs a {{code}} placeholder")
        values.setdefault("key_prefix", "eastmoney")
    if kind in PROVIDERS:
        if table.get("text_url") and "{code}" not in table["text_url"]:
            raise ConfigError(f"{where}: text_url needs a {{code}} placeholder")
        values.setdefault("key_prefix", PROVIDERS[kind].key_prefix)
    if "max_pages" in values and not (_is_number(values["max_pages"]) and values["max_pages"] >= 1):
        raise ConfigError(f"{where}: max_pages must be a whole number ≥ 1")
    if "backfill_hours" in values and not (_is_number(values["backfill_hours"]) and 0 < values["backfill_hours"] < 10**6):
        raise ConfigError(f"{where}: backfill_hours must be a number > 0")
    if kind == "jekyll":
        values.setdefault("key_prefix", "eastmoney")
    if "market_type" in values:
        values["market_type"] = str(values["market_type"])
    return Source(**values)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def load_config(path: Path | None) -> Config:
    """Read a config file, or return the built-in default when path is None."""
    if path is None:
        return Config(sources=DEFAULT_SOURCES)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config {path} is not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"settings", "sources", "presets", "watches", "base_url"}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    presets = data.get("presets", [])
    if not isinstance(presets, list) or any(p not in PRESETS for p in presets):
        raise ConfigError(f"{path}: presets must be a list of {', '.join(sorted(PRESETS))}")
    if not isinstance(data.get("sources", []), list):
        raise ConfigError(f"{path}: sources must be [[sources]] tables")
    sources = tuple(s for p in presets for s in PRESETS[p]) + tuple(
        source_from_table(t, f"{path}: sources[{i}]") if isinstance(t, dict) else _not_a_table(path, i)
        for i, t in enumerate(data.get("sources", []))
    )
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise ConfigError(f"{path}: two sources have the same name")
    base_url = data.get("base_url", DEFAULT_BASE_URL)
    if not isinstance(base_url, str) or not re.fullmatch(r"https?://[^\s<>\"']+", base_url):
        raise ConfigError(f"{path}: base_url must be an http(s) URL, e.g. https://news.example.org")
    return Config(sources=sources, http=_http_settings(data.get("settings", {}), path), watches=_watches(data, path),
                  base_url=base_url.rstrip("/"))  # fmt: skip


def _watches(data: dict[str, Any], path: Path) -> tuple:
    from caixun.watch.rules import RuleError, watch_spec

    tables = data.get("watches", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: watches must be [[watches]] tables")
    specs = []
    for i, t in enumerate(tables):
        if not isinstance(t, dict):
            raise ConfigError(f"{path}: watches[{i}] is not a table")
        try:
            specs.append(watch_spec(t))
        except RuleError as exc:
            raise ConfigError(f"{path}: watches[{i}] ({t.get('name', '?')}): {exc}") from None
    if len({w.name for w in specs}) != len(specs):
        raise ConfigError(f"{path}: two watches have the same name")
    return tuple(specs)


def _not_a_table(path: Path, i: int) -> Source:
    raise ConfigError(f"{path}: sources[{i}] is not a table")


# Bounds of [settings]: outside them caixun would hang (per_host = 0 lets no
# request start) or never wait (backoff = nan).
_HTTP_BOUNDS = {"connect_timeout": (0.01, 600), "read_timeout": (0.01, 3600), "retries": (0, 20), "backoff": (0, 3600),
                "max_backoff": (0, 86400), "per_host": (1, 100), "max_body": (1024, 2**40),
                "request_deadline": (0.1, 3600), "poll_deadline": (1, 86400)}  # fmt: skip


def _http_settings(table: dict[str, Any], path: Path) -> HttpSettings:
    known = {f.name for f in fields(HttpSettings)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: [settings] unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [settings] must be a table")
    values = dict(table)
    if "max_body" in values:
        values["max_body"] = parse_size(values["max_body"])
    for key, (low, high) in _HTTP_BOUNDS.items():
        if key in values and not (_is_number(values[key]) and low <= values[key] <= high):
            raise ConfigError(f"{path}: [settings] {key} must be a number from {low} to {high}, not {values[key]!r}")
    if "user_agent" in values and not (isinstance(values["user_agent"], str) and values["user_agent"].isprintable()):
        raise ConfigError(f"{path}: [settings] user_agent must be one line of text")
    try:
        return HttpSettings(**values)
    except TypeError as exc:
        raise ConfigError(f"{path}: [settings] {exc}") from exc
