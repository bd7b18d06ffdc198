"""Versioned migrations, recorded in `schema_migrations`.

Each migration is (version, name, function taking a Connection). A fresh
database gets the current schema from `schema.py` at once and every version
recorded; an existing one runs, in order, the migrations newer than its
version. A database newer than this code is refused.

Two processes may open a new database at once (`caixun run` and a command
beside it): the migrating is done in one transaction that holds the
database's write lock (SQLite's BEGIN IMMEDIATE, a PostgreSQL advisory
lock), and the version is read again under it, so the second process finds
the work done instead of creating the tables a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, bindparam, inspect, select, update

from caixun.store import schema, search


class SchemaError(RuntimeError):
    pass


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _search(conn: Connection) -> None:
    """Search keys and the full-text index, filled from the stored articles."""
    if "search_key" not in {c["name"] for c in inspect(conn).get_columns("articles")}:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN search_key BIGINT")
        conn.exec_driver_sql("CREATE UNIQUE INDEX ix_articles_search_key ON articles (search_key)")
        conn.exec_driver_sql("CREATE INDEX ix_articles_source_search_key ON articles (source, search_key)")
    index = search.for_backend(conn.dialect.name)
    index.create(conn)
    a = schema.articles
    last = 0
    while True:
        rows = conn.execute(
            select(a.c.id, a.c.key, a.c.published_at, a.c.source, a.c.title, a.c.text).where(a.c.id > last).order_by(a.c.id).limit(1000)
        ).all()
        if not rows:
            return
        keys = search.allocate_keys(conn, [(r.key, r.published_at) for r in rows])
        conn.execute(update(a).where(a.c.id == bindparam("i")).values(search_key=bindparam("k")),
                     [{"i": r.id, "k": k} for r, k in zip(rows, keys, strict=True)])  # fmt: skip
        index.add(conn, [search.IndexRow(k, r.id, r.source, r.title, r.text) for r, k in zip(rows, keys, strict=True)])
        last = rows[-1].id


def _leaner_writes(conn: Connection) -> None:
    """Fewer b-trees written per article: publication order is `search_key`
    now, so the published_at indexes go, as does an unused one; on SQLite
    the band table keeps its rows in its primary key (WITHOUT ROWID)."""
    for name in ("ix_articles_source_item", "ix_articles_published", "ix_articles_source_published"):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TABLE minhash_bands_new (band_key BIGINT NOT NULL, article_id BIGINT NOT NULL,"
            " PRIMARY KEY (band_key, article_id)) WITHOUT ROWID"
        )
        conn.exec_driver_sql("INSERT INTO minhash_bands_new SELECT band_key, article_id FROM minhash_bands")
        conn.exec_driver_sql("DROP TABLE minhash_bands")
        conn.exec_driver_sql("ALTER TABLE minhash_bands_new RENAME TO minhash_bands")


def _facts(conn: Connection) -> None:
    """Tables for figures and entities. Existing articles keep facts_version
    NULL: pages extract their facts when shown until `caixun facts --rebuild`
    stores them (extracting a large archive inside a migration would hold the
    start of every command for minutes)."""
    if "facts_version" not in {c["name"] for c in inspect(conn).get_columns("articles")}:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN facts_version INTEGER")
    schema.figures.create(conn, checkfirst=True)
    schema.entities.create(conn, checkfirst=True)


def _export_index(conn: Connection) -> None:
    """On SQLite, the index of a source's articles in publication order also
    holds what an export's index reads (id, version, story, tags), so that
    read scans the index instead of every row with its text: 90 → 45 ms at
    20,000 articles. It replaces the narrower index, so writes pay no extra
    b-tree. PostgreSQL keeps the narrow one: it reads a whole table in a
    sequential scan either way."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_source_search_key")
        conn.exec_driver_sql(
            "CREATE INDEX ix_articles_source_search_key ON articles (source, search_key, id, version, cluster_id, tags)"
        )


def _trigrams(conn: Connection) -> None:
    """On SQLite, a trigram index for long Chinese terms beside the bigram
    one. It starts empty: `caixun index` (or `caixun run`, between polls)
    fills it; until then searches count with the bigram index as before."""
    if conn.dialect.name == "sqlite":
        search.SqliteSearch.create_trigrams(conn)


def _token_docs(conn: Connection) -> None:
    """On SQLite, the number of articles holding each Chinese character and
    bigram, for counting one- and two-character queries. Starts empty, filled
    like the trigram index."""
    if conn.dialect.name == "sqlite":
        search.SqliteSearch.create_token_docs(conn)


def _source_health(conn: Connection) -> None:
    """Broken sources told apart from failing ones, and empty answers counted."""
    have = {c["name"] for c in inspect(conn).get_columns("source_state")}
    if "broken" not in have:
        conn.exec_driver_sql("ALTER TABLE source_state ADD COLUMN broken TEXT")
        conn.exec_driver_sql("ALTER TABLE source_state ADD COLUMN empty_polls INTEGER NOT NULL DEFAULT 0")
        conn.exec_driver_sql("ALTER TABLE source_state ADD COLUMN last_listed INTEGER")
    schema.source_events.create(conn, checkfirst=True)


def _watches(conn: Connection) -> None:
    """Watches, their matches and the alerts' outbox (caixun.watch)."""
    for table in (schema.watches, schema.watch_matches, schema.alert_outbox, schema.delivery_attempts):
        table.create(conn, checkfirst=True)


def _fold_traditional(conn: Connection) -> None:
    """Search folds Traditional characters to Simplified now (證券 finds 证券):
    the articles that have any are indexed again, taken out with the tokens
    they were indexed with and put back with the folded ones. On SQLite, if
    there were any, the indexes filled after the fact (trigrams, character
    counts) start over; `caixun index` or `caixun run` fills them again, and
    until then searches count with the bigram index. One read of every
    article's text (measured in docs/benchmarks.md)."""
    from caixun.han import has_traditional
    from caixun.searchtext import index_text

    a = schema.articles
    index = search.for_backend(conn.dialect.name)
    sqlite = conn.dialect.name == "sqlite"
    last, found = 0, 0
    while True:
        rows = conn.execute(select(a.c.id, a.c.search_key, a.c.source, a.c.title, a.c.text)
                            .where(a.c.id > last, a.c.search_key.is_not(None)).order_by(a.c.id).limit(1000)).all()  # fmt: skip
        if not rows:
            break
        last = rows[-1].id
        hit = [r for r in rows if has_traditional(r.title) or has_traditional(r.text)]
        if not hit:
            continue
        found += len(hit)
        fresh = [search.IndexRow(r.search_key, r.id, r.source, r.title, r.text) for r in hit]
        if sqlite:
            sql = "INSERT INTO article_fts (article_fts, rowid, title, body, src) VALUES ('delete', ?, ?, ?, ?)"
            conn.exec_driver_sql(sql, [(r.search_key, index_text(r.title, traditional_folded=False),
                                        index_text(r.text, traditional_folded=False), search.source_token(r.source))
                                       for r in hit])  # fmt: skip
            conn.exec_driver_sql("INSERT INTO article_fts (rowid, title, body, src) VALUES (?, ?, ?, ?)",
                                 [(r.key, *r.token_strings(), search.source_token(r.source)) for r in fresh])  # fmt: skip
        else:
            index.remove(conn, fresh)
            index.add(conn, fresh)
    if found and sqlite:
        conn.exec_driver_sql("INSERT INTO article_tri (article_tri) VALUES ('delete-all')")
        conn.exec_driver_sql("DELETE FROM token_docs")
        conn.exec_driver_sql("UPDATE search_progress SET upto = 0 WHERE name IN ('trigram', 'token_docs')")


def _leases(conn: Connection) -> None:
    """Pollers' leases on sources (caixun.store.leases): who polls a source now."""
    if "lease_holder" not in {c["name"] for c in inspect(conn).get_columns("source_state")}:
        conn.exec_driver_sql("ALTER TABLE source_state ADD COLUMN lease_holder VARCHAR(100)")


def _figure_measures(conn: Connection) -> None:
    """What each figure measures (caixun.enrich.measures). Stored figures get
    theirs when re-extracted: `caixun facts --rebuild --stale` (EXTRACTOR_VERSION 61)."""
    if "measure" not in {c["name"] for c in inspect(conn).get_columns("figures")}:
        conn.exec_driver_sql("ALTER TABLE figures ADD COLUMN measure VARCHAR(12)")


def _source_lexemes(conn: Connection) -> None:
    """PostgreSQL: each article's source as a lexeme of its tsvector
    (caixun.store.search.source_lexeme), so that a source filter is answered
    by the GIN index alone. About ten minutes per 1,000,000 articles on a
    2-core machine (one UPDATE of every row and its GIN entries)."""
    if conn.dialect.name == "postgresql" and inspect(conn).has_table("article_search"):
        prefix = search.source_lexeme("")  # 'src:'
        conn.exec_driver_sql(f"UPDATE article_search SET vector = vector || array_to_tsvector(ARRAY['{prefix}' || src])")


def _lz4_toast(conn: Connection) -> None:
    """PostgreSQL: texts, signatures and search vectors compressed with lz4
    where the server has it (15 in Debian does): a PostgreSQL import of
    20,000 posts 3% faster than with the default pglz, and reading a long
    value back is faster too. Values written before keep their compression
    until rewritten."""
    if conn.dialect.name != "postgresql":
        return
    if conn.exec_driver_sql("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)").first() is None:
        return  # a server built without lz4: pglz as before
    columns = conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND data_type IN ('text', 'bytea', 'tsvector', 'character varying') AND character_maximum_length IS NULL"
    ).all()
    for table, column in columns:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION lz4')


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema: articles, history, bands, sources, source state", _initial),
    (2, "search keys and the Chinese full-text index", _search),
    (3, "leaner writes: fewer article indexes, band rows without rowid on SQLite", _leaner_writes),
    (4, "figures and entities of each article", _facts),
    (5, "the export's index read from an index on SQLite", _export_index),
    (6, "a trigram index of long Chinese terms on SQLite, filled after the fact", _trigrams),
    (7, "document counts of Chinese characters and bigrams on SQLite, filled after the fact", _token_docs),
    (8, "source health: broken sources and empty answers", _source_health),
    (9, "watches, their matches and the alerts' outbox", _watches),
    (10, "search folds Traditional characters to Simplified", _fold_traditional),
    (11, "pollers' leases on sources", _leases),
    (12, "what each figure measures: level, change on the year or month, share, target, forecast", _figure_measures),
    (13, "PostgreSQL: the source in each article's search vector", _source_lexemes),
    (14, "PostgreSQL: lz4 for long values", _lz4_toast),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_migrations"):
        return None
    return conn.execute(select(schema.schema_migrations.c.version).order_by(schema.schema_migrations.c.version.desc()).limit(1)).scalar()


def migrate(engine: Engine) -> list[int]:
    """Bring the database to LATEST; returns the versions applied."""
    with engine.connect() as conn:
        version = current_version(conn)
    if version is not None and version > LATEST:
        raise SchemaError(f"database schema version {version} is newer than this caixun ({LATEST}); upgrade caixun")
    if version == LATEST:
        return []  # the usual case: no lock taken
    with _write_locked(engine) as conn:
        return _migrate(conn, current_version(conn))  # read again: another process may have done it


@contextmanager
def _write_locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the database's write lock from its start."""
    if engine.dialect.name == "sqlite":
        # The driver would open its transaction only at the first INSERT and
        # let DDL run outside it: begin it ourselves, taking the lock at once
        # (another process waits up to busy_timeout for it).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.exec_driver_sql("COMMIT")
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4206291)")  # caixun's migrations; released at commit
            yield conn


def _migrate(conn: Connection, version: int | None) -> list[int]:
    now = datetime.now(UTC)
    if version is None:
        schema.metadata.create_all(conn)
        search.for_backend(conn.dialect.name).create(conn)
        _export_index(conn)
        _lz4_toast(conn)
        conn.execute(
            schema.schema_migrations.insert(),
            [{"version": v, "name": n, "applied_at": now} for v, n, _ in MIGRATIONS],
        )
        return [v for v, _, _ in MIGRATIONS]
    applied = []
    for v, name, step in MIGRATIONS:
        if v > version:
            step(conn)
            conn.execute(schema.schema_migrations.insert().values(version=v, name=name, applied_at=now))
            applied.append(v)
    return applied
