"""The one query layer behind every output: HTML pages (served and static),
the JSON API and the feeds all take their data from these functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caixun.clean.html import clean_body
from caixun.clean.normalize import to_shanghai
from caixun.model import Article
from caixun.searchtext import snippet
from caixun.store import SearchPage, Store

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


def sources(store: Store) -> list[SourceInfo]:
    counts = store.count_by_source()
    slugs = store.source_slugs()
    return sorted((SourceInfo(name, slugs[name], counts.get(name, 0)) for name in slugs), key=lambda s: (-s.articles, s.name))


def source_by_slug(store: Store, slug: str) -> SourceInfo | None:
    """One source by its slug (the slugs are cached; only its articles are counted)."""
    name = next((n for n, s in store.source_slugs().items() if s == slug), None)
    return SourceInfo(name, slug, store.count_articles(source=name)) if name is not None else None


def stories(store: Store, arts: list[Article]) -> list[Story]:
    sizes = store.story_sizes(a.cluster_id for a in arts if a.cluster_id is not None)
    return [Story(a, sizes.get(a.cluster_id, 1)) for a in arts]


def home(store: Store, per_source: int = PER_SOURCE_ON_HOME) -> list[SourceBlock]:
    """The newest stories of each source; a story told by several sources is
    shown once per block, with "also reported by N sources"."""
    blocks = []
    for src in sources(store):
        if src.articles:
            blocks.append(SourceBlock(src, stories(store, store.articles_page(source=src.name, limit=per_source))))
    blocks.sort(key=lambda b: -(b.stories[0].article.search_key or 0) if b.stories else 0)
    return blocks


@dataclass(slots=True)
class ArticleView:
    article: Article
    body_html: str
    others: list[Article]
    history: list[dict[str, Any]]
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def article(store: Store, article_id: int) -> ArticleView | None:
    art = store.get_article(article_id)
    if art is None:
        return None
    others = [a for a in store.cluster_members(art.cluster_id) if a.id != art.id] if art.cluster_id else []
    # The body was sanitized at ingest; sanitizing again on the way out means a
    # row written by anything else (an older version, a manual fix) is safe too.
    body = clean_body(art.html, "html")[0]
    return ArticleView(art, body, others, store.history(art.id), article_facts(art))


def article_facts(art: Article) -> dict[str, list[dict[str, Any]]]:
    """Figures and securities of the article's text (computed when shown:
    they are not stored yet), with the article's date for 今年/去年."""
    from caixun.enrich.facts import extract

    return extract(art.text, to_shanghai(art.published_at).date())


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


def beijing_time(art: Article) -> str:
    return f"{to_shanghai(art.published_at):%Y-%m-%d %H:%M}"


def article_json(art: Article, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": art.id,
        "source": art.source,
        "source_item_id": art.source_item_id,
        "url": art.url,
        "title": art.title,
        "published_at": to_shanghai(art.published_at).isoformat(),
        "category": art.category,
        "tags": list(art.tags),
        "cluster_id": art.cluster_id,
        "version": art.version,
        "digest": art.digest,
    }
    if full:
        out["html"] = art.html
        out["text"] = art.text
        out["content_hash"] = art.content_hash
    return out
