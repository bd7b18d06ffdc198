"""Re-extraction benchmark: `caixun facts --rebuild` in one process, with its
extraction worker process, and on a Dask LocalCluster of 1 and 2 workers,
side by side on the same archive, taking turns in each run.

Builds an archive of N articles from corpus sentences (as bench/search.py
does), then for each way forgets every stored fact and rebuilds them,
timing the wall clock; reports articles/s and characters/s (median of the
runs) and what 100,000,000 articles would take at that rate per worker.

    .venv/bin/python bench/rebuild.py --articles 20000 [--runs 3] [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from sqlalchemy import delete, func, select, update  # noqa: E402

from caixun.store import Store  # noqa: E402
from caixun.store.schema import articles, entities, figures  # noqa: E402

WAYS = {
    "one process": ["--workers", "0"],
    "one process + 1 extraction process": ["--workers", "1"],
    "Dask LocalCluster, 1 worker": ["--dask", "local", "--workers", "1"],
    "Dask LocalCluster, 2 workers": ["--dask", "local", "--workers", "2"],
}


def forget(url: str) -> None:
    with Store(url) as s, s.write_engine.begin() as conn:
        conn.execute(delete(figures))
        conn.execute(delete(entities))
        conn.execute(update(articles).values(facts_version=None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", help="a PostgreSQL URL to use (wiped); default a SQLite file in a temporary directory")
    args = ap.parse_args()
    from search import build

    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='caixun-rebuild-')) / 'r.db'}"
    if args.db:
        from sqlalchemy import create_engine, text

        engine = create_engine(args.db)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    with Store(url) as store:
        build(store, args.articles)
        with store.engine.connect() as conn:
            chars = conn.execute(select(func.sum(func.length(articles.c.text)))).scalar()
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    for run in range(args.runs):
        for way, flags in WAYS.items():
            forget(url)
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", url, "facts", "--rebuild", *flags],
                                  capture_output=True, text=True)  # fmt: skip
            times[way].append(time.perf_counter() - t)
            if done.returncode != 0:
                raise SystemExit(f"{way}: {done.stderr}")
            print(f"  run {run + 1} {way}: {times[way][-1]:.1f} s", file=sys.stderr)
    print(f"\n{args.articles:,} articles, {chars:,} characters, {'PostgreSQL' if args.db else 'SQLite'}, {args.runs} runs (median)\n")
    print("| way | seconds | articles/s | chars/s | 100M articles at this rate |")
    print("|---|---|---|---|---|")
    for way, ts in times.items():
        t = statistics.median(ts)
        rate = args.articles / t
        print(f"| {way} | {t:.1f} | {rate:,.0f} | {chars / t:,.0f} | {1e8 / rate / 3600:,.1f} h |")


if __name__ == "__main__":
    main()
