"""Writing articles: batches in one transaction, edits with their history,
stories (near-duplicates), the search index and facts of each article, and
the watches' matches in the same transaction (the Store's part; see
caixun.store)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    select,
    update,
)

from caixun.enrich import EXTRACTOR_VERSION
from caixun.model import Article, FactRows, IngestResult
from caixun.store import facts as facts_sql
from caixun.store.schema import (
    article_history,
    articles,
    minhash_bands,
)
from caixun.store.search import IndexRow, allocate_keys
from caixun.store.sql import chunks, copy_text, driver_rows, insert_dicts, insert_rows, marks

if TYPE_CHECKING:
    from caixun.dedupe import Candidate

# Near-duplicate candidates compared per new article: those sharing most bands.
MAX_CANDIDATES = 50
# Members read per MinHash band (see _band_members).
BAND_MEMBERS = 20
_TEMP_ID = 1 << 62  # ids of articles of a run not inserted yet


@dataclass(slots=True)
class _Bulk:
    conn: Connection
    commit_every: int
    commit_after: float
    since: float  # time.monotonic() of the last commit
    uncommitted: int = 0


class Writing:
    """The Store's writing of articles (a mixin: `self` is the Store)."""

    # -- articles: writing -------------------------------------------------------

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                found.update(
                    conn.execute(select(articles.c.key).where(articles.c.key.in_(chunk))).scalars()
                )
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
            self._bulk = _Bulk(
                self.write_engine.connect(), commit_every, commit_after, time.monotonic()
            )
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
                if (
                    bulk.uncommitted >= bulk.commit_every
                    or time.monotonic() - bulk.since >= bulk.commit_after
                ):
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
                    art.url,
                    art.content_hash,
                    art.minhash,
                    candidates,
                    numbers=numbers_of(art.text),
                    text_of=stored.text_of,
                )
                temp_id = _TEMP_ID + i
                clusters.append(cluster)
                pending.add(
                    Candidate(
                        temp_id,
                        cluster or temp_id,
                        art.url,
                        art.content_hash,
                        art.minhash,
                        art.text,
                    ),
                    keys,
                )
        finally:
            stored.close()
        # The ids are taken before the insert, so that every row goes in with
        # its story: an UPDATE of the roots afterwards rewrote each new row and
        # its seven index entries on PostgreSQL (cluster_id is indexed).
        ids = _new_ids(conn, len(new))
        stories = [
            i if c is None else ids[c - _TEMP_ID] if c >= _TEMP_ID else c
            for i, c in zip(ids, clusters, strict=True)
        ]
        rows = []
        search_keys = allocate_keys(conn, [(a.key, a.published_at) for a, _ in new])
        for (art, _), new_id, story, skey in zip(new, ids, stories, search_keys, strict=True):
            values = _article_values(art)
            values["id"] = new_id
            values["cluster_id"] = story
            values["search_key"] = skey
            values["facts_version"] = EXTRACTOR_VERSION if art.facts is not None else None
            rows.append(values)
        insert_dicts(conn, articles, rows)
        _insert_bands(conn, ids, [keys for _, keys in new])
        self.search_index.add(
            conn,
            [
                IndexRow(k, i, a.source, a.title, a.text, a.search_tokens)
                for (a, _), i, k in zip(new, ids, search_keys, strict=True)
            ],
        )
        facts_sql.insert_facts(
            conn, [(i, a.facts) for (a, _), i in zip(new, ids, strict=True) if a.facts is not None]
        )
        if watching:  # in this transaction: the articles, their matches and alerts are stored together or not at all
            from caixun.store.watches import facts_of, record_matches

            # An imported old post (the Jekyll reader's, with its layout in meta) may be history; a polled item is news.
            result.matched += record_matches(conn, watching, [(i, c, a.published_at if "jekyll" in a.meta else None, facts_of(a))
                                                              for (a, _), i, c in zip(new, ids, stories, strict=True)],
                                             datetime.now(UTC))  # fmt: skip
        result.added += len(new)
        return result

    def _existing(self, conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
        cols = (
            articles.c.id,
            articles.c.key,
            articles.c.source,
            articles.c.content_hash,
            articles.c.title,
        )
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
                **{
                    k: old[k]
                    for k in (
                        "title",
                        "html",
                        "text",
                        "raw_body",
                        "digest",
                        "content_hash",
                        "published_at",
                    )
                },
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
        self.search_index.remove(
            conn, [IndexRow(old["search_key"], old["id"], old["source"], old["title"], old["text"])]
        )
        self.search_index.add(
            conn,
            [
                IndexRow(
                    values["search_key"],
                    old["id"],
                    art.source,
                    art.title,
                    art.text,
                    art.search_tokens,
                )
            ],
        )
        conn.execute(delete(minhash_bands).where(minhash_bands.c.article_id == old["id"]))
        from caixun.dedupe import band_keys

        _insert_bands(conn, [old["id"]], [band_keys(art.minhash)])
        # The old facts describe the old text: replace them (none if the new ones were not extracted).
        facts_sql.replace_facts(
            conn,
            [(old["id"], art.facts or FactRows())],
            EXTRACTOR_VERSION if art.facts is not None else None,
        )


def _new_ids(conn: Connection, n: int) -> list[int]:
    """Ids for `n` new articles, ascending (so that "oldest story wins" holds):
    from the id sequence on PostgreSQL (safe beside other writers); on SQLite
    the ones its rowid would take, max(id) + 1 on, which no one else can take
    inside this write transaction (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        rows = driver_rows(conn, "SELECT nextval(pg_get_serial_sequence('articles', 'id')) "
                                 "FROM generate_series(1, {marks})", [n])  # fmt: skip
        return sorted(i for (i,) in rows)
    top = conn.execute(select(func.max(articles.c.id))).scalar() or 0
    return list(range(top + 1, top + 1 + n))


def _insert_bands(conn: Connection, ids: list[int], keys_of: list[list[int]]) -> None:
    """The band rows of articles (`ids[i]` has the bands `keys_of[i]`), straight
    through the driver: two integers need no type processing, and
    SQLAlchemy's per-row parameter handling was a third of import time (32
    rows per article). On PostgreSQL they go as one block of COPY text,
    written here: psycopg's escaping row by row was most of the writer's
    cost of the 32 rows."""
    if conn.dialect.name == "postgresql":
        # In key order: the primary key's pages are then visited in order (the
        # COPY took 9.0 s -> 7.1 s of the server's time at 100,000 articles).
        rows = sorted([(k, i) for i, keys in zip(ids, keys_of, strict=True) for k in set(keys)])
        block = "".join([f"{k}\t{i}\n" for k, i in rows])
        if block:
            copy_text(conn, "minhash_bands", ("band_key", "article_id"), block)
        return
    rows = [(k, i) for i, keys in zip(ids, keys_of, strict=True) for k in set(keys)]
    insert_rows(conn, "minhash_bands", ("band_key", "article_id"), rows)


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
        for key, ids in driver_rows(conn, sql, list(keys), mark="(?)"):
            if ids:
                found[key] = [int(i) for i in ids.split(",")]
        return found
    # The same walk down the primary key, stopping after BAND_MEMBERS, as a
    # lateral join (a window function numbered every member of each band
    # first: 0.15 s against 0.065 s for a run of 500 articles at 100,000).
    sql = ("SELECT k.key, m.article_id FROM unnest({marks}::bigint[]) AS k(key) CROSS JOIN LATERAL "
           "(SELECT article_id FROM minhash_bands WHERE band_key = k.key "
           f"ORDER BY article_id DESC LIMIT {BAND_MEMBERS}) AS m")  # fmt: skip
    # Keys in order, for the same reason as the band rows (10.4 s -> 8.7 s).
    for key, article_id in driver_rows(conn, sql, ["{" + ",".join(map(str, sorted(keys))) + "}"]):
        found.setdefault(key, []).append(article_id)
    return found


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
            exact = set(by_hash.get(art.content_hash, ())) | set(
                by_url.get(art.url, ()) if art.url else ()
            )
            hits = Counter(i for k in keys for i in by_band.get(k, ()))
            near = [
                i for i, _ in sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[:MAX_CANDIDATES]
            ]
            self.chosen.append(sorted(exact | set(near), reverse=True))
        from caixun.dedupe import Candidate

        self.rows: dict[int, Candidate] = {}
        wanted = sorted({i for ids in self.chosen for i in ids})
        for i, c, u, h, m in driver_rows(
            conn,
            "SELECT id, cluster_id, url, content_hash, minhash FROM articles WHERE id IN ({marks})",
            wanted,
        ):
            self.rows[i] = Candidate(i, c or i, u or "", h, bytes(m or b""))
        self._texts: dict[int, str] = {}
        self._cursor = None
        self._text_sql = f"SELECT text FROM articles WHERE id = {marks(conn, 1)}"

    def _ids(self, column: str, values: set) -> dict[Any, list[int]]:
        found: dict[Any, list[int]] = {}
        for value, article_id in driver_rows(
            self.conn,
            f"SELECT {column}, id FROM articles WHERE {column} IN ({{marks}})",
            list(values),
        ):
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
