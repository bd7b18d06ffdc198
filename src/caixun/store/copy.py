"""`caixun copy --to URL`: the whole archive into another, empty database
(SQLite to PostgreSQL when one file is outgrown, or back).

Every table is copied row for row with its ids (articles, their history,
stories, minhash bands, figures and entities, sources and their health,
watches, matches and the alerts' outbox with every delivery attempt), in
chunks along the primary key, so memory stays flat. The search index is not
copied but made again in the target's own form (FTS5 on SQLite, tsvectors on
PostgreSQL; SQLite's trigram index and character counts are then filled by
`caixun index` or `caixun run`, as after an import). On PostgreSQL the id
sequences are moved past the copied ids. `caixun export jsonl` of the source
and of the copy are identical (tests/test_copy.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, func, insert, select, text

from caixun.store import schema
from caixun.store.search import IndexRow

# Parents before children (foreign keys).
TABLES: tuple[Table, ...] = (
    schema.sources, schema.articles, schema.article_history, schema.minhash_bands, schema.source_state,
    schema.source_events, schema.figures, schema.entities, schema.watches, schema.watch_matches,
    schema.alert_outbox, schema.delivery_attempts,
)  # fmt: skip
CHUNK = 2000


class CopyError(Exception):
    pass


def copy_archive(src, dst, on_progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of `src` (a Store) into `dst` (a Store whose database
    holds no articles and no watches); returns rows copied per table."""
    with dst.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(schema.articles)).scalar() or \
                conn.execute(select(func.count()).select_from(schema.watches)).scalar():  # fmt: skip
            raise CopyError(f"{dst.safe_url} is not empty: copy into a new database")
    counts = {}
    for table in TABLES:
        counts[table.name] = _copy_table(src, dst, table, on_progress)
    if dst.backend == "postgresql":
        with dst.write_engine.begin() as conn:
            for table in TABLES:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"GREATEST(COALESCE((SELECT max(id) FROM {table.name}), 0), 1))"))  # fmt: skip
    return counts


def _copy_table(src, dst, table: Table, on_progress) -> int:
    keys = list(table.primary_key.columns)
    n = 0
    last: tuple | None = None
    while True:
        q = select(table).order_by(*keys).limit(CHUNK)
        if last is not None:
            q = q.where(_after(keys, last))
        with src.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        if not rows:
            return n
        with dst.write_engine.begin() as conn:
            conn.execute(insert(table), rows)
            if table is schema.articles:
                dst.search_index.add(conn, [IndexRow(r["search_key"], r["id"], r["source"], r["title"], r["text"])
                                            for r in rows if r["search_key"] is not None])  # fmt: skip
        n += len(rows)
        last = tuple(rows[-1][k.name] for k in keys)
        if on_progress:
            on_progress(table.name, len(rows))


def _after(keys: list, last: tuple):
    """Rows after `last` in primary-key order (keyset paging)."""
    from sqlalchemy import and_, or_

    if len(keys) == 1:
        return keys[0] > last[0]
    return or_(keys[0] > last[0], and_(keys[0] == last[0], _after(keys[1:], last[1:])))
