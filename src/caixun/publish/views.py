"""The one query layer behind every output: HTML pages (served and static),
the JSON API and the feeds all take their data from these functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from caixun.clean.html import resanitize
from caixun.clean.links import safe_link
from caixun.clean.normalize import to_shanghai
from caixun.enrich.regions import gazetteer
from caixun.model import Article
from caixun.publish.series import Series, build_series, series_charts
from caixun.searchtext import snippet
from caixun.store import FigureFilter, FigureRow, SearchPage, Store, health

PER_SOURCE_ON_HOME = 5
PAGE_SIZE = 30


@dataclass(frozen=True, slots=True)
class SourceInfo:
    name: str
    slug: str
    articles: int


@dataclass(slots=True)
class Story:
    """One line of a listing: an article and how many sources told its story."""

    article: Article
    sources: int = 1


@dataclass(slots=True)
class SourceBlock:
    source: SourceInfo
    stories: list[Story] = field(default_factory=list)


def sources(store: Store, counts: dict[str, int] | None = None) -> list[SourceInfo]:
    """Every source with its number of articles (`counts`, when the caller has
    counted them already), most articles first."""
    counts = store.count_by_source() if counts is None else counts
    slugs = store.source_slugs()
    if any(name not in slugs for name in counts):  # a source added by another process (a poller beside `serve`)
        slugs = store.source_slugs(refresh=True)
    return sorted((SourceInfo(name, slugs[name], counts.get(name, 0)) for name in slugs), key=lambda s: (-s.articles, s.name))


HEALTH_ZH = {"ok": "正常", "failing": "失败", "broken": "失效", "never polled": "尚未采集"}


def configured_sources(store: Store, configured: Iterable[Any]) -> list[dict[str, Any]]:
    """Each configured source (caixun.model.Source) with its health, as
    `caixun sources --json`, /api/sources/health and the sources page show it:
    those never polled or failing included. Times are aware datetimes."""
    states = store.source_states()
    rows = []
    for s in configured:
        st = states.get(s.name) or {}
        h = health(st)
        rows.append({
            "name": s.name, "kind": s.kind, "api": s.api, "url": s.url, "interval": s.interval, "enabled": s.enabled,
            "health": h, "reason": (st.get("broken") or st.get("last_error")) if h in ("broken", "failing") else None,
            "failures": st.get("failures", 0), "last_ok_at": st.get("last_success_at"),
            "last_attempt_at": st.get("last_attempt_at"), "next_due_at": st.get("next_due_at"),
            "items": st.get("items_added", 0), "last_listed": st.get("last_listed"),
        })  # fmt: skip
    return rows


def source_by_slug(store: Store, slug: str) -> SourceInfo | None:
    """One source by its slug (the slugs are cached; only its articles are counted)."""
    name = next((n for n, s in store.source_slugs().items() if s == slug), None)
    if name is None:  # perhaps added by another process since the slugs were read
        name = next((n for n, s in store.source_slugs(refresh=True).items() if s == slug), None)
    return SourceInfo(name, slug, store.count_articles(source=name)) if name is not None else None


def stories(store: Store, arts: list[Article]) -> list[Story]:
    sizes = store.story_sizes(a.cluster_id for a in arts if a.cluster_id is not None)
    return [Story(a, sizes.get(a.cluster_id, 1)) for a in arts]


def home(store: Store, per_source: int = PER_SOURCE_ON_HOME) -> list[SourceBlock]:
    """The newest stories of each source; a story told by several sources is
    shown once per block, with "also reported by N sources"."""
    srcs = sources(store)
    newest = {s.name: store.articles_page(source=s.name, limit=per_source) for s in srcs if s.articles}
    sizes = store.story_sizes(a.cluster_id for arts in newest.values() for a in arts if a.cluster_id is not None)
    return home_blocks(srcs, newest, sizes)


def home_blocks(srcs: list[SourceInfo], newest: dict[str, list[Article]], sizes: dict[int, int]) -> list[SourceBlock]:
    """The home page's blocks from each source's newest articles and the number
    of sources of each story (the static export has both at hand)."""
    blocks = [SourceBlock(src, [Story(a, sizes.get(a.cluster_id or a.id, 1)) for a in newest[src.name]])
              for src in srcs if newest.get(src.name)]  # fmt: skip
    blocks.sort(key=lambda b: -(b.stories[0].article.search_key or 0))
    return blocks


@dataclass(slots=True)
class ArticleView:
    article: Article
    body_html: str
    others: list[Article]  # the first STORY_SHOWN other reports of its story
    history: list[dict[str, Any]]
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    others_total: int | None = None  # how many other reports there are (None: len(others))


# Other reports of a story shown on an article page: a story can have
# thousands of members (20,000 feed items sharing one link made every page
# 1.8 MB), so a page lists the first ones and says how many there are.
STORY_SHOWN = 20


def article(store: Store, article_id: int) -> ArticleView | None:
    art = store.get_article(article_id)
    if art is None:
        return None
    others, total = [], 0
    if art.cluster_id:
        others = [a for a in store.cluster_members(art.cluster_id, limit=STORY_SHOWN + 1) if a.id != art.id][:STORY_SHOWN]
        total = store.count_cluster(art.cluster_id) - 1
    # The body was sanitized at ingest; sanitizing again on the way out means a
    # row written by anything else (an older version, a manual fix) is safe too.
    body = resanitize(art.html)
    return ArticleView(art, body, others, store.history(art.id), article_facts(store, art), others_total=total)


def article_facts(store: Store, art: Article) -> dict[str, list[dict[str, Any]]]:
    """The article's stored figures and entities; for an article stored before
    facts were (or by an older extractor), extracted now with the article's
    date for 今年/去年, until `caixun facts --rebuild` stores them."""
    stored = store.article_facts(art.id) if art.id is not None else None
    if stored is not None:
        return stored
    from caixun.enrich.facts import extract

    return extract(art.text, to_shanghai(art.published_at).date())


def describe_figure(f: dict[str, Any]) -> str:
    """A figure's reading in one line, for tooltips: 34130000000 CNY · GDP · 介休市 · 2021."""
    value = f["value"] + (f"–{f['value_max']}" if f.get("value_max") else "")
    parts = [f"{value} {f['unit'] or ''}".strip(), {"up": "↑", "down": "↓"}.get(f.get("direction") or "", "")]
    parts += [f.get(k) or "" for k in ("indicator", "subject", "period")]
    return " · ".join(p for p in parts if p)


def region_name(code: str | None) -> str:
    region = gazetteer().regions.get(code or "")
    return region.name if region else ""


# -- figures, regions, securities ---------------------------------------------------

FIGURES_PAGE = 50


@dataclass(slots=True)
class FiguresView:
    filter: FigureFilter
    rows: list[FigureRow]
    total: int
    offset: int
    choices: dict[str, list[tuple[str, int]]]
    series: list[Series]  # of the chosen indicator; [] when none is chosen
    charts: list[tuple[str | None, str]]  # (unit, SVG), one per measure and unit of the series


def figures(store: Store, f: FigureFilter, offset: int = 0, limit: int = FIGURES_PAGE) -> FiguresView:
    rows = store.figures(f, limit=limit, offset=offset)
    choices = {col: store.figure_choices(col, f) for col in ("indicator", "subject", "period", "unit", "measure")}
    choices["region"] = [(code, n) for code, n in store.figure_choices("region", f)]
    choices["source"] = [(s.name, s.articles) for s in sources(store)]
    series = indicator_series(store, f)
    return FiguresView(f, rows, store.count_figures(f), offset, choices, series, series_charts(series))


def indicator_series(store: Store, f: FigureFilter, max_rows: int = 5000) -> list[Series]:
    """The chosen indicator's series (caixun.publish.series) among its
    `max_rows` most recently stored figures under the filter."""
    if not f.indicator:
        return []
    return build_series(store.figures(f, limit=max_rows), region_name=region_name)


@dataclass(slots=True)
class EntityView:
    type: str  # region | security
    code: str
    name: str
    parents: list[tuple[str, str]]  # regions: (code, name) from the province down
    children: list[tuple[str, str]]  # regions: the places inside it
    stories: list[Story]
    total: int
    figures: list[FigureRow]
    offset: int


def region(store: Store, code: str, offset: int = 0) -> EntityView | None:
    g = gazetteer()
    r = g.regions.get(code)
    if r is None:
        return None
    arts, total = store.entity_articles("region", code, limit=PAGE_SIZE, offset=offset)
    children = sorted((c.code, c.name) for c in g.regions.values() if c.parent == code)
    figs = store.figures(FigureFilter(region=code), limit=FIGURES_PAGE)
    return EntityView("region", code, r.name, list(g.chain(code)), children, stories(store, arts), total, figs, offset)


def security(store: Store, code: str, offset: int = 0) -> EntityView | None:
    arts, total = store.entity_articles("security", code, limit=PAGE_SIZE, offset=offset)
    if not total:
        return None
    names = store.entity_names("security", code)
    figs = store.figures(FigureFilter(security=code), limit=FIGURES_PAGE)
    return EntityView("security", code, " / ".join(names) or code, [], [], stories(store, arts), total, figs, offset)


@dataclass(slots=True)
class EntityIndex:
    type: str  # region | security
    rows: list[tuple[str, str, int, str]]  # code, name, articles, level (regions) or ""


def entity_index(store: Store, type_: str, limit: int = 200) -> EntityIndex:
    """The regions or securities the archive names most, with their article counts."""
    regions = gazetteer().regions
    rows = []
    for code, name, n in store.top_entities(type_, limit):
        region = regions.get(code) if type_ == "region" else None
        rows.append((code, region.name if region else (name or code), n, region.level if region else ""))
    return EntityIndex(type_, rows)


def figure_json(r: FigureRow) -> dict[str, Any]:
    d = r.as_dict()
    d["published_at"] = to_shanghai(r.published_at).isoformat()
    d["region_name"] = region_name(r.region) or None
    return d


@dataclass(slots=True)
class SearchView:
    q: str
    page: SearchPage | None
    results: list[tuple[Story, str]]  # story, snippet HTML (escaped, with <mark>)
    offset: int
    limit: int


def search(store: Store, q: str, *, source: str | None = None, offset: int = 0, limit: int = PAGE_SIZE,
           order: str = "date", since=None, until=None) -> SearchView:  # fmt: skip
    if not q.strip():
        return SearchView(q, None, [], 0, limit)
    page = store.search(q, source=source, offset=offset, limit=limit, order=order, since=since, until=until)
    return SearchView(q, page, [(s, snippet(s.article.text, page.query)) for s in stories(store, page.articles)], offset, limit)


def beijing_minute(when: datetime) -> str:
    return _beijing_minute(when)


def beijing_time(art: Article) -> str:
    return _beijing_minute(art.published_at)


@lru_cache(maxsize=65536)
def _beijing_minute(when: datetime) -> str:
    """Cached: a static export formats each article's time on its own page, its
    listings and the story blocks of others (2.7 times per page)."""
    return f"{to_shanghai(when):%Y-%m-%d %H:%M}"


def article_json(art: Article, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": art.id,
        "source": art.source,
        "source_item_id": art.source_item_id,
        "url": safe_link(art.url),
        "title": art.title,
        "published_at": to_shanghai(art.published_at).isoformat(),
        "category": art.category,
        "tags": list(art.tags),
        "cluster_id": art.cluster_id,
        "version": art.version,
        "digest": art.digest,
        "first_seen_at": to_shanghai(art.fetched_at).isoformat(),
        "important": bool(art.meta.get("important")),
        "provider_securities": art.meta.get("securities", []),
    }
    if full:
        out["html"] = resanitize(art.html)
        out["text"] = art.text
        out["content_hash"] = art.content_hash
    return out
