"""`caixun facts --rebuild --dask SCHEDULER`: re-extraction mapped over id
ranges on a Dask cluster.

Extraction is a pure function of an article's text and date, so the archive
splits into ranges of ids, and each range is a task that a Dask worker runs on
its own: it opens the database (the same URL: PostgreSQL, which every machine
of the cluster reaches; SQLite works for a LocalCluster on one machine),
reads its articles, extracts and stores their facts, 500 per transaction,
and returns what it did. Nothing but the URL and two ids travels to a
worker, and only counts come back. The result is the one-process rebuild's
(tests/test_dask.py compares the stored facts by digest).

`--dask local` starts a LocalCluster of `--workers` processes (2 by
default) for the time of the rebuild; any other value is a scheduler's
address (`tcp://10.0.0.5:8786`) of a cluster started with `dask scheduler`
and `dask worker` on the machines, each with caixun installed.

Dask (`pip install 'caixun[dask]'`) was chosen over Ray: it maps plain
functions over partitions with `Client.map`, its LocalCluster needs no
daemon, and its scheduler is one pip-installable process.
"""

from __future__ import annotations

from collections.abc import Callable

RANGE = 20_000  # article ids per task: a few seconds of work, many tasks per worker


def rebuild_range(url: str, after: int, upto: int, stale_only: bool) -> tuple[int, list[tuple[int, str]]]:
    """On a worker: extract and store the facts of the articles with ids in
    (after, upto]; returns (articles stored, failures)."""
    from caixun.pipeline import rebuild_facts
    from caixun.store import Store

    with Store(url) as store:
        return rebuild_facts(store, stale_only=stale_only, after=after, upto=upto)


def id_ranges(lo: int, hi: int, size: int | None = None) -> list[tuple[int, int]]:
    """(after, upto] ranges covering ids lo..hi, RANGE ids each (pure)."""
    size = size or RANGE
    if hi < lo or hi == 0:
        return []
    return [(start, min(start + size, hi)) for start in range(lo - 1, hi, size)]


def rebuild_facts_dask(store, scheduler: str, *, stale_only: bool = False, workers: int = 2,
                       on_progress: Callable[[int], None] | None = None) -> tuple[int, list[tuple[int, str]]]:  # fmt: skip
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) \
        if scheduler == "local" else None  # fmt: skip
    stored, failures = 0, []
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            ranges = id_ranges(*store.id_range())
            futures = [client.submit(rebuild_range, store.url, a, b, stale_only, pure=False) for a, b in ranges]
            for fut in as_completed(futures):
                n, failed = fut.result()
                stored += n
                failures.extend(failed)
                if on_progress:
                    on_progress(n)
    finally:
        if cluster is not None:
            cluster.close()
    return stored, failures
