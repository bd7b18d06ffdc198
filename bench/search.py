"""Search benchmark: the store's Chinese index against a plain LIKE scan.

Builds an archive of N articles made by mixing sentences of the corpus posts
(figures randomized), written straight through the store's tables and search
index (no dedupe: this measures search, not import), then for each query class
times `Store.search` (first page of 20, newest first, with the total count)
and a LIKE scan giving the same page and count, and checks that both find the
same articles.

    .venv/bin/python bench/search.py --articles 100000 [--db sqlite|postgresql://...] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from sqlalchemy import insert, text  # noqa: E402

from caixun.store import Store  # noqa: E402
from caixun.store import search as search_module  # noqa: E402
from caixun.store.schema import articles  # noqa: E402
from caixun.store.search import IndexRow, allocate_keys  # noqa: E402

UNINDEXED_MAX = search_module.UNINDEXED_MAX

QUERIES = {
    "1 char": ["涨", "降"],
    "2 chars": ["茅台", "介休", "降准", "港股", "美元", "北向"],
    "3-4 chars": ["人民币", "北向资金", "贵州茅台"],
    "multi-word": ["人民币 汇率", "北向资金 净流入"],
}
# The same frequent terms within one source (of 40): counted in the bigram
# index, as token_docs holds totals of the whole archive only.
BY_SOURCE = {"1 char, 1 source": ["涨", "降"], "2 chars, 1 source": ["美元", "介休"]}
SOURCE = "媒体7"
# The same terms within one month of the 13 years the archive spans (about 6,400 articles).
BY_DATE = {"1 char, 1 month": ["涨", "降"], "2 chars, 1 month": ["美元", "介休"]}
MONTH = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))


def build(store: Store, n: int, seed: int = 3) -> float:
    from ingest import sentences

    pool = sentences()
    rng = random.Random(seed)
    t0 = datetime(2021, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    batch = 5000
    for b in range(0, n, batch):
        rows, idx = [], []
        pairs = []
        for i in range(b, min(n, b + batch)):
            body = "".join(rng.sample(pool, rng.randint(2, 6)))
            body = re.sub(r"\d+(\.\d+)?", lambda m: str(rng.randint(1, 9999)), body)
            published = t0 + timedelta(minutes=7 * i + rng.randint(0, 6))
            rows.append({"key": f"b:{i}", "source": f"媒体{i % 40}", "source_item_id": str(i), "url": "", "title": body[:24],
                         "published_at": published, "category": f"m{i % 40}", "tags": [], "html": "", "text": body,
                         "raw_body": "", "digest": "", "content_hash": str(i), "meta": {}, "version": 1,
                         "fetched_at": published, "updated_at": published})  # fmt: skip
            pairs.append((f"b:{i}", published))
        with store.engine.begin() as conn:
            keys = allocate_keys(conn, pairs)
            for r, k in zip(rows, keys, strict=True):
                r["search_key"] = k
            conn.execute(insert(articles), rows)
            ids = dict(conn.execute(text("SELECT search_key, id FROM articles WHERE search_key >= :lo"), {"lo": min(keys)}).all())
            for r in rows:
                idx.append(IndexRow(r["search_key"], ids[r["search_key"]], r["source"], r["title"], r["text"]))
            store.search_index.add(conn, idx)
        print(f"\r  built {min(n, b + batch):,} / {n:,}", end="", file=sys.stderr)
    print(file=sys.stderr)
    if store.backend == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - start


def like_page(store: Store, q: str, limit: int = 20, source: str | None = None, since=None, until=None) -> tuple[int, list[int]]:
    terms = q.split()
    where = " AND ".join(f"(title LIKE :t{i} OR text LIKE :t{i})" for i in range(len(terms)))
    params = {f"t{i}": f"%{t}%" for i, t in enumerate(terms)}
    if source:
        where += " AND source = :src"
        params["src"] = source
    if since is not None:
        where += " AND published_at >= :since AND published_at < :until"
        params.update(since=since, until=until)
    with store.engine.connect() as conn:
        total = conn.execute(text(f"SELECT count(*) FROM articles WHERE {where}"), params).scalar_one()
        ids = conn.execute(text(f"SELECT id FROM articles WHERE {where} ORDER BY search_key DESC LIMIT {limit}"), params).scalars().all()
    return total, list(ids)


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", default="sqlite", help="sqlite (a temporary file) or a postgresql:// URL (its tables are replaced)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--like-runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="SQLite file to build into and keep (reused when it exists)")
    ap.add_argument("--reuse", action="store_true", help="PostgreSQL: use the database as it is when it holds --articles articles")
    ap.add_argument("--build-only", action="store_true", help="build the archive, measure nothing")
    args = ap.parse_args()
    if args.db == "sqlite":
        path = args.keep or Path(tempfile.mkdtemp(prefix="caixun-search-")) / "search.db"
        url, reuse = f"sqlite:///{path}", path.exists()
    else:
        url, reuse = args.db, False
        from sqlalchemy import create_engine

        from caixun.store import database_url

        eng = create_engine(database_url(url))
        with eng.begin() as conn:
            if args.reuse:
                try:
                    reuse = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() == args.articles
                except Exception:  # no table yet
                    reuse = False
        if not reuse:
            with eng.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        eng.dispose()
    store = Store(url)
    # Cold queries: a total repeated with nothing committed in between would
    # come from the store's cache of totals (caixun.store.search.COUNT_CACHE).
    search_module.COUNT_CACHE = False
    if not reuse:
        build_s = build(store, args.articles)
        print(f"built {args.articles:,} articles in {build_s:.0f} s ({args.articles / build_s:,.0f}/s)")
    if args.build_only:
        return
    backlog = store.search_backlog()
    t = time.perf_counter()
    added = store.index_backlog()
    if added:
        took = time.perf_counter() - t
        print(f"trigram index and token counts: {added:,} articles added in {took:.0f} s ({added / took:,.0f}/s; `caixun index`)")
    elif backlog:
        print(f"trigram index and token counts: {backlog:,} articles not added")
    n = store.count_articles()
    print(f"\n{n:,} articles on {store.backend}; p50 / p95 ms of {args.runs} runs (index), {args.like_runs} runs (LIKE);"
          " 'bigrams only': the same code counting without the trigram index and token counts")
    print("| class | query | hits | index p50 | index p95 | bigrams only p95 | LIKE p50 | LIKE p95 | same results |\n"
          "|---|---|---|---|---|---|---|---|---|")
    worst: dict[str, float] = {}
    worst_bigram: dict[str, float] = {}
    cases = [(cls, q, {}) for cls, qs in QUERIES.items() for q in qs]
    cases += [(cls, q, {"source": SOURCE}) for cls, qs in BY_SOURCE.items() for q in qs]
    cases += [(cls, q, {"since": MONTH[0], "until": MONTH[1]}) for cls, qs in BY_DATE.items() for q in qs]
    for cls, q, f in cases:
        idx_ms = timed(lambda q=q, f=f: store.search(q, limit=20, **f), args.runs)
        search_module.UNINDEXED_MAX = -1  # every count from the bigram index
        bigram_ms = timed(lambda q=q, f=f: store.search(q, limit=20, **f), args.runs)
        search_module.UNINDEXED_MAX = UNINDEXED_MAX
        like_ms = timed(lambda q=q, f=f: like_page(store, q, **f), args.like_runs)
        page = store.search(q, limit=20, **f)
        total, like_ids = like_page(store, q, **f)
        every = set(store.search_ids(q, **f))
        # PostgreSQL's total is its estimate above search.ESTIMATE_ABOVE (page.exact False)
        counted = page.total == total or not page.exact
        same = counted and [a.id for a in page.articles] == like_ids and len(every) == total
        search_module.UNINDEXED_MAX = -1
        again = store.search(q, limit=20, **f)
        same_bigram = again.total == total or not again.exact
        search_module.UNINDEXED_MAX = UNINDEXED_MAX
        print(f"| {cls} | {q} | {total:,} | {pct(idx_ms, 50):.1f} | {pct(idx_ms, 95):.1f} | {pct(bigram_ms, 95):.1f} | "
              f"{statistics.median(like_ms):.0f} | {pct(like_ms, 95):.0f} | {'yes' if same and same_bigram else 'NO'} |")  # fmt: skip
        worst[cls] = max(worst.get(cls, 0), pct(idx_ms, 95))
        worst_bigram[cls] = max(worst_bigram.get(cls, 0), pct(bigram_ms, 95))
    print("\nworst p95 per class (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in worst.items()))
    print("the same, bigrams only (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in worst_bigram.items()))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, {datetime.now():%Y-%m-%d}")
    store.close()


if __name__ == "__main__":
    main()
