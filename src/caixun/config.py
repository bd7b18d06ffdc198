"""Configuration: a TOML file with `[settings]` and `[[sources]]` tables.

Every key is documented in docs/configuration.md. Without a file, the built-in
default has the old system's East Money sources, polled every five minutes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True, slots=True)
class Config:
    sources: tuple[Source, ...]
    http: HttpSettings = field(default_factory=HttpSettings)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (configured: {known})")


# The old system polled these every five minutes (hosts as it used them).
_OLD_TEXT_URL = "http://finews.zning.xyz/NewsData/GetNewsText.do?id={code}"
DEFAULT_SOURCES: tuple[Source, ...] = (
    Source(
        name="东财滚动",
        kind="eastmoney",
        api="rolling",
        url="http://183.136.162.242/web/webapi?type=102&newsid=1",
        text_url=_OLD_TEXT_URL,
        slug="emnews",
        key_prefix="eastmoney",
    ),
    Source(
        name="东财媒体",
        kind="eastmoney",
        api="media",
        url="http://183.136.162.242/web/webapi?type=45&newsid=1",
        text_url=_OLD_TEXT_URL,
        key_prefix="eastmoney",
    ),
    *(
        Source(
            name=f"东财市场{mt}",
            kind="eastmoney",
            api="market",
            url="http://43.240.125.15:1818/information/newmarket/web/webapi",
            market_type=mt,
            text_url=_OLD_TEXT_URL,
            key_prefix="eastmoney",
        )
        for mt in ("37", "38", "39")
    ),
)

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
_KINDS = {"eastmoney", "feed", "jekyll"}
_APIS = {"rolling", "media", "market"}


def source_from_table(table: dict[str, Any], where: str) -> Source:
    unknown = set(table) - _SOURCE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "kind"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{where}: '{key}' is required")
    kind = table["kind"]
    if kind not in _KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(sorted(_KINDS))}, not {kind!r}")
    values = dict(table)
    values["interval"] = parse_interval(table.get("interval", "5m"))
    if kind in ("eastmoney", "feed") and not table.get("url"):
        raise ConfigError(f"{where}: 'url' is required for kind {kind}")
    if kind == "eastmoney":
        if table.get("api") not in _APIS:
            raise ConfigError(f"{where}: api must be one of rolling, media, market")
        if table["api"] == "market" and not table.get("market_type"):
            raise ConfigError(f"{where}: market news needs 'market_type'")
        if table.get("text_url") and "{code}" not in table["text_url"]:
            raise ConfigError(f"{where}: text_url needs a {{code}} placeholder")
        values.setdefault("key_prefix", "eastmoney")
    if kind == "jekyll":
        values.setdefault("key_prefix", "eastmoney")
    if "market_type" in values:
        values["market_type"] = str(values["market_type"])
    return Source(**values)


def load_config(path: Path | None) -> Config:
    """Read a config file, or return the built-in default when path is None."""
    if path is None:
        return Config(sources=DEFAULT_SOURCES)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"settings", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    sources = tuple(
        source_from_table(t, f"{path}: sources[{i}]") for i, t in enumerate(data.get("sources", []))
    )
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise ConfigError(f"{path}: two sources have the same name")
    return Config(sources=sources, http=_http_settings(data.get("settings", {}), path))


def _http_settings(table: dict[str, Any], path: Path) -> HttpSettings:
    known = {f.name for f in fields(HttpSettings)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: [settings] unknown key(s) {', '.join(sorted(unknown))}")
    values = dict(table)
    if "max_body" in values:
        values["max_body"] = parse_size(values["max_body"])
    try:
        return HttpSettings(**values)
    except TypeError as exc:
        raise ConfigError(f"{path}: [settings] {exc}") from exc
