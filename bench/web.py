"""Web load benchmark: `caixun serve` on loopback under a bounded load.

Builds (or reuses) an archive of N articles (bench/search.py's builder: corpus
sentences, 40 sources), starts `caixun serve` in its own process, and for
each page class (home, search, article, API, feed) sends a fixed number of
requests at concurrency 1, 16 and 64 from one asyncio client (httpx), then
the same with the ETag of the first answer (If-None-Match: what a feed reader
or a browser revisiting sends). Reports requests/s, p50 and p99 in ms,
errors and the server's peak RSS; then one whole `/figures.csv` download
(time, size, and the server's peak RSS before and after it).

With `--baseline REF`, the same load runs in the same run against the server
of that git commit too (a worktree, on a copy of the archive brought back to
its schema), right after, so that the ratio is measured on the same machine
within minutes.

    .venv/bin/python bench/web.py --articles 100000 [--baseline 3c7b685] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from caixun.store import Store  # noqa: E402

CLASSES = {
    "home": lambda ids: "/",
    "search": lambda ids: "/search?q=" + random.choice(["人民币", "北向资金", "涨", "美元"]),
    "article": lambda ids: f"/article/{random.choice(ids)}.html",
    "api": lambda ids: "/api/articles?limit=20",
    "feed": lambda ids: "/feed.atom",
}


def build_archive(path: Path, n: int) -> None:
    from search import build

    store = Store(f"sqlite:///{path}")
    store.ensure_sources({f"媒体{i}": f"m{i}" for i in range(40)})
    build(store, n)
    from caixun.pipeline import rebuild_facts

    rebuild_facts(store, stale_only=False, workers=2)  # figures for /figures.csv
    store.close()


def schema_back(path: Path, to: int) -> None:
    """Undo, on a copy, the migrations newer than `to` that this benchmark's
    archive holds (an older caixun refuses a newer database)."""
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    if version >= 11 > to:
        conn.execute("ALTER TABLE source_state DROP COLUMN lease_holder")
    if version >= 9 > to:
        for table in ("delivery_attempts", "alert_outbox", "watch_matches", "watches"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    if version >= 8 > to:
        conn.execute("DROP TABLE IF EXISTS source_events")
        for col in ("broken", "empty_polls", "last_listed"):
            conn.execute(f"ALTER TABLE source_state DROP COLUMN {col}")
    conn.execute("DELETE FROM schema_migrations WHERE version > ?", (to,))
    conn.commit()
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, src: Path, db: Path):
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(src)}
        self.proc = subprocess.Popen([sys.executable, "-c", "from caixun.cli import main; main()", "--db", str(db), "serve",
                                      "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(f"{self.base}/api/sources", timeout=5)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit(f"server did not start: {self.proc.stderr.read().decode()[-2000:]}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


async def load(base: str, paths: list[str], concurrency: int, conditional: bool) -> dict:
    """Send every path once over `concurrency` keep-alive connections;
    latency per request. The client is raw asyncio HTTP/1.1 (a request line,
    then the status, headers and Content-Length body read back): httpx's
    pool cost more CPU per request than the server's cached answers, and
    client and server share the machine's two cores."""
    host, port = base.split("//", 1)[1].split(":")
    etags: dict[str, str] = {}
    if conditional:
        async with httpx.AsyncClient(base_url=base, timeout=60, headers={"Accept-Encoding": "gzip"}) as client:
            for p in set(paths):
                r = await client.get(p)
                if "etag" in r.headers:
                    etags[p] = r.headers["etag"]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    times: list[float] = []
    counts = {"errors": 0, "304": 0}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while not queue.empty():
                p = queue.get_nowait()
                extra = f"If-None-Match: {etags[p]}\r\n" if p in etags else ""
                t = time.perf_counter()
                writer.write(f"GET {quote(p, safe='/?=&')} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n{extra}\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                times.append(time.perf_counter() - t)
                if status == 304:
                    counts["304"] += 1
                elif status != 200:
                    counts["errors"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["errors"] += queue.qsize() + 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    times.sort()
    return {"rps": len(times) / wall, "p50": 1000 * statistics.median(times), "p99": 1000 * times[int(0.99 * (len(times) - 1))],
            "errors": counts["errors"], "304": counts["304"]}  # fmt: skip


def worktree(ref: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref], check=True, capture_output=True)
    return where / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="requests per page class and concurrency")
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--baseline", metavar="REF", help="also run the server of this git commit, right after")
    ap.add_argument("--baseline-schema", type=int, default=7, help="schema version of the baseline commit")
    ap.add_argument("--db", type=Path, help="reuse (or build) the archive at this path")
    ap.add_argument("--classes", default=",".join(CLASSES))
    ap.add_argument("--csv", action=argparse.BooleanOptionalAction, default=True, help="time one whole /figures.csv")
    ap.add_argument("--csv-timeout", type=float, default=600)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="caixun-web-"))
    db = args.db or tmp / "web.db"
    if not db.exists():
        build_archive(db, args.articles)
    Store(f"sqlite:///{db}").close()  # brought to this code's schema
    ids = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM articles ORDER BY random() LIMIT 2000")]
    servers = {"now": (ROOT / "src", db)}
    if args.baseline:
        base_db = tmp / "baseline.db"
        shutil.copyfile(db, base_db)
        schema_back(base_db, args.baseline_schema)
        servers[args.baseline] = (worktree(args.baseline, tmp / "baseline"), base_db)
    levels = [int(c) for c in args.concurrency.split(",")]
    classes = args.classes.split(",")
    print(f"# {args.articles:,} articles, {args.requests} requests per cell, {time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")  # fmt: skip
    print("| server | page | conc. | cond. | req/s | p50 ms | p99 ms | errors | 304 |")
    print("|---|---|---|---|---|---|---|---|---|")
    rss = {}
    random.seed(1)
    for name, (src, path) in servers.items():
        server = Server(src, path)
        try:
            for cls in classes:
                for conc in levels:
                    for conditional in (False, True):
                        paths = [CLASSES[cls](ids) for _ in range(args.requests)]
                        res = asyncio.run(load(server.base, paths, conc, conditional))
                        print(f"| {name} | {cls} | {conc} | {'yes' if conditional else 'no'} | {res['rps']:.0f} | {res['p50']:.1f} | "
                              f"{res['p99']:.1f} | {res['errors']} | {res['304']} |", flush=True)  # fmt: skip
            rss[name] = server.peak_rss_mb()
            if args.csv:
                t = time.perf_counter()
                with httpx.stream("GET", f"{server.base}/figures.csv", timeout=args.csv_timeout) as r:
                    size = sum(len(b) for b in r.iter_raw())
                took = time.perf_counter() - t
                print(f"/figures.csv ({name}): {took:.1f} s, {size / 1e6:.1f} MB, server peak RSS {rss[name]:.0f} -> "
                      f"{server.peak_rss_mb():.0f} MB", flush=True)  # fmt: skip
        finally:
            server.stop()
    for name, mb in rss.items():
        print(f"peak RSS of the server ({name}): {mb:.0f} MB")
    if args.baseline:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "baseline")], capture_output=True)


if __name__ == "__main__":
    main()
