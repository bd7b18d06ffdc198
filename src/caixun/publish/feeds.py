"""Atom, RSS 2.0 (feedgen) and JSON Feed 1.1 from a list of articles.

feedgen writes Atom and RSS through lxml, so titles and bodies are escaped
correctly; it has no JSON Feed, which is a plain JSON document (written here
from the same fields)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from caixun.clean.html import resanitize
from caixun.clean.links import safe_link
from caixun.clean.normalize import repair_chars, to_shanghai
from caixun.model import Article

FEED_SIZE = 50
KINDS = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    home: str  # absolute URL of the page the feed belongs to
    self_url: str  # absolute URL of the feed itself, without the extension
    description: str = "财讯 caixun: Chinese financial news archive"
    suffix: str = ""  # query string of the feed's own URL (search feeds)


def article_url(base: str, art: Article) -> str:
    return f"{base.rstrip('/')}/article/{art.id}.html"


def render(kind: str, info: FeedInfo, arts: list[Article], base: str) -> bytes:
    if kind == "json":
        return _json_feed(info, arts, base)
    fg = _generator(info, arts, base, kind)
    return fg.atom_str(pretty=True) if kind == "atom" else fg.rss_str(pretty=True)


def render_all(info: FeedInfo, arts: list[Article], base: str, entries: dict | None = None) -> dict[str, bytes]:
    """The three feeds of one list: feedgen's entries are built once for Atom and
    RSS (only the self link differs), which halves the cost of a static export's feeds.
    `entries` keeps the built entries across calls: in a static export the same
    article is in the site's feed, its source's and its tags'."""
    fg = _generator(info, arts, base, "atom", entries)
    out = {"atom": fg.atom_str(pretty=True)}
    fg.link([{"href": info.home, "rel": "alternate"}, {"href": f"{info.self_url}.rss{info.suffix}", "rel": "self"}], replace=True)
    out["rss"] = fg.rss_str(pretty=True)
    out["json"] = _json_feed(info, arts, base, entries)
    return out


class _ReusedEntry(FeedEntry):
    """A feed entry whose Atom and RSS elements are built once. In a static
    export the same article is in the site's feed, its source's and its tags':
    feedgen would build its elements again for each. Appending an lxml
    element to a second feed moves it there, which is safe because each feed
    is serialized before the next one is built."""

    def __init__(self) -> None:
        super().__init__()
        self._atom_element = self._rss_element = None

    def atom_entry(self, extensions: bool = True):  # noqa: ANN201 (an lxml element)
        if self._atom_element is None:
            self._atom_element = super().atom_entry(extensions)
        return self._atom_element

    def rss_entry(self, extensions: bool = True):  # noqa: ANN201
        if self._rss_element is None:
            self._rss_element = super().rss_entry(extensions)
        return self._rss_element


def _generator(info: FeedInfo, arts: list[Article], base: str, kind: str, entries: dict | None = None) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"{info.self_url}.atom{info.suffix}")
    fg.title(_xml(info.title))
    fg.link(href=info.home, rel="alternate")
    fg.link(href=f"{info.self_url}.{kind}{info.suffix}", rel="self")
    fg.description(info.description)
    fg.language("zh-CN")
    # Dates from the articles, never "now": an unchanged feed keeps its bytes
    # (so an incremental export does not rewrite it).
    newest = max((a.published_at for a in arts), default=datetime(2000, 1, 1, tzinfo=UTC))
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for art in reversed(arts):  # feedgen prepends entries: newest ends up first
        key = (art.id, art.version)
        if entries is not None and key in entries:
            fg.add_entry(entries[key])
            continue
        fe = fg.add_entry(_ReusedEntry() if entries is not None else None)
        if entries is not None:
            entries[key] = fe
        link = article_url(base, art)
        fe.id(link)
        fe.guid(link, permalink=True)
        # _xml: a row stored before characters were repaired at ingest must
        # not make the whole feed fail ("All strings must be XML compatible").
        fe.title(_xml(art.title))
        fe.link(href=link)
        fe.published(to_shanghai(art.published_at))
        fe.updated(to_shanghai(art.published_at))
        fe.author(name=_xml(art.source))
        for tag in art.tags:
            fe.category(term=_xml(tag))
        # RSS readers render <description> as HTML: the summary is plain text, so escape it.
        fe.description(_xml(html.escape(art.digest or art.text[:200], quote=False)))
        fe.content(_xml(resanitize(art.html)), type="html")
    return fg


def health_feed(events: list[dict], home: str, self_url: str) -> bytes:
    """Atom feed of sources' health changes (newest first): subscribe to be
    told when a source breaks or heals."""
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title("财讯 来源状态")
    fg.link(href=home, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language("zh-CN")
    fg.updated(events[0]["at"] if events else datetime(2000, 1, 1, tzinfo=UTC))
    labels = {"ok": "正常", "failing": "采集失败", "broken": "已失效"}
    for e in reversed(events):
        fe = fg.add_entry()
        fe.id(f"{self_url}#{e['id']}")
        fe.title(f"{e['name']}：{labels.get(e['health'], e['health'])}")
        fe.link(href=home)
        fe.updated(to_shanghai(e["at"]))
        fe.content(e["reason"] or e["health"], type="text")
    return fg.atom_str(pretty=True)


def _xml(value: str) -> str:
    return repair_chars(value)[0]


def _json_feed(info: FeedInfo, arts: list[Article], base: str, entries: dict | None = None) -> bytes:
    head = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.home,
        "feed_url": f"{info.self_url}.json{info.suffix}",
        "description": info.description,
        "language": "zh-CN",
    }
    items = []
    for a in arts:
        key = ("json", a.id, a.version)
        item = entries.get(key) if entries is not None else None
        if item is None:
            item = _dumps(_json_item(a, base))
            if entries is not None:
                entries[key] = item
        items.append(item)
    # The items are serialized once per article (see `_ReusedEntry`) and
    # joined into the document: "items" is its last member.
    return (_dumps(head)[:-1] + ',"items":[' + ",".join(items) + "]}").encode()


def _json_item(a: Article, base: str) -> dict:
    return {
        "id": article_url(base, a),
        "url": article_url(base, a),
        "external_url": safe_link(a.url) or None,
        "title": a.title,
        "content_html": resanitize(a.html),
        "summary": a.digest or a.text[:200],
        "date_published": to_shanghai(a.published_at).isoformat(),
        "authors": [{"name": a.source}],
        "tags": list(a.tags),
    }


def _dumps(doc: dict) -> str:
    # Compact: with an indent, json.dumps falls back to its pure-Python
    # encoder (6× slower on a feed of 50 bodies).
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
