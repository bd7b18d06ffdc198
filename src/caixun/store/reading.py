"""Reading articles: one, many, pages of them, stories, the export's index
(the Store's part; see caixun.store)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    Connection,
    func,
    select,
    text,
)

from caixun.model import Article
from caixun.store.schema import (
    article_history,
    articles,
)
from caixun.store.search import key_bound
from caixun.store.sql import chunks

if TYPE_CHECKING:
    pass


class IndexEntry(NamedTuple):
    """One article in the export's index (a named tuple: 20,000 of them are
    made per export, three times faster than frozen dataclasses)."""

    id: int
    version: int
    cluster_id: int
    source: str
    search_key: int
    tags: tuple[str, ...]


class Reading:
    """The Store's reading of articles (a mixin: `self` is the Store)."""

    # -- articles: reading -------------------------------------------------------

    def count_articles(self, source: str | None = None, *, seen_by: datetime | None = None) -> int:
        """Articles stored (of one source; first seen by `seen_by`)."""
        q = select(func.count()).select_from(articles)
        if source is not None:
            q = q.where(articles.c.source == source)
        if seen_by is not None:
            q = q.where(articles.c.fetched_at <= seen_by)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def get_article(self, article_id: int) -> Article | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(articles).where(articles.c.id == article_id)).mappings().first()
            )
        return _row_to_article(row) if row else None

    def get_article_by_key(self, key: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.key == key)).mappings().first()
        return _row_to_article(row) if row else None

    def history(self, article_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = (
                select(article_history)
                .where(article_history.c.article_id == article_id)
                .order_by(article_history.c.version)
            )
            return [dict(r) for r in conn.execute(q).mappings()]

    def cluster_members(self, cluster_id: int, limit: int | None = None, offset: int = 0, *,
                        seen_by: datetime | None = None) -> list[Article]:  # fmt: skip
        """The reports of a story, first published first (`limit` of them from `offset`)."""
        with self.engine.connect() as conn:
            q = (
                select(articles)
                .where(articles.c.cluster_id == cluster_id)
                .order_by(articles.c.published_at, articles.c.id)
            )
            if seen_by is not None:
                q = q.where(articles.c.fetched_at <= seen_by)
            if limit is not None:
                q = q.limit(limit).offset(offset)
            return [_row_to_article(r) for r in conn.execute(q).mappings()]

    def count_cluster(self, cluster_id: int, *, seen_by: datetime | None = None) -> int:
        q = select(func.count()).select_from(articles).where(articles.c.cluster_id == cluster_id)
        if seen_by is not None:
            q = q.where(articles.c.fetched_at <= seen_by)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def iter_articles(
        self, chunk: int = 1000, *, seen_by: datetime | None = None
    ) -> Iterator[Article]:
        """Every article (first seen by `seen_by`), oldest first (publication
        order), read in chunks (memory stays flat)."""
        last: int | None = None
        with self.engine.connect() as conn:
            while True:
                q = select(articles).order_by(articles.c.search_key).limit(chunk)
                if seen_by is not None:
                    q = q.where(articles.c.fetched_at <= seen_by)
                if last is not None:
                    q = q.where(articles.c.search_key > last)
                rows = conn.execute(q).mappings().all()
                if not rows:
                    return
                for r in rows:
                    yield _row_to_article(r)
                last = rows[-1]["search_key"]

    def articles_page(
        self,
        *,
        source: str | None = None,
        tag: str | None = None,
        before: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        important: bool = False,
        limit: int = 20,
        seen_by: datetime | None = None,
    ) -> list[Article]:
        """Newest first, optionally by source or tag, or only those the
        provider marked important, or only those first seen by `seen_by`;
        `before` is the search key of the last article of the previous page
        (keyset pagination)."""
        q = select(articles).order_by(articles.c.search_key.desc()).limit(limit)
        if seen_by is not None:
            q = q.where(articles.c.fetched_at <= seen_by)
        if important:
            q = q.where(self._important())
        if source is not None:
            q = q.where(articles.c.source == source)
        if tag is not None:
            q = q.where(self._has_tag(tag))
        if before is not None:
            q = q.where(articles.c.search_key < before)
        if since is not None:
            q = q.where(articles.c.search_key >= key_bound(since))
        if until is not None:
            q = q.where(articles.c.search_key < key_bound(until))
        with self.engine.connect() as conn:
            return [_row_to_article(r) for r in conn.execute(q).mappings()]

    def _important(self):
        if self.backend == "postgresql":
            return text("CAST(articles.meta AS jsonb) @> '{\"important\": true}'")
        return text("json_extract(articles.meta, '$.important') = 1")

    def _has_tag(self, tag: str):
        if self.backend == "postgresql":
            return text("CAST(articles.tags AS jsonb) ? :tag").bindparams(tag=tag)
        return text(
            "EXISTS (SELECT 1 FROM json_each(articles.tags) WHERE json_each.value = :tag)"
        ).bindparams(tag=tag)

    def count_by_source(self) -> dict[str, int]:
        """Articles per source. Counted again only when an article was added
        since (the highest id moved; edits change no count): the home and
        sources pages read it on every request, and counting 100,000
        articles took most of a home page's 37 ms."""
        with self.engine.connect() as conn:
            top = conn.execute(select(func.max(articles.c.id))).scalar()
            cached = self._source_counts
            if cached is not None and cached[0] == top:
                return dict(cached[1])
            q = select(articles.c.source, func.count()).group_by(articles.c.source)
            counts = dict(conn.execute(q).all())
        self._source_counts = (top, counts)
        return dict(counts)

    def story_sizes(
        self, cluster_ids: Iterable[int], *, seen_by: datetime | None = None
    ) -> dict[int, int]:
        """Number of distinct sources that reported each story (by `seen_by`)."""
        ids = sorted(set(cluster_ids))
        found: dict[int, int] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                q = (
                    select(articles.c.cluster_id, func.count(func.distinct(articles.c.source)))
                    .where(articles.c.cluster_id.in_(chunk))
                    .group_by(articles.c.cluster_id)
                )
                if seen_by is not None:
                    q = q.where(articles.c.fetched_at <= seen_by)
                found.update(conn.execute(q).all())
        return found

    def article_index(self) -> list[IndexEntry]:
        """Every article's id, version, story, source, order key and tags, without
        its text: what an incremental export needs to see what changed."""
        parse = lru_cache(maxsize=4096)(lambda raw: tuple(json.loads(raw)))

        def tags(raw: Any) -> tuple[str, ...]:  # text on SQLite, already a list from psycopg
            return parse(raw) if isinstance(raw, str) else tuple(raw or ())

        # In a source's publication order: on SQLite a covering index answers
        # it (migration 5) without reading the articles' text.
        sql = "SELECT id, version, cluster_id, source, search_key, tags FROM articles ORDER BY source, search_key"
        with self.engine.connect() as conn:
            # A DB-API cursor, all rows at once, tags parsed once per distinct
            # value: 20,000 rows through SQLAlchemy's JSON type took half a
            # second, row by row a third, and SQLAlchemy's Row objects another
            # 30-50 ms.
            cur = conn.connection.cursor()
            try:
                cur.execute(sql)
                rows = cur.fetchall()
            finally:
                cur.close()
        return [IndexEntry(i, v, c or i, s, k or 0, tags(t)) for i, v, c, s, k, t in rows]

    def articles_by_ids(self, ids: list[int]) -> list[Article]:
        """The articles, in the order of the ids given (missing ones left out)."""
        out: list[Article] = []
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                out.extend(self._articles_by_ids(conn, chunk))
        return out

    def article_heads(self, ids: list[int]) -> list[Article]:
        """The articles without their bodies (html, text and raw_body empty), in
        the order of the ids given: what a listing shows, read without the
        kilobytes of text per row."""
        cols = [
            c for c in articles.c if c.name not in ("html", "text", "raw_body", "minhash", "meta")
        ]
        out: list[Article] = []
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                rows = {
                    r["id"]: r
                    for r in conn.execute(select(*cols).where(articles.c.id.in_(chunk))).mappings()
                }
                out.extend(_row_to_article({**rows[i], "html": "", "text": "", "raw_body": "", "minhash": None, "meta": {}})
                           for i in chunk if i in rows)  # fmt: skip
        return out

    def histories(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                q = (
                    select(article_history)
                    .where(article_history.c.article_id.in_(chunk))
                    .order_by(article_history.c.version)
                )
                for r in conn.execute(q).mappings():
                    found.setdefault(r["article_id"], []).append(dict(r))
        return found

    def _articles_by_ids(self, conn: Connection, ids: list[int]) -> list[Article]:
        if not ids:
            return []
        rows = {
            r["id"]: r
            for r in conn.execute(select(articles).where(articles.c.id.in_(ids))).mappings()
        }
        return [_row_to_article(rows[i]) for i in ids if i in rows]


def _row_to_article(r) -> Article:
    return Article(
        id=r["id"],
        key=r["key"],
        source=r["source"],
        source_item_id=r["source_item_id"],
        url=r["url"],
        title=r["title"],
        published_at=r["published_at"],
        category=r["category"],
        tags=tuple(r["tags"] or ()),
        html=r["html"],
        text=r["text"],
        raw_body=r["raw_body"],
        digest=r["digest"],
        content_hash=r["content_hash"],
        cluster_id=r["cluster_id"],
        minhash=r["minhash"] or b"",
        meta=r["meta"] or {},
        version=r["version"],
        facts_version=r["facts_version"],
        fetched_at=r["fetched_at"],
        search_key=r["search_key"],
    )
