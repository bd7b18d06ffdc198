"""A hostile corpus (our own payloads) and the three ways it enters caixun:
old-format Jekyll posts for `caixun import`, an RSS and an Atom feed, and
East Money list items for tests.newsapi.NewsApi. Every payload sets
`window.__xss` or opens a dialog if it runs, so a browser test can tell.

And `unsafe_urls(html)`: every href/src/action of a page whose scheme is not
http(s) (relative links we make ourselves are fine), for tests without a browser.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from lxml import html as lxml_html

from tests.webdata import XSS

# Links as sources give them: every spelling of a script URL browsers accept.
BAD_LINKS = [
    "javascript:window.__xss=101;alert(101)",
    "JAVASCRIPT:window.__xss=102",
    " \tjava\nscript:window.__xss=103",
    "JaVaScRiPt&colon;window.__xss=104",
    "data:text/html,<script>parent.__xss=105</script>",
    "vbscript:msgbox(106)",
    'https://example.org/ok?x="><script>window.__xss=107</script>',
    "https://example.org/ok?x='onmouseover='window.__xss=108",
    "//example.org/<script>window.__xss=109</script>",
]
BODIES = [
    '<p>正文<iframe src="javascript:parent.__xss=201"></iframe></p>',
    '<p><a href="JaVaScRiPt:window.__xss=202">点我</a> <a href=" javascript:window.__xss=203">再点</a></p>',
    '<p><a href="&#106;avascript:window.__xss=204">实体</a> <a href="data:text/html,x">数据</a></p>',
    "[点这里](javascript:window.__xss=205) 与 [这里](JAVASCRIPT:window.__xss=206)",
    '<p><img src="x" onerror="window.__xss=207"><svg><script>window.__xss=208</script></svg></p>',
    "<object data=\"javascript:window.__xss=209\"></object><embed src=\"javascript:1\"><form action=\"javascript:1\"><button>提交</button></form>",
    "{% raw %}{{ site }}{% endraw %} {{ 7 | plus: 7 }} <% 7*7 %>",
    '<a href="/../../etc/passwd">相对</a><base href="javascript:/">',
]


def payloads() -> list[tuple[str, str, str, str]]:
    """(title, tag, outlet name, body) of each hostile item; one field each
    time is a payload, and the links of BAD_LINKS go with them in turn."""
    rows = []
    for p in XSS:
        rows.append((f"标题{p}", f"标签{p}", f"媒体{p}", f"<p>降准 {p}</p>{p}"))
    for i, body in enumerate(BODIES):
        rows.append((f"正文样本{i}", "正文样本", "正文源", body))
    return rows


def link_for(i: int) -> str:
    return BAD_LINKS[i % len(BAD_LINKS)]


def write_posts(directory: Path) -> int:
    """Old-format posts (as the old generator wrote them: raw title, raw tag,
    an autolink and a Markdown footer) with the payloads; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, (title, tag, _outlet, body) in enumerate(payloads()):
        code = f"20230401{i:010d}"
        text = (f'---\nlayout: post\ntitle: "{title}"\ndate: 2023-04-01 {8 + i // 60:02d}:{i % 60:02d}:00\n'
                f"categories: emnews\ntags: {tag}\n---\n\n{body}\n\n<{link_for(i)}>\n\n"
                f"[返回{tag}](../emnews/)\n[返回首页](../)\n")  # fmt: skip
        (directory / f"2023-04-01-{code}.md").write_text(text, encoding="utf-8")
        n += 1
    return n


def feed_documents() -> tuple[bytes, bytes]:
    """An RSS 2.0 and an Atom document whose items carry the payloads."""
    rss_items, atom_entries = [], []
    for i, (title, tag, _outlet, body) in enumerate(payloads()):
        link = link_for(i + 3)
        rss_items.append(
            f"<item><title>{xml_escape(title)}</title><link>{xml_escape(link)}</link><guid>rss-{i}</guid>"
            f"<category>{xml_escape(tag)}</category><pubDate>Sat, 01 Apr 2023 0{i % 10}:00:00 +0800</pubDate>"
            f"<description>{xml_escape(body)}</description></item>"
        )
        atom_entries.append(
            f'<entry><id>urn:atom:{i}</id><title type="html">{xml_escape(html.escape(title))}</title>'
            f'<link href="{xml_escape(link_for(i + 5), {chr(34): "&quot;"})}"/><updated>2023-04-01T0{i % 10}:30:00+08:00</updated>'
            f'<content type="html">{xml_escape(body)}</content></entry>'
        )
    rss = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>恶意RSS</title>'
           f"<link>http://127.0.0.1/</link><description>x</description>{''.join(rss_items)}</channel></rss>")  # fmt: skip
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>恶意Atom</title>'
            f"<id>urn:atom</id><updated>2023-04-01T00:00:00Z</updated>{''.join(atom_entries)}</feed>")  # fmt: skip
    return rss.encode("utf-8"), atom.encode("utf-8")


def newsapi_items() -> list[dict]:
    """East Money list items (tests.newsapi.NewsApi): hostile outlet names on
    the media list (`from`), hostile `url_w` on the rolling list."""
    items = []
    for i, (title, _tag, outlet, body) in enumerate(payloads()):
        items.append({"code": f"2023040200000{i:05d}", "title": title, "body": body, "time": f"2023-04-02 09:{i:02d}:00",
                      "outlet": "东财滚动", "list": "rolling", "url": link_for(i + 1)})  # fmt: skip
        items.append({"code": f"NW2023040200000{i:05d}", "title": f"媒体稿{i}", "body": body,
                      "time": f"2023-04-02 10:{i:02d}:00", "outlet": outlet, "list": "media"})  # fmt: skip
    return items


_SAFE_SCHEME = re.compile(r"^(https?:|/|\.|#|\?|[^:/?#]*(?:[/?#]|$))", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "data", "srcset", "poster", "xlink:href")


def unsafe_urls(document: str | bytes) -> list[str]:
    """The URL attributes of an HTML document that are not http(s) or relative
    (a scheme-less path), and every element that could run script."""
    if not (document.strip() if isinstance(document, str) else document.strip()):
        return []
    root = lxml_html.document_fromstring(document)
    bad = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("script", "iframe", "object", "embed", "base"):
            bad.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                bad.append(f"{el.tag}[{name}]")
            if name.lower() in URL_ATTRS:
                cleaned = re.sub(r"[\t\n\r]", "", value).strip("".join(chr(c) for c in range(0x21)))
                if not _SAFE_SCHEME.match(cleaned):
                    bad.append(f"{el.tag}[{name}={value!r}]")
    return bad
