"""Chinese full-text search inside the store, one implementation per backend.

Both index the tokens of `caixun.searchtext` (character bigrams, the last
character of each run, Latin words), keyed by the article's `search_key`:
publication time in seconds shifted left 20 bits, plus 20 bits of a hash of
its item key (known before the row is inserted). So
"newest first" is "highest key first", and a date range is a key range: a
first page of the newest hits never sorts the whole result set (measured in
../shared/anchors/search.md: sorting by a date column costs 15-35 ms at 100k).

- SQLite: an FTS5 table without its own copy of the text (content=''), with
  a prefix index for one-character queries; phrases of bigrams are exact.
- PostgreSQL: a table of position-free tsvectors with a GIN index and the
  normalized text; each term's bigrams are ANDed, then the term is checked as
  a substring of that text (tsvector positions stop at 16,383, which long
  articles pass). Checking against the articles' own text through
  translate() cost 10 s per query at 100,000 articles.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from caixun.searchtext import (
    Query,
    fold_han,
    fts5_match,
    index_text,
    normalize,
    short_term,
    short_terms,
    trigram_match,
)
from caixun.store.sql import db_time, driver_rows, insert_rows, shared_file

KEY_SHIFT = 20

# An article `a` first seen by :t and not edited since (see Filters.unchanged_at).
UNCHANGED_SQL = ("a.fetched_at <= :t AND NOT EXISTS "
                 "(SELECT 1 FROM article_history h WHERE h.article_id = a.id AND h.replaced_at > :t)")  # fmt: skip


def search_key(published_at: datetime, item_key: str) -> int:
    low = zlib.crc32(item_key.encode()) & ((1 << KEY_SHIFT) - 1)
    return (int(published_at.timestamp()) << KEY_SHIFT) | low


def key_bound(when: datetime) -> int:
    return int(when.timestamp()) << KEY_SHIFT


def key_time(key: int) -> datetime:
    """The publication time (to the second) a search key starts with."""
    return datetime.fromtimestamp(key >> KEY_SHIFT, UTC)


def source_token(source: str) -> str:
    """One Latin token naming a source, for filtering inside the index."""
    return "s" + hashlib.sha1(source.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class IndexRow:
    key: int
    article_id: int
    source: str
    title: str
    text: str
    tokens: tuple[str, str] = ("", "")  # index_text of title and text, if already made

    def token_strings(self) -> tuple[str, str]:
        if self.tokens[0] or self.tokens[1]:
            return self.tokens
        return index_text(self.title), index_text(self.text)


@dataclass(frozen=True, slots=True)
class Filters:
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    cluster_id: int | None = None
    # The archive as of this moment (caixun.store.asof): only articles first
    # seen by then and not edited since; the edited ones are matched against
    # their text of that moment by the caller.
    unchanged_at: datetime | None = None

    def key_range(self) -> tuple[int, int]:
        lo = key_bound(self.since) if self.since else 0
        hi = key_bound(self.until) - 1 if self.until else (1 << 62)
        return lo, hi


# Counting the hits is most of a query's time when a term is in a large part
# of the archive (FTS5 walks the term's whole doclist, and for a phrase its
# positions): the two halves of the key range are counted at once, one on
# the caller's connection, one on a second connection in this pool (sqlite3
# lets go of the GIL while SQLite works).
_COUNT_POOL = ThreadPoolExecutor(max(1, os.cpu_count() or 1), thread_name_prefix="caixun-count")
PARALLEL_COUNT = True
# Totals are also kept until anything is committed to the database (see
# _CountCache); bench/search.py turns this off to measure cold queries.
COUNT_CACHE = True
# Up to this many articles not in the trigram index yet are tested directly
# when counting with it (reading and testing 500 texts: about 1 ms); more
# (after a large import, before `caixun index` or `caixun run` has caught
# up) and totals come from the bigram index.
UNINDEXED_MAX = 500
# Above this many hits by the planner's estimate, PostgreSQL gives the
# estimate as the total (SearchPage.exact False) instead of counting: the GIN
# index's bitmap of every hit is built before any count or LIMIT applies, and
# for 涨 at 1,000,000 articles (322,550 hits) it took 225 of the query's
# 340 ms, where the first page itself took 1 ms (a backward scan of the key
# index, filtered). Counting 10,000 hits exactly took about 40 ms.
ESTIMATE_ABOVE = 5_000


class _CountCache:
    """Totals of recent queries, dropped as soon as anything is committed to
    the database by any connection of any process. Paging through a search,
    or a reader polling a search feed, asks for the same total again; at
    1,000,000 articles a frequent term costs 15-40 ms to count.

    SQLite's `PRAGMA data_version` on a connection of our own changes exactly
    when another connection has committed since the last time we asked."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._counts: OrderedDict[tuple, int] = OrderedDict()
        self._size = size
        self._watch: sqlite3.Connection | None = None
        self._version: int | None = None

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch, self._version = None, None
            self._counts.clear()

    def get(self, database: str, key: tuple, count: Callable[[], int]) -> int:
        with self._lock:
            if self._watch is None:
                self._watch = sqlite3.connect(database, check_same_thread=False)
            version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._counts.clear()
                self._version = version
            if key in self._counts:
                self._counts.move_to_end(key)
                return self._counts[key]
        n = count()  # sees at least what was committed at `version`
        with self._lock:
            if self._version == version:  # a later commit changes the version and drops this
                self._counts[key] = n
                if len(self._counts) > self._size:
                    self._counts.popitem(last=False)
        return n


class SqliteSearch:
    def __init__(self) -> None:
        self._count_cache = _CountCache()

    def close(self) -> None:
        self._count_cache.close()

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS article_fts USING fts5("
            "title, body, src, content='', prefix='1', tokenize='unicode61 remove_diacritics 0')"
        )
        self.create_trigrams(conn)
        self.create_token_docs(conn)

    @staticmethod
    def create_trigrams(conn: Connection) -> None:
        """The trigram index of long Chinese terms, and how far it has got:
        it holds exactly the articles with id <= `upto` (see index_backlog)."""
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS article_tri USING fts5("
            "title, body, src, content='', tokenize='trigram')"
        )
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS search_progress (name TEXT PRIMARY KEY, upto BIGINT NOT NULL)")
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_progress (name, upto) VALUES ('trigram', 0)")

    @staticmethod
    def create_token_docs(conn: Connection) -> None:
        """How many articles (with id <= its `upto`) contain each Chinese
        character and bigram (see short_terms)."""
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS token_docs (token TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID"
        )
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_progress (name, upto) VALUES ('token_docs', 0)")

    def add(self, conn: Connection, rows: list[IndexRow]) -> None:
        if rows:
            conn.exec_driver_sql(
                "INSERT INTO article_fts (rowid, title, body, src) VALUES (?, ?, ?, ?)",
                [(r.key, *r.token_strings(), source_token(r.source)) for r in rows],
            )
            # New articles wait for index_backlog; an edited one already there is replaced now.
            if covered := self._covered(conn, rows, "trigram"):
                conn.exec_driver_sql(
                    "INSERT INTO article_tri (rowid, title, body, src) VALUES (?, ?, ?, ?)",
                    [(r.key, fold_han(r.title), fold_han(r.text), source_token(r.source)) for r in covered],
                )
            if covered := self._covered(conn, rows, "token_docs"):
                self._add_token_docs(conn, [(r.key, r.title, r.text) for r in covered], +1)

    def remove(self, conn: Connection, rows: list[IndexRow]) -> None:
        # A contentless table forgets a row only when told the values it indexed.
        if rows:
            conn.exec_driver_sql(
                "INSERT INTO article_fts (article_fts, rowid, title, body, src) VALUES ('delete', ?, ?, ?, ?)",
                [(r.key, *r.token_strings(), source_token(r.source)) for r in rows],
            )
            if covered := self._covered(conn, rows, "trigram"):
                conn.exec_driver_sql(
                    "INSERT INTO article_tri (article_tri, rowid, title, body, src) VALUES ('delete', ?, ?, ?, ?)",
                    [(r.key, fold_han(r.title), fold_han(r.text), source_token(r.source)) for r in covered],
                )
            if covered := self._covered(conn, rows, "token_docs"):
                self._add_token_docs(conn, [(r.key, r.title, r.text) for r in covered], -1)

    @staticmethod
    def upto(conn: Connection, name: str) -> int:
        return conn.exec_driver_sql("SELECT upto FROM search_progress WHERE name = ?", (name,)).scalar_one()

    def _covered(self, conn: Connection, rows: list[IndexRow], name: str) -> list[IndexRow]:
        upto = self.upto(conn, name)
        return [r for r in rows if r.article_id <= upto]

    def index_backlog(self, conn: Connection, limit: int) -> int:
        """Add the next `limit` articles (by id) to each index filled after the
        fact, in the caller's transaction; returns how many articles the one
        furthest behind moved on. The import's writer is spared this work
        (see docs/search.md)."""
        # A write first: the transaction then holds the write lock before
        # `upto` is read, so two processes never index the same articles.
        conn.exec_driver_sql("UPDATE search_progress SET upto = upto WHERE name = 'trigram'")
        moved = 0
        for name, fill in self.DEFERRED.items():
            upto = self.upto(conn, name)
            last = conn.exec_driver_sql(
                "SELECT max(id) FROM (SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?)", (upto, limit)
            ).scalar()
            if last is None:
                continue
            fill(conn, upto, last)
            conn.exec_driver_sql("UPDATE search_progress SET upto = ? WHERE name = ?", (last, name))
            n = conn.exec_driver_sql("SELECT count(*) FROM articles WHERE id > ? AND id <= ?", (upto, last)).scalar_one()
            moved = max(moved, n)
        return moved

    @staticmethod
    def _fill_trigrams(conn: Connection, upto: int, last: int) -> None:
        # In SQL from the stored title and text (SQLite's tokenizer, no Python
        # per token), Traditional characters folded: about 0.3-0.5 ms per article.
        driver = conn.connection.driver_connection
        driver.create_function("caixun_source_token", 1, source_token, deterministic=True)
        driver.create_function("caixun_fold", 1, fold_han, deterministic=True)
        conn.exec_driver_sql(
            "INSERT INTO article_tri (rowid, title, body, src) SELECT search_key, caixun_fold(title), caixun_fold(text), "
            "caixun_source_token(source) FROM articles WHERE id > ? AND id <= ? AND search_key IS NOT NULL",
            (upto, last),
        )

    @staticmethod
    def _add_token_docs(conn: Connection, rows, sign: int) -> None:
        """Count (or, with sign -1, uncount) the short terms of (search key,
        title, text) rows: only articles that an unfiltered search can find,
        with a key in Filters()'s range."""
        lo, hi = Filters().key_range()
        counts: Counter[str] = Counter()
        for key, title, body in rows:
            if key is not None and lo <= key <= hi:
                counts.update(short_terms(title, body))
        if counts:
            conn.exec_driver_sql(
                "INSERT INTO token_docs (token, docs) VALUES (?, ?) "
                "ON CONFLICT (token) DO UPDATE SET docs = docs + excluded.docs",
                [(t, sign * n) for t, n in counts.items()],
            )

    @staticmethod
    def _fill_token_docs(conn: Connection, upto: int, last: int) -> None:
        rows = conn.exec_driver_sql(
            "SELECT search_key, title, text FROM articles WHERE id > ? AND id <= ?", (upto, last)
        ).all()
        SqliteSearch._add_token_docs(conn, rows, +1)

    # What is filled after the fact, each with its own progress row, and how.
    DEFERRED = {"trigram": _fill_trigrams, "token_docs": _fill_token_docs}

    def backlog(self, conn: Connection, cap: int | None = None, name: str | None = None) -> int:
        """Articles not in every index filled after the fact yet (or not in
        `name`): counted up to `cap`, or without a cap the ids above `upto`
        (ids only grow, so a gap left by a rolled-back insert makes this
        high, never low). Counting the rows would read the whole table after
        a large import: 60 MB more resident memory at 100,000 articles."""
        upto = self.upto(conn, name) if name else min(self.upto(conn, n) for n in self.DEFERRED)
        if cap is None:
            top = conn.exec_driver_sql("SELECT max(id) FROM articles").scalar()
            return max(0, (top or 0) - upto)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM articles WHERE id > ? LIMIT {int(cap)})"
        return conn.exec_driver_sql(sql, (upto,)).scalar_one()

    def _match(self, query: Query, filters: Filters) -> str:
        match = fts5_match(query)
        if filters.source:
            match = f"({match}) AND src : {source_token(filters.source)}"
        return match

    def search(
        self, conn: Connection, query: Query, filters: Filters, order: str, limit: int, offset: int
    ) -> tuple[int, list[int]]:
        lo, hi = filters.key_range()
        params = {"m": self._match(query, filters), "lo": lo, "hi": hi, "n": limit, "o": offset, "c": filters.cluster_id}
        where = "article_fts MATCH :m AND rowid BETWEEN :lo AND :hi"
        if filters.cluster_id is not None:
            where += " AND rowid IN (SELECT search_key FROM articles WHERE cluster_id = :c)"
        if filters.unchanged_at is not None:
            params["t"] = db_time(conn, filters.unchanged_at)
            where += f" AND rowid IN (SELECT a.search_key FROM articles a WHERE {UNCHANGED_SQL})"
        total = self._total(conn, query, filters, text(f"SELECT count(*) FROM article_fts WHERE {where}"), params)
        ordering = "bm25(article_fts, 4.0, 1.0, 0.0), rowid DESC" if order == "relevance" else "rowid DESC"
        keys = conn.execute(
            text(f"SELECT rowid FROM article_fts WHERE {where} ORDER BY {ordering} LIMIT :n OFFSET :o"), params
        ).scalars().all()
        return total, _ids_in_order(conn, keys), True

    def _total(self, conn: Connection, query: Query, filters: Filters, sql, params: dict) -> int:
        """The number of hits: from the cache of totals, or counted (see
        _count_trigrams and _count_file)."""

        def count() -> int:
            n = self._count_short(conn, query, filters)
            if n is None:
                n = self._count_trigrams(conn, query, filters, params)
            return self._count_file(conn, sql, params) if n is None else n

        database = conn.engine.url.database
        if not shared_file(database):
            return count()  # an in-memory database: one connection's own, no cache
        if COUNT_CACHE:
            key = (str(sql), tuple(sorted(params.items())))
            return self._count_cache.get(database, key, count)
        return count()

    def _count_trigrams(self, conn: Connection, query: Query, filters: Filters, params: dict) -> int | None:
        """The number of hits counted in the trigram index, when every term is
        a Chinese string of three characters or more (see _count_deferred);
        None otherwise. 人民币 is then one token's doclist instead of a phrase
        of 人民 and 民币, both in a large part of the archive (measured at
        100,000 articles: 1.1 against 3.9 ms)."""
        match = trigram_match(query)
        if match is None or filters.cluster_id is not None or filters.unchanged_at is not None:
            return None
        if filters.source:
            match = f"({match}) AND src : {source_token(filters.source)}"
        sql = text("SELECT count(*) FROM article_tri WHERE article_tri MATCH :m AND rowid BETWEEN :lo AND :hi")
        terms = [t.text for t in query.terms]
        return self._count_deferred(
            conn, "trigram", filters,
            lambda: self._count_file(conn, sql, {"m": match, "lo": params["lo"], "hi": params["hi"]}),
            # Chinese terms (all that trigram_match lets through) are the same in
            # the folded stored text and the normalized one: a substring test
            # there is `contains`.
            lambda title, body: all(t in fold_han(title) or t in fold_han(body) for t in terms),
        )  # fmt: skip

    def _count_short(self, conn: Connection, query: Query, filters: Filters) -> int | None:
        """The number of hits of a query of one term of one or two Chinese
        characters without filters: its row of token_docs (see
        _count_deferred); None otherwise. 涨 is then one row instead of the
        prefix index's doclist of a third of the archive (docs/search.md)."""
        term = short_term(query)
        if term is None or filters != Filters():
            return None
        return self._count_deferred(
            conn, "token_docs", filters,
            lambda: conn.exec_driver_sql("SELECT docs FROM token_docs WHERE token = ?", (term,)).scalar() or 0,
            lambda title, body: term in fold_han(title) or term in fold_han(body),
        )  # fmt: skip

    def _count_deferred(self, conn: Connection, name: str, filters: Filters, counted: Callable[[], int],
                        test: Callable[[str, str], bool]) -> int | None:  # fmt: skip
        """Hits from an index filled after the fact (`counted`: those among
        the articles it holds), plus the articles it does not hold yet, when
        at most UNINDEXED_MAX, each tested directly (reading and testing 500
        texts: about 1 ms); None when more wait, or when the index moved on
        meanwhile (articles could then be counted twice or not at all)."""
        upto = self.upto(conn, name)
        if self.backlog(conn, cap=UNINDEXED_MAX + 1, name=name) > UNINDEXED_MAX:
            return None
        n = counted()
        lo, hi = filters.key_range()
        # The unary + keeps SQLite on the primary key (the few newest ids): on
        # the index of search_key, a whole-archive key range read every row.
        sql = "SELECT title, text FROM articles WHERE id > :u AND +search_key BETWEEN :lo AND :hi"
        if filters.source:
            sql += " AND +source = :s"
        rest = conn.execute(text(sql), {"u": upto, "lo": lo, "hi": hi, "s": filters.source}).all()
        n += sum(1 for title, body in rest if test(title, body))
        return n if self.upto(conn, name) == upto else None

    @staticmethod
    def _count_file(conn: Connection, sql, params: dict) -> int:
        """count(*) of `sql` over the key range params["lo"]..params["hi"],
        in two halves at once when the database is a file (an in-memory
        database is one connection's own)."""
        database = conn.engine.url.database
        if PARALLEL_COUNT and shared_file(database):
            # Two subqueries: SQLite reads a min() or a max() off the index end
            # only when it is the query's one aggregate (together: a full scan).
            kmin, kmax = conn.exec_driver_sql(
                "SELECT (SELECT min(search_key) FROM articles), (SELECT max(search_key) FROM articles)"
            ).one()
            if kmin is None:
                return 0
            lo, hi = max(params["lo"], kmin), min(params["hi"], kmax)
            if hi - lo > 1:
                mid = lo + (hi - lo) // 2

                def upper_half() -> int:
                    with conn.engine.connect() as other:
                        return other.execute(sql, {**params, "lo": mid + 1, "hi": hi}).scalar_one()

                upper = _COUNT_POOL.submit(upper_half)
                return conn.execute(sql, {**params, "lo": lo, "hi": mid}).scalar_one() + upper.result()
        return conn.execute(sql, params).scalar_one()


class PostgresSearch:
    def __init__(self) -> None:
        self._stats: tuple[float, float, dict[str, float], dict[str, float]] | None = None  # (when, rows, tokens, sources)

    def close(self) -> None:
        pass

    def _hits_estimate(self, conn: Connection, query: Query, filters: Filters) -> tuple[float, float]:
        """How many articles a query may find in the whole archive, and within
        its filters, from the table's statistics: the frequency of its rarest
        listed token (an AND finds at most that many) times the rows, then
        times the source's share and the date range's rows. The planner multiplies the tokens'
        frequencies as if independent, which for the bigrams of a phrase
        (北向 & 向资 & 资金) gave 596 rows where 58,743 matched, and so a
        plan that read every hit's text (660 ms). Statistics are read again
        every ten minutes."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > 600:
            rows = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'article_search'").scalar() or 0
            stat = conn.exec_driver_sql(
                "SELECT attname, most_common_elems::text::text[], most_common_elem_freqs, most_common_vals::text::text[],"
                " most_common_freqs, n_distinct FROM pg_stats WHERE tablename = 'article_search' AND attname IN ('vector', 'src')"
            ).all()
            tokens: dict[str, float] = {}
            srcs: dict[str, float] = {"": 0.0}
            for name, elems, elem_freqs, vals, freqs, n_distinct in stat:
                if name == "vector" and elems:
                    tokens = dict(zip(elems, elem_freqs, strict=False))
                elif name == "src":
                    srcs = dict(zip(vals or [], freqs or [], strict=False))
                    srcs[""] = 1.0 / abs(n_distinct) if n_distinct else 0.0
            self._stats = (now, max(float(rows), 0.0), tokens, srcs)
        _, rows, tokens, srcs = self._stats
        # The rarest token the statistics list; a token they do not list may
        # still be frequent (州茅, only ever in 贵州茅台: 2% of the articles), so
        # it counts only when no token of the query is listed.
        known = [tokens[t] for term in query.terms for t in term.tokens if t in tokens]
        freq = min(known) if known else min(tokens.values(), default=0.0) / 2
        everywhere = freq * rows
        if filters.source:
            freq *= srcs.get(source_token(filters.source), srcs[""])
        if filters.since or filters.until:
            lo, hi = filters.key_range()
            # the planner's count of the rows in the key range, from its histogram (a fraction of a ms)
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) SELECT 1 FROM article_search WHERE search_key BETWEEN %s AND %s",
                                        (lo, hi)).scalar()  # fmt: skip
            in_range = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]
            freq *= min(1.0, in_range / rows) if rows else 1.0
        return everywhere, freq * rows

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS article_search ("
            " search_key BIGINT PRIMARY KEY, article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,"
            " src TEXT NOT NULL, vector TSVECTOR NOT NULL, norm TEXT NOT NULL)"
        )
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_article_search_vector ON article_search USING gin (vector)")
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_article_search_src ON article_search (src, search_key)")

    def add(self, conn: Connection, rows: list[IndexRow]) -> None:
        """Rows by COPY (caixun.store.sql.insert_rows), the tsvector as its
        text: every token quoted, so that no token is read as an operator."""
        out = []
        for r in rows:
            src = source_token(r.source)
            out.append((r.key, r.article_id, src, _tsvector_text(r.token_strings(), src), normalize(r.title) + "\n" + normalize(r.text)))
        insert_rows(conn, "article_search", ("search_key", "article_id", "src", "vector", "norm"), out)

    def remove(self, conn: Connection, rows: list[IndexRow]) -> None:
        if rows:
            conn.exec_driver_sql("DELETE FROM article_search WHERE search_key = %s", [(r.key,) for r in rows])

    def search(
        self, conn: Connection, query: Query, filters: Filters, order: str, limit: int, offset: int
    ) -> tuple[int, list[int]]:
        lo, hi = filters.key_range()
        src = source_token(filters.source) if filters.source else None
        params: dict = {"q": _tsquery(query, src), "lo": lo, "hi": hi, "n": limit, "o": offset}
        where = ["s.vector @@ CAST(:q AS tsquery)"]
        if filters.since or filters.until:
            where.append("s.search_key BETWEEN :lo AND :hi")  # only then: a condition on the row makes a count read every hit
        for i, term in enumerate(query.terms):
            # A term of one token (a character, a bigram, a word) is matched
            # exactly by the index; only a phrase needs its text checked (the
            # tsvector has no positions), which reads each hit's normalized text.
            if len(term.tokens) > 1:
                params[f"t{i}"] = term.text
                where.append(f"strpos(s.norm, :t{i}) > 0")
        if filters.cluster_id is not None:
            params["c"] = filters.cluster_id
            where.append("s.article_id IN (SELECT id FROM articles WHERE cluster_id = :c)")
        if filters.unchanged_at is not None:
            params["t"] = db_time(conn, filters.unchanged_at)
            where.append(f"s.article_id IN (SELECT a.id FROM articles a WHERE {UNCHANGED_SQL})")
        sql = "FROM article_search s WHERE " + " AND ".join(where)
        # For the count, the bitmap of the GIN index and not a sequential scan
        # (which the planner takes for frequent terms and which detoasts every
        # row's tsvector), with memory enough for the bitmap to stay exact (a
        # lossy one rechecks every row of its pages): at 1,000,000 articles,
        # counting 美元 0.9 s against 0.4-0.5 s (docs/benchmarks.md). Both
        # settings for this statement only.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        everywhere, estimate = self._hits_estimate(conn, query, filters)
        # Counting costs what the term's whole posting list costs, filter or
        # not (the GIN index intersects it with the source's, or reads it to
        # test the key range): above the bound for the whole archive the total
        # is estimated (scaled by the source's share and the range's rows),
        # and the first page is found by walking the source's or the range's
        # rows newest first, a few dozen rows for a term that common (涨 in one
        # source: 240 ms counted, a few ms walked).
        exact = everywhere <= ESTIMATE_ABOVE
        total = conn.execute(text(f"SELECT count(*) {sql}"), params).scalar_one() if exact else round(estimate)
        conn.exec_driver_sql("RESET enable_seqscan")
        conn.exec_driver_sql("RESET work_mem")
        walk = not exact and order != "relevance"
        if walk and src is not None:
            # The walk goes down the (src, search_key) index: the planner needs the column's condition for it.
            params["src"] = src
            sql += " AND s.src = :src"
        if walk:
            # Many hits: the newest are found by walking the key index backwards
            # and testing each row (1 ms for 涨), not by a bitmap of every hit
            # sorted afterwards, nor by a scan of the whole table, which the
            # planner picks when it underestimates an AND of bigrams (贵州茅台:
            # 4.1 s against 8.5 ms), and without parallel workers (their
            # start-up cost 180 ms here).
            for setting in ("enable_bitmapscan = off", "enable_seqscan = off", "max_parallel_workers_per_gather = 0"):
                conn.exec_driver_sql(f"SET LOCAL {setting}")
        ordering = "ts_rank(s.vector, CAST(:q AS tsquery)) DESC, s.search_key DESC" if order == "relevance" else "s.search_key DESC"
        ids = conn.execute(text(f"SELECT s.article_id {sql} ORDER BY {ordering} LIMIT :n OFFSET :o"), params).scalars().all()
        if walk:
            for setting in ("enable_bitmapscan", "enable_seqscan", "max_parallel_workers_per_gather"):
                conn.exec_driver_sql(f"RESET {setting}")
        return total, list(ids), exact


def _tsvector_text(token_strings, src: str) -> str:
    """tsvector input of the distinct tokens: 'a' 'ab' 'it''s' (a quote doubled,
    a backslash escaped), and the source's lexeme (`source_lexeme`)."""
    tokens = set(" ".join(token_strings).split())  # in any order: PostgreSQL sorts a tsvector's lexemes itself
    lexemes = " ".join(tokens)
    if "'" in lexemes or "\\" in lexemes:  # not from index_tokens, whose tokens are Han runs or [0-9a-z]+
        return " ".join(["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens] + [f"'{source_lexeme(src)}'"])
    # One join instead of two replaces per token (a twentieth of the writer's time).
    return ("'" + "' '".join(tokens) + "' " if tokens else "") + f"'{source_lexeme(src)}'"


def source_lexeme(src: str) -> str:
    """The source as a lexeme of the article's tsvector: a source filter is then
    one more posting list the GIN index intersects, and a count reads no row
    (a `src = …` condition made PostgreSQL fetch every hit of the term to test
    it: 131-419 ms at 1,000,000 articles). Tokens are [0-9a-z]+ or Chinese
    characters, so no token has the colon."""
    return "src:" + src


def _tsquery(query: Query, src: str | None = None) -> str:
    """A tsquery literal: every token quoted, bigrams of all terms ANDed, a
    trailing one-character or Latin token as a prefix; and the source's lexeme."""
    parts = [f"'{source_lexeme(src)}'"] if src else []
    for term in query.terms:
        for i, tok in enumerate(term.tokens):
            lexeme = "'" + tok.replace("\\", "\\\\").replace("'", "''") + "'"
            parts.append(lexeme + (":*" if term.prefix and i == len(term.tokens) - 1 else ""))
    return " & ".join(parts)


def allocate_keys(conn: Connection, pairs: list[tuple[str, datetime]]) -> list[int]:
    """Search keys for (item key, published_at) pairs, unique against the
    stored ones and each other (two items of the same second whose hashes
    agree in 20 bits are rare, but the key must stay unique, so the later one
    moves up by one)."""
    keys = [search_key(p, k) for k, p in pairs]
    taken: set[int] = set()
    todo = list(range(len(keys)))
    while todo:
        wanted = [keys[j] for j in todo]
        stored = {k for (k,) in driver_rows(conn, "SELECT search_key FROM articles WHERE search_key IN ({marks})", wanted)}
        again = []
        for j in todo:
            if keys[j] in stored or keys[j] in taken:
                keys[j] += 1
                again.append(j)
            else:
                taken.add(keys[j])
        todo = again
    return keys


def _ids_in_order(conn: Connection, keys: list[int]) -> list[int]:
    found = dict(driver_rows(conn, "SELECT search_key, id FROM articles WHERE search_key IN ({marks})", keys))
    return [found[k] for k in keys if k in found]


def for_backend(backend: str) -> SqliteSearch | PostgresSearch:
    return PostgresSearch() if backend == "postgresql" else SqliteSearch()
