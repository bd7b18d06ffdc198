"""Exact keys: canonical URL and normalized-text hash."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|spm|from|share_token|fbclid|gclid)$", re.I)
_NOT_TEXT = re.compile(r"[\s\u3000]+")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking
    parameters, sorted query. Returns "" for an empty or unusable URL."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("//"):
        url = "http:" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


# The frame an outlet puts before a flash ("财联社12月8日电，", "金十数据12月8日讯，",
# "新华社北京12月8日电", "【...】" datelines): the same story told by two
# outlets differs there first, so signatures leave it out.
_DATELINE = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{2,8}?(?:[\u4e00-\u9fff]{2,4})?\d{1,2}月\d{1,2}日(?:\d{1,2}时)?(?:电|讯|消息)"
    r"(?:（[^）]{1,12}）)?[，,：:\s]*)"
)


def strip_dateline(text: str) -> str:
    """The text without an outlet's dateline at its start (pure)."""
    return _DATELINE.sub("", text, count=1)


def normalize_for_hash(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).lower()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
