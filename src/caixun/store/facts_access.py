"""Figures and entities of the articles (the Store's part; the SQL is
caixun.store.facts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    and_,
    func,
    select,
)

from caixun.enrich import EXTRACTOR_VERSION
from caixun.model import Article, FactRows
from caixun.store import facts as facts_sql
from caixun.store.facts import NO_FILTER, FigureFilter, FigureRow
from caixun.store.schema import (
    articles,
)

if TYPE_CHECKING:
    pass


class Facts:
    """The Store's facts (a mixin: `self` is the Store)."""

    # -- facts: figures and entities ---------------------------------------------

    def article_facts(self, article_id: int) -> dict[str, list[dict[str, Any]]] | None:
        """The stored facts of an article, or None if they were never extracted
        or come from an older extractor."""
        with self.engine.connect() as conn:
            version = conn.execute(
                select(articles.c.facts_version).where(articles.c.id == article_id)
            ).scalar()
            if version != EXTRACTOR_VERSION:
                return None
            return facts_sql.stored_facts(conn, article_id)

    def texts_for_facts(self, *, stale_only: bool = False, chunk: int = 500, after: int = 0,
                        upto: int | None = None) -> Iterator[list[tuple[int, str, datetime]]]:  # fmt: skip
        """(id, text, published_at) of the articles to extract, in chunks by id
        (of the ids after `after` and up to `upto`, if given)."""
        last = after
        cond = _facts_stale() if stale_only else True
        if upto is not None:
            cond = and_(cond, articles.c.id <= upto)
        while True:
            with self.engine.connect() as conn:
                q = select(articles.c.id, articles.c.text, articles.c.published_at).where(
                    articles.c.id > last, cond
                )
                rows = conn.execute(q.order_by(articles.c.id).limit(chunk)).all()
            if not rows:
                return
            yield [(r.id, r.text, r.published_at) for r in rows]
            last = rows[-1].id

    def id_range(self) -> tuple[int, int]:
        """The lowest and highest article id (0, 0 when there is none)."""
        with self.engine.connect() as conn:
            lo, hi = conn.execute(select(func.min(articles.c.id), func.max(articles.c.id))).one()
        return lo or 0, hi or 0

    def count_stale_facts(self) -> int:
        cond = _facts_stale()
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(articles).where(cond)).scalar_one()

    def store_facts(self, items: list[tuple[int, FactRows]]) -> None:
        """Replace the stored facts of these articles (one transaction)."""
        with self._writing() as conn:
            facts_sql.replace_facts(conn, items, EXTRACTOR_VERSION)

    def figures(self, f: FigureFilter = NO_FILTER, *, limit: int | None = 100, offset: int = 0,
                oldest_first: bool = False) -> list[FigureRow]:  # fmt: skip
        with self.engine.connect() as conn:
            return facts_sql.find_figures(
                conn, f, limit=limit, offset=offset, oldest_first=oldest_first
            )

    def iter_figures(
        self, f: FigureFilter = NO_FILTER, *, chunk: int = 5000
    ) -> Iterator[FigureRow]:
        """Every figure under the filter, newest article first, about `chunk`
        at a time: each page is the figures of the articles under the last
        page's last whole article (a range of the (article_id, seq) index),
        so memory is bounded and the last page costs what the first does
        (OFFSET paging read every earlier page again: 103 s at 100,000
        articles). A page never splits an article's figures."""
        below = None
        while True:
            with self.engine.connect() as conn:
                batch = facts_sql.find_figures(conn, f, limit=chunk, below=below)
                if not batch:
                    return
                last = batch[-1].article_id
                if len(batch) == chunk:  # the last article may go on: it starts the next page
                    whole = [r for r in batch if r.article_id != last]
                    if not whole:  # one article of `chunk` figures or more: all of it at once
                        whole = facts_sql.find_figures(conn, f, limit=None, article_id=last)
                    else:
                        last = whole[-1].article_id
                    batch = whole
            yield from batch
            below = last

    def count_figures(self, f: FigureFilter = NO_FILTER) -> int:
        with self.engine.connect() as conn:
            return facts_sql.count_figures(conn, f)

    def figure_choices(
        self, column: str, f: FigureFilter = NO_FILTER, limit: int = 30
    ) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return facts_sql.top_values(conn, column, f, limit)

    def entity_articles(
        self, type_: str, code: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[Article], int]:
        """Articles naming a region (or one inside it) or a security, newest first, and their number."""
        with self.engine.connect() as conn:
            ids = facts_sql.entity_article_ids(conn, type_, code, limit=limit, offset=offset)
            total = facts_sql.count_entity_articles(conn, type_, code)
            arts = {a.id: a for a in self._articles_by_ids(conn, ids)}
        return [arts[i] for i in ids if i in arts], total

    def entity_names(self, type_: str, code: str) -> list[str]:
        with self.engine.connect() as conn:
            return facts_sql.entity_names(conn, type_, code)

    def top_entities(self, type_: str, limit: int = 50) -> list[tuple[str, str | None, int]]:
        with self.engine.connect() as conn:
            return facts_sql.top_entities(conn, type_, limit)


def _facts_stale():
    """Articles whose facts were never extracted, or by an older extractor."""
    return articles.c.facts_version.is_(None) | (articles.c.facts_version != EXTRACTOR_VERSION)
