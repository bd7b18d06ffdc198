"""The only code that speaks SQL. One interface, SQLite (default) and PostgreSQL.

Use-case methods only: callers never see a connection, a row or a dialect.
Nothing here assumes SQLite outside `_sqlite_pragmas`.

`Store` is one class made of parts, each a module of its own: sources and
their health and leases (sources.py), writing articles (writing.py),
search (searching.py, over the indexes of search.py), reading articles
(reading.py), figures and entities (facts_access.py, over the SQL of
facts.py); the watches' SQL is watches.py, the archive as of a moment
asof.py, copying between databases copy.py. This module opens the database
and holds what the parts share.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError

from caixun.store import schema
from caixun.store.changes import ChangeWatch
from caixun.store.facts import NO_FILTER, FigureFilter, FigureRow  # noqa: F401 (re-exported)
from caixun.store.facts_access import Facts, _facts_stale
from caixun.store.migrations import migrate
from caixun.store.reading import IndexEntry, Reading  # noqa: F401 (IndexEntry: re-exported)
from caixun.store.schema import article_history, articles
from caixun.store.search import for_backend as search_backend
from caixun.store.search import key_time
from caixun.store.searching import Searching, SearchPage  # noqa: F401 (SearchPage: re-exported)
from caixun.store.sources import Sources, health  # noqa: F401 (health: re-exported)
from caixun.store.sql import shared_file
from caixun.store.writing import Writing

if TYPE_CHECKING:
    from caixun.store.writing import _Bulk

# caixun.dedupe (and numpy with it, a tenth of a second) is imported by the
# writing methods only: commands that only read (serve, search, export) start
# without it.

DEFAULT_DB = "sqlite:///caixun.db"

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


class Store(Sources, Writing, Searching, Reading, Facts):
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
