"""Links from outside, made safe to put in an `href` (pure functions).

One rule for every output (pages, static and Jekyll exports, feeds, API,
alerts): a link that came from a source is kept only if it is an absolute
`http` or `https` URL. `javascript:`, `data:`, `vbscript:` and every other
scheme are dropped, whatever their spelling: browsers ignore tabs and
newlines anywhere in a URL and leading spaces and control characters, so
`JaVa\tScRiPt:` must be read as `javascript:` (WHATWG URL standard, "basic URL
parser"). The characters that could end the attribute or a Markdown autolink
(`<`, `>`, `"`, `'`, backtick, spaces) are percent-encoded, so the link stays
inert even where it is written without HTML escaping.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

SAFE_SCHEMES = ("http", "https")
# What a browser removes before parsing a URL: C0 controls and space at both
# ends, and ASCII tab and newlines anywhere.
_EDGE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
# Kept as they are: the URL's own syntax and what is already percent-encoded.
_KEEP = "/?#[]@!$&()*+,;=:%~-._"


def safe_link(url: str | None) -> str:
    """The URL if it is an absolute http(s) URL, with the characters that could
    end an attribute or an autolink percent-encoded; "" for anything else.
    `//host/path` (scheme-relative) becomes https."""
    if not url:
        return ""
    cleaned = _TAB_NEWLINE.sub("", url.strip(_EDGE))
    if cleaned.startswith("//"):
        cleaned = "https:" + cleaned
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return ""
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc or parts.netloc.startswith(("@", ":")):
        return ""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in cleaned):
        return ""
    # Surrogates cannot be encoded: such a URL is no URL.
    try:
        return quote(cleaned, safe=_KEEP, encoding="utf-8", errors="strict")
    except UnicodeEncodeError:
        return ""


def is_safe_link(url: str | None) -> bool:
    return bool(url) and safe_link(url) == url
