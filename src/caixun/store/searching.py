"""Search (the Store's part; the indexes are caixun.store.search)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from caixun.model import Article
from caixun.searchtext import Query, parse_query
from caixun.store.search import Filters, SqliteSearch

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: Query
    total: int
    articles: list[Article]
    # False: the total is the database's estimate (PostgreSQL above
    # search.ESTIMATE_ABOVE hits: counting a frequent term's every hit was
    # most of a query's time there).
    exact: bool = True


class Searching:
    """The Store's search (a mixin: `self` is the Store)."""

    # -- what the search fills after the fact (SQLite) --------------------------

    def search_backlog(self) -> int:
        """Articles not yet in the trigram index of long terms or the counts of
        short ones (0 on PostgreSQL, which has neither: see caixun.store.search)."""
        if not isinstance(self.search_index, SqliteSearch):
            return 0
        with self.engine.connect() as conn:
            return self.search_index.backlog(conn)

    def index_backlog(self, *, chunk: int = 5000, budget: float | None = None,
                       on_progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
        """Bring the trigram index and the counts of short terms up to date
        with the stored articles, `chunk` articles per transaction (so that an
        interruption keeps what was done and other writers wait at most one
        chunk), for at most `budget` seconds if given. Returns how many
        articles were added. The import's writer leaves this out (it would
        cost it about a fifth more time); `caixun run` does it between polls
        and `caixun index` at once."""
        if not isinstance(self.search_index, SqliteSearch):
            return 0
        done, start = 0, time.monotonic()
        while budget is None or time.monotonic() - start < budget:
            with self.engine.connect() as conn:
                if not self.search_index.backlog(conn, cap=1):
                    break  # nothing to do: no write transaction at all
            with self._writing() as conn:
                n = self.search_index.index_backlog(conn, chunk)
            if not n:
                break
            done += n
            if on_progress:
                on_progress(n)
        return done

    # -- search ------------------------------------------------------------------

    def search(
        self,
        q: str | Query,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cluster_id: int | None = None,
        order: str = "date",
        limit: int = 20,
        offset: int = 0,
        unchanged_at: datetime | None = None,
    ) -> SearchPage:
        """Articles containing every term of the query (see caixun.searchtext),
        newest first or by relevance (`order="relevance"`), with the total
        count; with `unchanged_at`, only articles first seen by then and not
        edited since (caixun.store.asof adds the edited ones)."""
        query = parse_query(q) if isinstance(q, str) else q
        if not query:
            return SearchPage(query, 0, [])
        filters = Filters(source, since, until, cluster_id, unchanged_at)
        with self.engine.connect() as conn:
            total, ids, exact = self.search_index.search(conn, query, filters, order, limit, offset)
        return SearchPage(query, total, self.articles_by_ids(ids), exact)

    def search_ids(self, q: str | Query, **filters: Any) -> list[int]:
        """Ids of every match, newest first (no article rows read)."""
        query = parse_query(q) if isinstance(q, str) else q
        if not query:
            return []
        with self.engine.connect() as conn:
            return self.search_index.search(conn, query, Filters(**filters), "date", 1 << 62, 0)[1]
