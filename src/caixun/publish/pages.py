"""HTML pages from the views, with Jinja2 (autoescaped). The web app and the
static export render the same templates, so a page looks the same served or
exported, and its links are the same: /source/<slug>/, /article/<id>.html,
/tag/<tag>/, feeds beside each page as feed.atom, feed.rss, feed.json."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape

from caixun.clean.links import safe_link
from caixun.enrich import is_shown
from caixun.enrich.measures import MEASURES
from caixun.publish import views
from caixun.publish.feeds import KINDS
from caixun.publish.highlight import fact_spans, mark

# The served site sends this as a header; the static export writes it into
# each page as a <meta> (static hosting sends no headers of ours), without
# frame-ancestors, which browsers ignore in a <meta>. Article bodies come from
# third parties: even if something slipped through sanitizing and escaping,
# the browser would run no script.
CSP_META = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; img-src * data:; style-src 'self'")  # fmt: skip
CSP = CSP_META + "; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class Site:
    base: str = ""  # path prefix of the site ("" at the root)
    search_action: str = "/search"
    reload: int | None = None  # seconds; the old site reloaded every minute
    static: bool = False
    as_of: datetime | None = None  # the archive as of this moment (caixun.store.asof)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Jinja's cache of compiled templates in the user's temporary directory:
    compiling the templates cost every export 0.07 s (a twentieth of an
    incremental run). Without a usable directory, templates are compiled."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=PackageLoader("caixun.publish", "templates"), autoescape=select_autoescape(default=True),
                    bytecode_cache=_bytecode_cache())  # fmt: skip
    e.globals["bj"] = views.beijing_time
    e.globals["bj_time"] = views.beijing_minute
    e.filters["safe_link"] = safe_link
    e.globals["region_name"] = views.region_name
    e.globals["measure_zh"] = MEASURES
    e.globals["describe"] = views.describe_figure
    e.tests["shown_figure"] = is_shown
    return e


def feed_links(base: str, path: str, title: str, q: str | None = None) -> list[dict[str, str]]:
    """<link rel="alternate"> entries for the feeds of the page at `path`."""
    labels = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
    query = f"?q={quote(q)}" if q else ""
    return [{"type": t, "title": f"{title} ({labels[k]})", "href": f"{base}{path}feed.{k}{query}", "label": labels[k]}
            for k, t in KINDS.items()]  # fmt: skip


def tag_path(tag: str) -> str:
    return f"/tag/{quote(tag, safe='')}/"


_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


def tag_segment(tag: str) -> str:
    """The directory of a tag's pages in the static export: the tag itself
    (servers decode /tag/%E7%94%B2/ to /tag/甲/), or, for a tag that is no
    safe file name (`..`, a slash, a control character, more than 200 bytes),
    `_` and a digest of it, so that no tag writes outside its directory or
    over the export's own pages."""
    if tag in ("", ".", "..") or tag.startswith("_") or _UNSAFE_NAME.search(tag) or len(tag.encode("utf-8", "replace")) > 200:
        return "_" + hashlib.sha1(tag.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return tag


def tag_href(site: Site, tag: str) -> str:
    """The link of a tag's page: the served site takes any tag; the static
    export's directory is tag_segment(tag)."""
    return f"{site.base}/tag/{quote(tag_segment(tag) if site.static else tag, safe='')}/"


def render(site: Site, template: str, feeds_path: str, feeds_title: str, feeds_q: str | None = None, **ctx: Any) -> str:
    return env().get_template(template).render(
        base=site.base,
        search_action=site.search_action if not site.static else f"{site.base}/search.html",
        reload=site.reload,
        # The static export has no search, so no search feeds either.
        feeds=feed_links(site.base, feeds_path, feeds_title, feeds_q) if not (site.static and feeds_path == "/search/") else [],
        served=not site.static,  # pages only the server has: figures, regions, securities
        csp_meta=CSP_META if site.static else None,
        tag_href=lambda t: tag_href(site, t),
        as_of=site.as_of,
        **ctx,
    )


def home(site: Site, blocks: list[views.SourceBlock]) -> str:
    return render(site, "home.html", "/", "财讯 全部", blocks=blocks)


def sources(site: Site, srcs: list[views.SourceInfo], health: dict[str, str] | None = None,
            configured: list[dict] | None = None) -> str:  # fmt: skip
    return render(site, "sources.html", "/", "财讯 全部", sources=srcs, health=health, configured=configured or [],
                  health_zh=views.HEALTH_ZH)  # fmt: skip


def listing(site: Site, heading: str, feeds_path: str, stories: list[views.Story], total: int | None,
            newer: str | None = None, older: str | None = None) -> str:  # fmt: skip
    return render(site, "listing.html", feeds_path, f"财讯 {heading}", heading=heading, stories=stories, total=total,
                  newer=newer, older=older)  # fmt: skip


def article(site: Site, v: views.ArticleView) -> str:
    """The article page; its figures are marked in the body and its regions and
    securities link to their pages (served site only: the static export has no
    such pages)."""
    body = v.body_html
    if v.facts:
        body = mark(body, fact_spans(v.facts, lambda e: None if site.static else entity_path(site, e), views.describe_figure))
    return render(site, "article.html", f"/source/{v.article.category}/", f"财讯 {v.article.source}", v=v, body=body)


def entity_path(site: Site, e: dict[str, Any]) -> str:
    return f"{site.base}/{e['type']}/{quote(e['code'], safe='')}/"


def figures(site: Site, view: views.FiguresView, query: str) -> str:
    return render(site, "figures.html", "/", "财讯 全部", view=view, query=query, measures=MEASURES)


def entity_index(site: Site, view: views.EntityIndex) -> str:
    return render(site, "entities.html", "/", "财讯 全部", view=view)


def entity(site: Site, view: views.EntityView) -> str:
    return render(site, "entity.html", "/", "财讯 全部", view=view)


RULE_LABELS = (("words", "词"), ("securities", "证券"), ("regions", "地区"), ("sources", "来源"), ("important", "重要"),
               ("figure", "数据"))  # fmt: skip
ORIGIN_ZH = {"cli": "命令行", "config": "配置文件", "web": "网页"}


def watches(site: Site, rows: list[dict], *, writable: bool, error: str | None = None, form: dict | None = None) -> str:
    """The watches page (served only: caixun.web.watch_form)."""
    return render(site, "watches.html", "/", "财讯 全部", watches=rows, writable=writable, error=error, form=form or {},
                  rule_labels=RULE_LABELS, origin_zh=ORIGIN_ZH)  # fmt: skip


ERROR_TITLES = {400: "请求有误", 404: "未找到", 405: "不支持的请求方法", 422: "参数有误", 500: "服务器出错"}


def error(site: Site, status: int, detail: str) -> str:
    return render(site, "error.html", "/", "财讯 全部", status=status, title=ERROR_TITLES.get(status, "出错了"), detail=detail)


def search(site: Site, view: views.SearchView | None) -> str:
    q = view.q if view else ""
    return render(site, "search.html", "/search/", f"财讯 搜索 {q}", feeds_q=q or None, q=q, view=view, static=site.static)


_OWN_LINK = re.compile(r'(?<= )(href|src|action)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|//|#|\?)([^"?#]*)([^"]*)"')


def relative_links(html: str, path: str) -> str:
    """A static page's own links (`/article/1.html`, `/source/x/`, `../`)
    made relative to the page at `path` (`article/1.html` ->
    `../source/x/index.html`), so that the export works from any sub-path
    (--base-url https://example.org/news/) and opened from disk (file://),
    where a directory has no index page of its own. Links of third parties
    are never relative (the cleaners keep only absolute http(s) ones)."""
    up = "../" * path.count("/")

    def local(m: re.Match) -> str:
        target = m.group(2)
        if target.startswith("/"):
            target = up + target[1:]
        if target == "" or target.endswith("/"):
            target += "index.html"
        return f'{m.group(1)}="{target}{m.group(3)}"'

    return _OWN_LINK.sub(local, html)
