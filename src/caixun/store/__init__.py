"""The only code that speaks SQL. One interface, SQLite (default) and PostgreSQL.

Use-case methods only: callers never see a connection, a row or a dialect.
Nothing here assumes SQLite outside `_sqlite_pragmas`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    Connection,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError

from caixun.clean.normalize import is_valid_slug, slugify
from caixun.enrich import EXTRACTOR_VERSION
from caixun.model import Article, FactRows, IngestResult
from caixun.searchtext import Query, parse_query
from caixun.store import facts as facts_sql
from caixun.store import schema
from caixun.store.changes import ChangeWatch
from caixun.store.facts import NO_FILTER, FigureFilter, FigureRow  # noqa: F401 (re-exported)
from caixun.store.migrations import migrate
from caixun.store.schema import (
    article_history,
    articles,
    minhash_bands,
    source_events,
    source_state,
    sources,
)
from caixun.store.search import Filters, IndexRow, SqliteSearch, allocate_keys, key_bound, key_time
from caixun.store.search import for_backend as search_backend
from caixun.store.sql import chunks, marks, shared_file

if TYPE_CHECKING:
    from caixun.dedupe import Candidate

# caixun.dedupe (and numpy with it, a tenth of a second) is imported by the
# writing methods only: commands that only read (serve, search, export) start
# without it.

DEFAULT_DB = "sqlite:///caixun.db"
# Near-duplicate candidates compared per new article: those sharing most bands.
MAX_CANDIDATES = 50
# Members read per MinHash band (see _band_members).
BAND_MEMBERS = 20
_TEMP_ID = 1 << 62  # ids of articles of a run not inserted yet
# A source whose newest page is empty this many polls in a row is broken.
EMPTY_BROKEN = 3


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: Query
    total: int
    articles: list[Article]


class IndexEntry(NamedTuple):
    """One article in the export's index (a named tuple: 20,000 of them are
    made per export, three times faster than frozen dataclasses)."""

    id: int
    version: int
    cluster_id: int
    source: str
    search_key: int
    tags: tuple[str, ...]


@dataclass(slots=True)
class _Bulk:
    conn: Connection
    commit_every: int
    commit_after: float
    since: float  # time.monotonic() of the last commit
    uncommitted: int = 0


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message says why."""


def database_url(value: str | None) -> str:
    """Accept a SQLAlchemy URL, postgresql:// (psycopg 3 driver), or a file path."""
    value = value or os.environ.get("CAIXUN_DB") or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{value}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    # WAL is kept in the file: only a new database is switched. That switch
    # fails at once, without waiting for busy_timeout, while another process
    # is creating the same new file, so it is tried again for a while.
    for attempt in range(100):
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")
    # No mmap_size: reading through a memory map made a scan of the article
    # index 1.6× faster, but the mapped pages count in the resident size, which
    # then grows with the database (import of 20,000 posts: 180 -> 290 MB).
    cur.close()


# A bound value the database refuses (an integer above 2**63 - 1 on
# PostgreSQL): the web app answers 400 for it, without importing the driver.
ValueOutOfRange = DataError


def _sqlite_immediate(dbapi_conn, record) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    dbapi_conn.isolation_level = None  # the driver begins nothing; the "begin" event does


class Store:
    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        try:
            self.url.encode("utf-8")
        except UnicodeEncodeError:  # a file name of bytes that are not UTF-8 (argv keeps them as lone surrogates)
            raise StoreError(f"cannot use database {self.url.encode('utf-8', 'replace').decode()!r}: its name is not UTF-8 text") from None
        self._source_counts: tuple[int | None, dict[str, int]] | None = None  # (highest id, counts)
        try:
            parsed = make_url(self.url)
            self.engine = create_engine(self.url, future=True, pool_pre_ping=parsed.get_backend_name() != "sqlite")
        except (ArgumentError, ImportError, ValueError) as exc:  # ValueError: a port that is no number
            raise StoreError(f"cannot use database {self.safe_url}: {exc}") from exc
        self.backend = parsed.get_backend_name()
        self.write_engine = self.engine
        if self.backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # Writes begin IMMEDIATE: a transaction that reads (the highest
            # search key, a story's members) and then writes must hold the
            # write lock from its start. Begun deferred, two processes writing
            # one file read the same key (UNIQUE constraint failed:
            # articles.search_key) or one failed at once with "database is
            # locked" instead of waiting busy_timeout for the other.
            self.write_engine = create_engine(self.url, future=True)
            event.listen(self.write_engine, "connect", _sqlite_immediate)
            event.listen(self.write_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        # SQLite allows one writer; PostgreSQL gets the same discipline per process.
        # Reentrant: a bulk transaction holds it throughout, and its writes take it again.
        self._write_lock = threading.RLock()
        self._bulk: _Bulk | None = None
        try:
            migrate(self.engine)
        except DBAPIError as exc:  # cannot connect, not a database (random bytes), no permission...
            raise StoreError(f"cannot open database {self.safe_url}: {exc.orig}") from exc
        except ValueError as exc:  # the driver refuses the name (a NUL in a file name)
            raise StoreError(f"cannot open database {self.safe_url}: {exc}") from exc
        self._slugs: dict[str, str] | None = None
        self.search_index = search_backend(self.backend)
        sqlite_file = make_url(self.url).database if self.backend == "sqlite" and self.shared_by_processes else None
        self._changes = ChangeWatch(self.engine, self.backend, sqlite_file)

    def generation(self) -> object | None:
        """A value that changes whenever anything is committed to the
        database by anyone (None: cannot tell; see caixun.store.changes)."""
        return self._changes.generation()

    @property
    def shared_by_processes(self) -> bool:
        """Whether another process can open this database with `url` (not an
        in-memory SQLite one)."""
        if self.backend != "sqlite":
            return True
        return shared_file(make_url(self.url).database)

    @property
    def safe_url(self) -> str:
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):  # unparseable: still never show a password
            return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", self.url)

    def close(self) -> None:
        self.search_index.close()
        self._changes.close()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources and their slugs ------------------------------------------------

    def source_slugs(self, refresh: bool = False) -> dict[str, str]:
        """Slug of every source, cached; `refresh` reads them again (another
        process may have added some)."""
        if self._slugs is None or refresh:
            with self.engine.connect() as conn:
                self._slugs = dict(conn.execute(select(sources.c.name, sources.c.slug)).all())
        return self._slugs

    def ensure_sources(self, wanted: dict[str, str | None]) -> dict[str, str]:
        """Slug of every source name, registering new ones.

        The hint (a slug the source already uses) wins when it is a valid slug;
        otherwise the pinyin of the name. Slugs are unique: a second source whose
        slug is taken gets a suffix derived from its name, so it is stable."""
        slugs = self.source_slugs()
        new = {name: hint for name, hint in wanted.items() if name not in slugs}
        if new:
            with self._writing() as conn:
                # Read again under the write lock: another process may have
                # registered some of them since (two `fetch` at once failed
                # on sources.name).
                present = dict(conn.execute(select(sources.c.name, sources.c.slug)).all())
                taken = set(present.values())
                slugs.update({n: s for n, s in present.items() if n in new})
                now = datetime.now(UTC)
                for name, hint in new.items():
                    if name in present:
                        continue
                    slug = _slug_for(name, hint)
                    if slug in taken:
                        slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
                    taken.add(slug)
                    conn.execute(insert(sources).values(name=name, slug=slug, created_at=now))
                    slugs[name] = slug
        return {name: slugs[name] for name in wanted}

    # -- articles: writing -------------------------------------------------------

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                found.update(conn.execute(select(articles.c.key).where(articles.c.key.in_(chunk))).scalars())
        return found

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The connection to write with: the open bulk transaction's (see
        `bulk`), or a transaction of its own, committed at the end."""
        with self._write_lock:
            if self._bulk is not None:
                yield self._bulk.conn
            else:
                with self.write_engine.begin() as conn:
                    yield conn

    @contextmanager
    def bulk(self, commit_every: int = 5000, commit_after: float = 5.0) -> Iterator[None]:
        """Keep one transaction open across `save_batch` calls and commit it
        every `commit_every` articles or `commit_after` seconds, whichever
        comes first (and at the end), for large imports. The time bound keeps
        other processes' writers, which wait up to busy_timeout (10 s) for
        SQLite's lock, well inside their wait.

        A commit writes every b-tree page the transaction touched and a new
        search-index segment, and each article touches 32 random leaves of the
        MinHash band index, so in a large archive the cost per commit grows
        with the archive, not with the batch. If anything fails, the articles
        since the last commit are rolled back (an import run again adds them)."""
        with self._write_lock:  # other threads' writes wait for the end of the bulk
            if self._bulk is not None:
                yield  # already inside one
                return
            self._bulk = _Bulk(self.write_engine.connect(), commit_every, commit_after, time.monotonic())
            try:
                yield
                self._bulk.conn.commit()
            except BaseException:
                self._bulk.conn.rollback()
                self._slugs = None  # sources registered in the rolled-back part are gone too
                raise
            finally:
                self._bulk.conn.close()
                self._bulk = None

    def save_batch(self, batch: list[Article]) -> IngestResult:
        """Store a batch in one transaction: new articles join or start a cluster;
        a known key from the same source updates the article (the earlier
        version goes to the history table); a known key from another source is
        left alone. Either the whole batch is stored or nothing is."""
        result = IngestResult()
        if not batch:
            return result
        with self._writing() as conn:
            watching = self._watches(conn)
            for run in _runs_of_distinct_keys(batch):
                result.merge(self._save_run(conn, run, watching))
            if (bulk := self._bulk) is not None:
                bulk.uncommitted += len(batch)
                if bulk.uncommitted >= bulk.commit_every or time.monotonic() - bulk.since >= bulk.commit_after:
                    conn.commit()
                    bulk.uncommitted, bulk.since = 0, time.monotonic()
        return result

    def _watches(self, conn: Connection) -> list:
        """The watches to match new articles against (caixun.watch), read in
        the storing transaction."""
        from caixun.store.watches import load_watches

        return load_watches(conn)

    def _save_run(self, conn: Connection, run: list[Article], watching: list = ()) -> IngestResult:
        """Save articles with distinct keys. Stored candidates of the whole run
        are read with a few batched queries; new articles get temporary ids
        (above every real id, so that "oldest cluster wins" still holds) for
        later ones in the run to join their stories, and are then inserted
        with one multi-row statement."""
        from caixun.dedupe import Candidate, band_keys, choose_cluster, numbers_of

        result = IngestResult()
        existing = self._existing(conn, [a.key for a in run])
        new: list[tuple[Article, list[int]]] = []
        for art in run:
            row = existing.get(art.key)
            if row is None:
                new.append((art, band_keys(art.minhash)))
            elif row["source"] != art.source:
                result.seen_elsewhere += 1
            elif row["content_hash"] == art.content_hash and row["title"] == art.title:
                result.unchanged += 1
            else:
                self._update(conn, row, art)
                result.updated += 1
        if not new:
            return result
        stored = _StoredCandidates(conn, new)
        pending = _PendingIndex()
        clusters: list[int | None] = []
        try:
            for i, (art, keys) in enumerate(new):
                candidates = stored.candidates(i) + pending.candidates(art, keys)
                cluster = choose_cluster(
                    art.url, art.content_hash, art.minhash, candidates, numbers=numbers_of(art.text), text_of=stored.text_of
                )
                temp_id = _TEMP_ID + i
                clusters.append(cluster)
                pending.add(Candidate(temp_id, cluster or temp_id, art.url, art.content_hash, art.minhash, art.text), keys)
        finally:
            stored.close()
        rows = []
        search_keys = allocate_keys(conn, [(a.key, a.published_at) for a, _ in new])
        for (art, _), cluster, skey in zip(new, clusters, search_keys, strict=True):
            values = _article_values(art)
            values["cluster_id"] = cluster if cluster is not None and cluster < _TEMP_ID else None
            values["search_key"] = skey
            values["facts_version"] = EXTRACTOR_VERSION if art.facts is not None else None
            rows.append(values)
        conn.execute(insert(articles), rows)  # executemany: much faster than RETURNING row by row
        inserted = self._existing(conn, [a.key for a, _ in new])
        ids = [inserted[a.key]["id"] for a, _ in new]
        # Articles that joined a story started earlier in this run, then roots.
        joined = [{"i": ids[i], "c": ids[c - _TEMP_ID]} for i, c in enumerate(clusters) if c is not None and c >= _TEMP_ID]
        if joined:
            conn.execute(_SET_CLUSTER, joined)
        conn.execute(update(articles).where(articles.c.cluster_id.is_(None)).values(cluster_id=articles.c.id))
        _insert_bands(conn, [(k, new_id) for new_id, (_, keys) in zip(ids, new, strict=True) for k in set(keys)])
        self.search_index.add(
            conn, [IndexRow(k, i, a.source, a.title, a.text, a.search_tokens) for (a, _), i, k in zip(new, ids, search_keys, strict=True)]
        )
        facts_sql.insert_facts(conn, [(i, a.facts) for (a, _), i in zip(new, ids, strict=True) if a.facts is not None])
        if watching:  # in this transaction: the articles, their matches and alerts are stored together or not at all
            from caixun.store.watches import facts_of, record_matches

            stories = [i if c is None else ids[c - _TEMP_ID] if c >= _TEMP_ID else c for i, c in zip(ids, clusters, strict=True)]
            # An imported old post (the Jekyll reader's, with its layout in meta) may be history; a polled item is news.
            result.matched += record_matches(conn, watching, [(i, c, a.published_at if "jekyll" in a.meta else None, facts_of(a))
                                                              for (a, _), i, c in zip(new, ids, stories, strict=True)],
                                             datetime.now(UTC))  # fmt: skip
        result.added += len(new)
        return result

    def _existing(self, conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
        cols = (articles.c.id, articles.c.key, articles.c.source, articles.c.content_hash, articles.c.title)
        found = {}
        for chunk in chunks(keys):
            for r in conn.execute(select(*cols).where(articles.c.key.in_(chunk))).mappings():
                found[r["key"]] = dict(r)
        return found

    def _update(self, conn: Connection, row: dict[str, Any], art: Article) -> None:
        old = conn.execute(select(articles).where(articles.c.id == row["id"])).mappings().one()
        conn.execute(
            insert(article_history).values(
                article_id=old["id"],
                version=old["version"],
                **{k: old[k] for k in ("title", "html", "text", "raw_body", "digest", "content_hash", "published_at")},
                replaced_at=datetime.now(UTC),
            )
        )
        values = _article_values(art)
        values.pop("fetched_at")
        values["version"] = old["version"] + 1
        values["search_key"] = old["search_key"]
        if old["published_at"] != art.published_at:
            values["search_key"] = allocate_keys(conn, [(art.key, art.published_at)])[0]
        conn.execute(update(articles).where(articles.c.id == old["id"]).values(values))
        self.search_index.remove(conn, [IndexRow(old["search_key"], old["id"], old["source"], old["title"], old["text"])])
        self.search_index.add(conn, [IndexRow(values["search_key"], old["id"], art.source, art.title, art.text, art.search_tokens)])
        conn.execute(delete(minhash_bands).where(minhash_bands.c.article_id == old["id"]))
        from caixun.dedupe import band_keys

        _insert_bands(conn, [(k, old["id"]) for k in set(band_keys(art.minhash))])
        # The old facts describe the old text: replace them (none if the new ones were not extracted).
        facts_sql.replace_facts(conn, [(old["id"], art.facts or FactRows())], EXTRACTOR_VERSION if art.facts is not None else None)

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
            row = conn.execute(select(articles).where(articles.c.id == article_id)).mappings().first()
        return _row_to_article(row) if row else None

    def get_article_by_key(self, key: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.key == key)).mappings().first()
        return _row_to_article(row) if row else None

    def history(self, article_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(article_history).where(article_history.c.article_id == article_id).order_by(article_history.c.version)
            return [dict(r) for r in conn.execute(q).mappings()]

    def cluster_members(self, cluster_id: int, limit: int | None = None, offset: int = 0, *,
                        seen_by: datetime | None = None) -> list[Article]:  # fmt: skip
        """The reports of a story, first published first (`limit` of them from `offset`)."""
        with self.engine.connect() as conn:
            q = select(articles).where(articles.c.cluster_id == cluster_id).order_by(articles.c.published_at, articles.c.id)
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

    def iter_articles(self, chunk: int = 1000, *, seen_by: datetime | None = None) -> Iterator[Article]:
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
            total, ids = self.search_index.search(conn, query, filters, order, limit, offset)
        return SearchPage(query, total, self.articles_by_ids(ids))

    def search_ids(self, q: str | Query, **filters: Any) -> list[int]:
        """Ids of every match, newest first (no article rows read)."""
        query = parse_query(q) if isinstance(q, str) else q
        if not query:
            return []
        with self.engine.connect() as conn:
            return self.search_index.search(conn, query, Filters(**filters), "date", 1 << 62, 0)[1]

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
        return text("EXISTS (SELECT 1 FROM json_each(articles.tags) WHERE json_each.value = :tag)").bindparams(tag=tag)

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

    def story_sizes(self, cluster_ids: Iterable[int], *, seen_by: datetime | None = None) -> dict[int, int]:
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
        cols = [c for c in articles.c if c.name not in ("html", "text", "raw_body", "minhash", "meta")]
        out: list[Article] = []
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                rows = {r["id"]: r for r in conn.execute(select(*cols).where(articles.c.id.in_(chunk))).mappings()}
                out.extend(_row_to_article({**rows[i], "html": "", "text": "", "raw_body": "", "minhash": None, "meta": {}})
                           for i in chunk if i in rows)  # fmt: skip
        return out

    def histories(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
                q = select(article_history).where(article_history.c.article_id.in_(chunk)).order_by(article_history.c.version)
                for r in conn.execute(q).mappings():
                    found.setdefault(r["article_id"], []).append(dict(r))
        return found

    def _articles_by_ids(self, conn: Connection, ids: list[int]) -> list[Article]:
        if not ids:
            return []
        rows = {r["id"]: r for r in conn.execute(select(articles).where(articles.c.id.in_(ids))).mappings()}
        return [_row_to_article(rows[i]) for i in ids if i in rows]

    # -- facts: figures and entities ---------------------------------------------

    def article_facts(self, article_id: int) -> dict[str, list[dict[str, Any]]] | None:
        """The stored facts of an article, or None if they were never extracted
        or come from an older extractor."""
        with self.engine.connect() as conn:
            version = conn.execute(select(articles.c.facts_version).where(articles.c.id == article_id)).scalar()
            if version != EXTRACTOR_VERSION:
                return None
            return facts_sql.stored_facts(conn, article_id)

    def texts_for_facts(self, *, stale_only: bool = False, chunk: int = 500) -> Iterator[list[tuple[int, str, datetime]]]:
        """(id, text, published_at) of the articles to extract, in chunks by id."""
        last = 0
        cond = _facts_stale() if stale_only else True
        while True:
            with self.engine.connect() as conn:
                q = select(articles.c.id, articles.c.text, articles.c.published_at).where(articles.c.id > last, cond)
                rows = conn.execute(q.order_by(articles.c.id).limit(chunk)).all()
            if not rows:
                return
            yield [(r.id, r.text, r.published_at) for r in rows]
            last = rows[-1].id

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
            return facts_sql.find_figures(conn, f, limit=limit, offset=offset, oldest_first=oldest_first)

    def iter_figures(self, f: FigureFilter = NO_FILTER, *, chunk: int = 5000) -> Iterator[FigureRow]:
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

    def figure_choices(self, column: str, f: FigureFilter = NO_FILTER, limit: int = 30) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return facts_sql.top_values(conn, column, f, limit)

    def entity_articles(self, type_: str, code: str, *, limit: int = 20, offset: int = 0) -> tuple[list[Article], int]:
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

    def stats(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(articles)).scalar_one()
            clusters = conn.execute(select(func.count(func.distinct(articles.c.cluster_id)))).scalar_one()
            lo, hi = conn.execute(select(func.min(articles.c.search_key), func.max(articles.c.search_key))).one()
            edits = conn.execute(select(func.count()).select_from(article_history)).scalar_one()
            n_figures = conn.execute(select(func.count()).select_from(schema.figures)).scalar_one()
            n_entities = conn.execute(select(func.count()).select_from(schema.entities)).scalar_one()
            stale = conn.execute(select(func.count()).select_from(articles).where(_facts_stale())).scalar_one()
            by_source = conn.execute(
                select(articles.c.source, func.count()).group_by(articles.c.source).order_by(func.count().desc(), articles.c.source)
            ).all()
        first, last = (key_time(k) if k is not None else None for k in (lo, hi))
        return {
            "database": self.safe_url,
            "articles": total,
            "clusters": clusters,
            "duplicates": total - clusters,
            "edits_kept": edits,
            "figures": n_figures,
            "entities": n_entities,
            "facts_stale": stale,
            "search_backlog": self.search_backlog(),
            "sources": len(by_source),
            "first_published": first.isoformat() if first else None,
            "last_published": last.isoformat() if last else None,
            "by_source": {s: n for s, n in by_source},
        }

    # -- polling state --------------------------------------------------------------

    def source_states(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r["name"]: dict(r) for r in conn.execute(select(source_state)).mappings()}

    def source_events(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest changes of sources' health, newest first."""
        with self.engine.connect() as conn:
            q = select(source_events).order_by(source_events.c.at.desc(), source_events.c.id.desc()).limit(limit)
            return [dict(r) for r in conn.execute(q).mappings()]

    def validators(self, name: str) -> dict[str, dict[str, str | None]]:
        with self.engine.connect() as conn:
            q = select(source_state.c.validators).where(source_state.c.name == name)
            return conn.execute(q).scalar() or {}

    # Leases are written on a connection of their own, not behind this
    # process's write lock: a poll storing a large first page holds that lock
    # for seconds, and a lease not renewed meanwhile ran out and let another
    # poller poll the same source at once (tests/test_pollers.py).

    def claim_source(self, name: str, holder: str, now: datetime, lease: float) -> bool:
        """Take a due source's lease for `lease` seconds (caixun.store.leases)."""
        from caixun.store.leases import claim

        with self.write_engine.begin() as conn:
            return claim(conn, name, holder, now, lease)

    def renew_leases(self, leases: dict[str, float], holder: str, now: datetime) -> None:
        """Keep this holder's leases (source name -> seconds) while it polls."""
        from caixun.store.leases import renew

        if leases:
            with self.write_engine.begin() as conn:
                renew(conn, list(leases), holder, now, leases)

    def record_poll(
        self,
        name: str,
        *,
        now: datetime,
        interval: float,
        error: str | None,
        broken: str | None = None,
        listed: int | None = None,
        not_modified: bool = False,
        added: int = 0,
        validators: dict[str, dict[str, str | None]] | None = None,
    ) -> dict[str, Any]:
        """Remember one poll. A failing source waits interval × 2^(failures-1),
        at most an hour (or its interval, if longer), before the next try.
        `broken` says why the source answers in a shape its connector does not
        read; `listed` is the number of items its newest page held: after
        EMPTY_BROKEN empty answers in a row, the source is broken too (a list
        of news that stays empty has changed, or blocks us quietly)."""
        with self._writing() as conn:
            row = conn.execute(select(source_state).where(source_state.c.name == name)).mappings().first()
            state = dict(row) if row else {"name": name, "failures": 0, "items_added": 0, "validators": {}, "empty_polls": 0}
            state["last_attempt_at"] = now
            if not_modified and state.get("last_listed") == 0:
                listed = 0  # still the empty list it was
            if listed is not None:
                state["last_listed"] = listed
                state["empty_polls"] = 0 if listed else (state.get("empty_polls") or 0) + 1
            if broken is None and listed == 0 and state["empty_polls"] >= EMPTY_BROKEN:
                broken = f"empty list {state['empty_polls']} polls in a row where news is expected"
            if broken is None and error is None and not_modified:
                broken = state.get("broken")  # the same answer as when it was judged
            state["broken"] = broken
            if error is None and broken is None:
                state.update(failures=0, last_error=None, last_success_at=now)
                wait = interval
            elif error is None:  # read, but partly broken (full text): stored what it could
                state.update(failures=0, last_error=broken, last_success_at=now)
                wait = interval
            else:
                state["failures"] += 1
                state["last_error"] = error
                wait = min(interval * 2 ** (state["failures"] - 1), max(3600.0, interval))
            state["next_due_at"] = now + timedelta(seconds=wait)
            state["lease_holder"] = None  # the poll is over: the lease ends
            state["items_added"] += added
            was, now_health = health(dict(row)) if row else "never polled", health(state)
            if was != now_health:
                reason = state["broken"] or (state["last_error"] if now_health == "failing" else None)
                conn.execute(insert(source_events).values(name=name, at=now, health=now_health, reason=reason))
            if validators:
                state["validators"] = {**state["validators"], **validators}
            if row:
                conn.execute(update(source_state).where(source_state.c.name == name).values(state))
            else:
                conn.execute(insert(source_state).values(state))
        return state


# Built once: executing the same statement object reuses its compiled form, which
# building a new select() per article does not (that cost 60% of import time).
_SET_CLUSTER = update(articles).where(articles.c.id == bindparam("i")).values(cluster_id=bindparam("c"))


def health(state: dict[str, Any] | None) -> str:
    """ok, failing (network or server errors, retried with backoff), broken
    (answers in a shape the connector does not read), or never polled."""
    if not state or state.get("last_attempt_at") is None:
        return "never polled"
    if state.get("broken"):
        return "broken"
    return "ok" if state.get("failures", 0) == 0 else "failing"


def _slug_for(name: str, hint: str | None) -> str:
    if hint and is_valid_slug(hint):
        return hint
    if hint:
        fixed = slugify(hint)
        if fixed != "source":
            return fixed
    return slugify(name)


def _insert_bands(conn: Connection, rows: list[tuple[int, int]]) -> None:
    """Band rows through the driver's executemany: two integers need no type
    processing, and SQLAlchemy's per-row parameter handling was a third of
    import time (32 rows per article)."""
    if rows:
        conn.exec_driver_sql(f"INSERT INTO minhash_bands (band_key, article_id) VALUES ({marks(conn, 2)})", rows)


def _band_members(conn: Connection, keys: set[int]) -> dict[int, list[int]]:
    """Stored article ids under each band key, the newest BAND_MEMBERS of each
    (the lookup returns many small rows). A band shared by very many articles
    is a common passage (a disclaimer, a stock phrase), not evidence of one
    story; reading all its members made import time grow with the archive."""
    found: dict[int, list[int]] = {}
    if conn.dialect.name == "sqlite":
        # One row per key: a correlated subquery walks the primary key
        # (band_key, article_id) backwards and stops after BAND_MEMBERS, where
        # the window function below sorts every member in a temporary b-tree
        # (measured at 95,000 articles: 0.64 s against 1.51 s per 5,000 new).
        sql = ("WITH k(key) AS (VALUES {marks}) SELECT key, (SELECT group_concat(article_id) FROM "
               "(SELECT article_id FROM minhash_bands WHERE band_key = k.key "
               f"ORDER BY article_id DESC LIMIT {BAND_MEMBERS})) FROM k")  # fmt: skip
        for key, ids in _driver_rows(conn, sql, list(keys), mark="(?)"):
            if ids:
                found[key] = [int(i) for i in ids.split(",")]
        return found
    sql = ("SELECT band_key, article_id FROM (SELECT band_key, article_id, row_number() OVER "
           "(PARTITION BY band_key ORDER BY article_id DESC) AS rn FROM minhash_bands "
           f"WHERE band_key IN ({{marks}})) AS m WHERE rn <= {BAND_MEMBERS}")  # fmt: skip
    for key, article_id in _driver_rows(conn, sql, list(keys)):
        found.setdefault(key, []).append(article_id)
    return found


def _driver_rows(conn: Connection, sql: str, values: list, mark: str | None = None) -> list[tuple]:
    """The rows of `sql` with its `{marks}` placeholders bound to `values`, in
    chunks, straight through the driver: a run's band members and candidate
    rows are tens per article, and SQLAlchemy's Row per result row was 2 s per
    5,000 articles at 100,000 (a tenth of the writer's time). `mark` is one
    value's placeholder where it is not the driver's own (a VALUES row)."""
    rows: list[tuple] = []
    cur = conn.connection.cursor()
    try:
        for chunk in chunks(values):
            holders = ", ".join([mark] * len(chunk)) if mark else marks(conn, len(chunk))
            cur.execute(sql.format(marks=holders), tuple(chunk))
            rows.extend(cur.fetchall())
    finally:
        cur.close()
    return rows


def _runs_of_distinct_keys(batch: list[Article]) -> Iterator[list[Article]]:
    """Split a batch where a key comes again, so that the second copy is saved
    after the first (as an update, with history) rather than beside it."""
    run: list[Article] = []
    seen: set[str] = set()
    for art in batch:
        if art.key in seen:
            yield run
            run, seen = [], set()
        run.append(art)
        seen.add(art.key)
    if run:
        yield run


class _StoredCandidates:
    """Stored articles sharing a content hash, a canonical URL or a MinHash band
    with each article of a run, read with a few batched queries (one query per
    article was most of the import time). Every exact match is kept; of the
    band matches, the MAX_CANDIDATES sharing the most bands (the likeliest
    near-duplicates). Texts are read only on demand."""

    def __init__(self, conn: Connection, new: list[tuple[Article, list[int]]]):
        self.conn = conn
        by_band = _band_members(conn, {k for _, keys in new for k in keys})
        by_hash = self._ids("content_hash", {a.content_hash for a, _ in new})
        by_url = self._ids("url", {a.url for a, _ in new if a.url})
        self.chosen: list[list[int]] = []
        for art, keys in new:
            exact = set(by_hash.get(art.content_hash, ())) | set(by_url.get(art.url, ()) if art.url else ())
            hits = Counter(i for k in keys for i in by_band.get(k, ()))
            near = [i for i, _ in sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[:MAX_CANDIDATES]]
            self.chosen.append(sorted(exact | set(near), reverse=True))
        from caixun.dedupe import Candidate

        self.rows: dict[int, Candidate] = {}
        wanted = sorted({i for ids in self.chosen for i in ids})
        for i, c, u, h, m in _driver_rows(conn, "SELECT id, cluster_id, url, content_hash, minhash FROM articles WHERE id IN ({marks})", wanted):
            self.rows[i] = Candidate(i, c or i, u or "", h, bytes(m or b""))
        self._texts: dict[int, str] = {}
        self._cursor = None
        self._text_sql = f"SELECT text FROM articles WHERE id = {marks(conn, 1)}"

    def _ids(self, column: str, values: set) -> dict[Any, list[int]]:
        found: dict[Any, list[int]] = {}
        for value, article_id in _driver_rows(self.conn, f"SELECT {column}, id FROM articles WHERE {column} IN ({{marks}})", list(values)):
            found.setdefault(value, []).append(article_id)
        return found

    def candidates(self, index: int) -> list[Candidate]:
        """Candidates of the run's article number `index`."""
        return [self.rows[i] for i in self.chosen[index]]

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def text_of(self, cand: Candidate) -> str:
        if cand.text or cand.article_id >= _TEMP_ID:
            return cand.text
        if cand.article_id not in self._texts:
            # through the driver: one short query per candidate over the
            # threshold, where SQLAlchemy's statement handling was most of the cost
            if self._cursor is None:
                self._cursor = self.conn.connection.cursor()
            self._cursor.execute(self._text_sql, (cand.article_id,))
            self._texts[cand.article_id] = self._cursor.fetchone()[0]
        return self._texts[cand.article_id]


class _PendingIndex:
    """Articles added earlier in the same batch, so that they are candidates
    too (their bands are written at the end of the batch)."""

    def __init__(self) -> None:
        self.by_band: dict[int, list[Candidate]] = {}
        self.by_hash: dict[str, list[Candidate]] = {}
        self.by_url: dict[str, list[Candidate]] = {}

    def add(self, cand: Candidate, keys: list[int]) -> None:
        for k in set(keys):
            self.by_band.setdefault(k, []).append(cand)
        self.by_hash.setdefault(cand.content_hash, []).append(cand)
        if cand.url:
            self.by_url.setdefault(cand.url, []).append(cand)

    def candidates(self, art: Article, keys: list[int]) -> list[Candidate]:
        found = {c.article_id: c for c in self.by_hash.get(art.content_hash, [])}
        if art.url:
            found.update((c.article_id, c) for c in self.by_url.get(art.url, []))
        for k in keys:
            found.update((c.article_id, c) for c in self.by_band.get(k, []))
        return list(found.values())


def _facts_stale():
    """Articles whose facts were never extracted, or by an older extractor."""
    return articles.c.facts_version.is_(None) | (articles.c.facts_version != EXTRACTOR_VERSION)


def _article_values(a: Article) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "key": a.key,
        "source": a.source,
        "source_item_id": a.source_item_id,
        "url": a.url,
        "title": a.title,
        "published_at": a.published_at,
        "category": a.category,
        "tags": list(a.tags),
        "html": a.html,
        "text": a.text,
        "raw_body": a.raw_body,
        "digest": a.digest,
        "content_hash": a.content_hash,
        "minhash": a.minhash or None,
        "meta": a.meta,
        "version": a.version,
        "fetched_at": a.fetched_at,
        "updated_at": now,
    }


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
