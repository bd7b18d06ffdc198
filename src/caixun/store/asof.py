"""The archive as it stood at a moment: `AsOf(store, moment)`.

A backtest needs what was known then, not today's view of the past. As of a
moment the archive holds only the articles first seen (`fetched_at`) by then,
each in the version it had then, with the figures of that version:

- an article not edited since the moment is read as stored, with its stored
  figures;
- an article edited since is read from `article_history`: its version of the
  moment is the oldest one replaced after the moment. Its figures are
  extracted again from that text (extraction is a pure function of the text
  and the publication date), so they are what caixun would have stored then
  with today's extractor;
- search matches the text of the moment: the index answers for the unchanged
  articles, and the edited ones are tested directly on their old text (with
  `caixun.searchtext.contains`, the reference semantics), then merged in
  publication order.

What the history does not keep (tags, category, link, story membership) is
shown as it is now; stories count only the reports first seen by the moment.

`AsOf` offers the Store's reading methods that the site, the feeds, the API
and the exports use, with the same signatures; any other (the region and
security pages, the watches) raises AsOfUnsupported instead of quietly
answering with today's archive.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from caixun.model import Article
from caixun.searchtext import Query, contains, parse_query
from caixun.store.facts import FIGURE_FIELDS, NO_FILTER, FigureFilter, FigureRow, figure_passes
from caixun.store.schema import article_history, articles
from caixun.store.search import Filters
from caixun.store.sql import chunks

if TYPE_CHECKING:
    from caixun.store import IndexEntry, SearchPage, Store

# The columns article_history keeps of each replaced version.
HISTORY_FIELDS = ("title", "html", "text", "raw_body", "digest", "content_hash", "published_at")


class AsOfUnsupported(Exception):
    """A reading that has no "as of" form yet (it would show today's archive)."""


class AsOf:
    def __init__(self, store: Store, moment: datetime):
        if moment.tzinfo is None:
            raise ValueError("as_of needs a time zone")
        self.store = store
        self.moment = moment.astimezone(UTC)
        self.backend = store.backend

    def __getattr__(self, name: str) -> Any:
        raise AsOfUnsupported(name)

    # -- what does not change with the moment ------------------------------------

    def source_slugs(self, refresh: bool = False) -> dict[str, str]:
        return self.store.source_slugs(refresh)

    def source_states(self) -> dict[str, dict[str, Any]]:
        return self.store.source_states()

    def generation(self) -> object | None:
        return self.store.generation()

    # -- versions of the moment ---------------------------------------------------

    def _edited(self) -> dict[int, int]:
        """Article id -> its version as of the moment, for every article seen
        by the moment and edited since (the history is small next to the
        articles: one pass over it)."""
        q = (select(article_history.c.article_id, func.min(article_history.c.version))
             .join(articles, articles.c.id == article_history.c.article_id)
             .where(article_history.c.replaced_at > self.moment, articles.c.fetched_at <= self.moment)
             .group_by(article_history.c.article_id))  # fmt: skip
        with self.store.engine.connect() as conn:
            return dict(conn.execute(q).all())

    def _old_versions(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The history row each of these articles had as of the moment, for
        those edited since."""
        found: dict[int, dict[str, Any]] = {}
        h = article_history.c
        with self.store.engine.connect() as conn:
            for chunk in chunks(ids):
                q = (select(article_history).where(h.article_id.in_(chunk), h.replaced_at > self.moment)
                     .order_by(h.article_id, h.version))  # fmt: skip
                for r in conn.execute(q).mappings():
                    found.setdefault(r["article_id"], dict(r))  # the oldest version replaced after the moment
        return found

    def _rewind(self, arts: list[Article]) -> list[Article]:
        """The articles (all first seen by the moment) in their version of the moment."""
        old = self._old_versions([a.id for a in arts if a.id is not None])
        if not old:
            return arts
        return [rewound(a, old[a.id]) if a.id in old else a for a in arts]

    def _seen(self, arts: list[Article]) -> list[Article]:
        return self._rewind([a for a in arts if a.fetched_at <= self.moment])

    # -- articles -------------------------------------------------------------------

    def get_article(self, article_id: int) -> Article | None:
        art = self.store.get_article(article_id)
        return self._seen([art])[0] if art is not None and art.fetched_at <= self.moment else None

    def articles_by_ids(self, ids: list[int]) -> list[Article]:
        return self._seen(self.store.articles_by_ids(ids))

    def article_heads(self, ids: list[int]) -> list[Article]:
        heads = {a.id: a for a in self.store.article_heads(ids) if a.fetched_at <= self.moment}
        old = self._old_versions(list(heads))
        return [replace(heads[i], title=old[i]["title"], published_at=old[i]["published_at"], version=old[i]["version"])
                if i in old else heads[i] for i in ids if i in heads]  # fmt: skip

    def articles_page(self, **kwargs: Any) -> list[Article]:
        return self._rewind(self.store.articles_page(seen_by=self.moment, **kwargs))

    def iter_articles(self, chunk: int = 1000) -> Iterator[Article]:
        batch: list[Article] = []
        for art in self.store.iter_articles(chunk, seen_by=self.moment):
            batch.append(art)
            if len(batch) == chunk:
                yield from self._rewind(batch)
                batch = []
        yield from self._rewind(batch)

    def count_articles(self, source: str | None = None) -> int:
        return self.store.count_articles(source, seen_by=self.moment)

    def count_by_source(self) -> dict[str, int]:
        q = select(articles.c.source, func.count()).where(articles.c.fetched_at <= self.moment).group_by(articles.c.source)
        with self.store.engine.connect() as conn:
            return dict(conn.execute(q).all())

    def article_index(self) -> list[IndexEntry]:
        """The export's index of the moment: the articles seen by then, with
        the version each had (an incremental export rewrites what differs)."""
        with self.store.engine.connect() as conn:
            seen = set(conn.execute(select(articles.c.id).where(articles.c.fetched_at <= self.moment)).scalars())
        edited = self._edited()
        return [e._replace(version=edited.get(e.id, e.version)) for e in self.store.article_index() if e.id in seen]

    def history(self, article_id: int) -> list[dict[str, Any]]:
        return [h for h in self.store.history(article_id) if h["replaced_at"] <= self.moment]

    def histories(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        kept = {i: [h for h in rows if h["replaced_at"] <= self.moment] for i, rows in self.store.histories(ids).items()}
        return {i: rows for i, rows in kept.items() if rows}

    # -- stories ----------------------------------------------------------------------

    def cluster_members(self, cluster_id: int, limit: int | None = None, offset: int = 0) -> list[Article]:
        return self._rewind(self.store.cluster_members(cluster_id, limit, offset, seen_by=self.moment))

    def count_cluster(self, cluster_id: int) -> int:
        return self.store.count_cluster(cluster_id, seen_by=self.moment)

    def story_sizes(self, cluster_ids: Iterable[int]) -> dict[int, int]:
        return self.store.story_sizes(cluster_ids, seen_by=self.moment)

    # -- search --------------------------------------------------------------------------

    def search(self, q: str | Query, *, source: str | None = None, since: datetime | None = None,
               until: datetime | None = None, cluster_id: int | None = None, order: str = "date",
               limit: int = 20, offset: int = 0) -> SearchPage:  # fmt: skip
        """Matches in the text of the moment, newest first (with order
        "relevance", the index's hits by relevance and the edited articles'
        hits after them)."""
        from caixun.store import SearchPage

        query = parse_query(q) if isinstance(q, str) else q
        if not query:
            return SearchPage(query, 0, [])
        common = {"source": source, "since": since, "until": until, "cluster_id": cluster_id, "order": order}
        lo, hi = Filters(source, since, until, cluster_id).key_range()
        extra = [a for a in self.articles_by_ids(sorted(self._edited()))
                 if (source is None or a.source == source) and (cluster_id is None or a.cluster_id == cluster_id)
                 and lo <= (a.search_key or 0) <= hi and contains(query, a.title, a.text)]  # fmt: skip
        if not extra:
            return self.store.search(query, **common, limit=limit, offset=offset, unchanged_at=self.moment)
        page = self.store.search(query, **common, limit=offset + limit, offset=0, unchanged_at=self.moment)
        extra.sort(key=lambda a: a.search_key or 0, reverse=True)
        merged = page.articles + extra if order == "relevance" else list(
            heapq.merge(page.articles, extra, key=lambda a: a.search_key or 0, reverse=True))
        return SearchPage(query, page.total + len(extra), self._rewind(merged[offset : offset + limit]), page.exact)

    # -- figures ---------------------------------------------------------------------------

    def article_facts(self, article_id: int) -> dict[str, list[dict[str, Any]]] | None:
        """The stored facts when the article has not changed since the moment;
        None otherwise, which makes the caller extract them from the text of
        the moment (caixun.publish.views.article_facts)."""
        if self._old_versions([article_id]):
            return None
        return self.store.article_facts(article_id)

    def iter_figures(self, f: FigureFilter = NO_FILTER, *, chunk: int = 5000) -> Iterator[FigureRow]:
        """Every figure of the moment under the filter, newest article first:
        the stored figures of the unchanged articles, merged with the figures
        extracted from the edited articles' text of the moment."""
        stored = self.store.iter_figures(replace(f, unchanged_at=self.moment), chunk=chunk)
        edited = self.articles_by_ids(sorted(self._edited(), reverse=True))
        extracted = (row for art in edited for row in figure_rows(art) if figure_passes(f, row))
        return heapq.merge(stored, extracted, key=lambda r: r.article_id, reverse=True)

    def figures(self, f: FigureFilter = NO_FILTER, *, limit: int | None = 100, offset: int = 0,
                oldest_first: bool = False) -> list[FigureRow]:  # fmt: skip
        if oldest_first:  # the chart's points: the oldest `limit`, in article order
            rows = list(self.iter_figures(f))
            rows.sort(key=lambda r: r.article_id)  # stable: text order within an article stays
            return rows[offset : None if limit is None else offset + limit]
        return list(islice(self.iter_figures(f), offset, None if limit is None else offset + limit))

    def count_figures(self, f: FigureFilter = NO_FILTER) -> int:
        return sum(1 for _ in self.iter_figures(f))

    def figure_choices(self, column: str, f: FigureFilter = NO_FILTER, limit: int = 30) -> list[tuple[str, int]]:
        counts = Counter(v for r in islice(self.iter_figures(f), 50_000) if (v := getattr(r, column)) is not None)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def rewound(art: Article, old: dict[str, Any]) -> Article:
    """The article in an older version (a row of article_history)."""
    return replace(art, **{k: old[k] for k in HISTORY_FIELDS}, version=old["version"], facts=None, facts_version=None)


def figure_rows(art: Article) -> list[FigureRow]:
    """The figures of an article's text, extracted now, as rows of the figures view."""
    from caixun.clean.normalize import to_shanghai
    from caixun.enrich.facts import extract

    figs = extract(art.text, to_shanghai(art.published_at).date())["figures"]
    return [FigureRow(art.id, art.title, art.source, art.category, art.published_at, i, g["start"], g["end"],
                      *(g.get(k) for k in FIGURE_FIELDS)) for i, g in enumerate(figs)]  # fmt: skip
