"""Crash safety, proven: `kill -9` of `caixun import`, `fetch`, `run`, `index`
and `export site` at random moments (30 kills per command on SQLite, 10 on
PostgreSQL), then a complete run, then the checks a user would make:

- every article of the input stored once, none twice;
- `PRAGMA integrity_check` is ok (SQLite);
- search totals equal a plain substring count;
- facts present for every article;
- the export after the kills equals a clean export (`diff -r`);
- no process of the killed command is left behind (export and import workers).

The kills land anywhere: during start-up, in a write transaction, between a
page and the manifest of an export. The seed is fixed per run, printed on
failure, and the moments are spread over the command's measured duration.
"""

from __future__ import annotations

import filecmp
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caixun.store import Store
from caixun.store.schema import articles
from tests.conftest import flash_post

pytestmark = pytest.mark.crash

KILLS = {"sqlite": 30, "postgres": 10}
POSTS = 2400  # enough that an import runs for a second or two (and leaves work for `caixun index`)
TERMS = ["人民币", "涨", "央行", "原油", "资金净流入", "债市", "编号"]  # Chinese: search finds substrings (numbers are whole tokens)
WORDS = ["人民币汇率走强", "沪指收涨", "央行开展逆回购", "国际原油走低", "北向资金净流入", "债市震荡"]


def post_text(i: int) -> tuple[str, str]:
    """The title and body of invented post i (distinct, with the search terms spread unevenly)."""
    title = f"第{i}号快讯：{WORDS[i % len(WORDS)]}"
    body = f"{WORDS[(i * 7) % len(WORDS)]}，{WORDS[(i * 3 + 1) % len(WORDS)]}。编号{i}，报{i % 97}.{i % 10}元。"
    return title, body


def write_posts(directory: Path, n: int = POSTS) -> list[tuple[str, str]]:
    directory.mkdir(parents=True, exist_ok=True)
    texts = []
    for i in range(n):
        title, body = post_text(i)
        day = 1 + i % 28
        date = f"2023-03-{day:02d} {9 + i % 8:02d}:{i % 60:02d}:{(i // 60) % 60:02d}"
        item_id = f"2023030{day % 10}{i:011d}"
        (directory / f"2023-03-{day:02d}-{item_id}.md").write_text(flash_post(item_id, title, body, date=date), encoding="utf-8")
        texts.append((title, body))
    return texts


def rss(items: range) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>崩溃测试</title>'
             "<link>http://crash.example.org/</link><description>d</description>"]  # fmt: skip
    for i in items:
        title, body = post_text(i)
        parts.append(f"<item><title>{title}</title><link>http://crash.example.org/a/{i}</link><guid>crash-{i}</guid>"
                     f"<pubDate>Wed, 01 Mar 2023 {i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d} +0800</pubDate>"
                     f"<description>{body}</description></item>")  # fmt: skip
    parts.append("</channel></rss>")
    return "".join(parts).encode()


class FeedServer:
    """Two real RSS feeds on loopback: /a holds items 0..n/2, /b the rest."""

    def __init__(self, n: int):
        bodies = {"/a": rss(range(0, n // 2)), "/b": rss(range(n // 2, n))}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                body = bodies.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def config(self, path: Path) -> Path:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        path.write_text(
            "[settings]\nretries = 0\n"
            f'[[sources]]\nname = "甲源"\nkind = "feed"\nurl = "{base}/a"\ninterval = "1s"\n'
            f'[[sources]]\nname = "乙源"\nkind = "feed"\nurl = "{base}/b"\ninterval = "1s"\n',
            encoding="utf-8",
        )
        return path

    def close(self) -> None:
        self.server.shutdown()


def caixun(db: str, *args: str, config: Path | None = None) -> list[str]:
    return [sys.executable, "-m", "caixun.cli", "--db", db, *(["--config", str(config)] if config else []), *args]


def run_to_end(cmd: list[str], timeout: float = 600) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (cmd, done.returncode, done.stderr[-2000:])
    return time.perf_counter() - t


def processes_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def kill_at_random(cmd: list[str], kills: int, rng: random.Random, span: float, after_finish=None) -> int:
    """Start `cmd` and `kill -9` it (the main process only, as the OOM killer or
    a power cut would) at a random moment within `span` seconds, `kills` times
    while it runs. Returns the number of starts. Fails if any process of the
    command's group outlives it by more than 10 seconds. `after_finish` is
    called when a start finished before its kill (an export that finished
    leaves nothing to do for the next start: it would finish at once)."""
    killed = starts = 0
    while killed < kills:
        starts += 1
        assert starts <= kills * 4, f"the command kept finishing before the kill ({killed} kills in {starts} starts)"
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.05, span))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            killed += 1
        elif after_finish is not None:
            p.wait()
            after_finish()
        p.wait()
        deadline = time.monotonic() + 10
        while (left := processes_in_group(p.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"processes {left} of {cmd[4:]} outlived kill -9 of their parent")
    return starts


def check_archive(url: str, texts: list[tuple[str, str]]) -> None:
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            if url.startswith("sqlite"):
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            n, keys = conn.execute(select(func.count(), func.count(articles.c.key.distinct()))).one()
            titles = set(conn.execute(select(articles.c.title)).scalars())
            no_facts = conn.execute(select(func.count()).where(articles.c.facts_version.is_(None))).scalar()
        assert n == keys == len(texts), f"{n} articles, {keys} keys, {len(texts)} expected"
        assert titles == {t for t, _ in texts}
        assert no_facts == 0
        for term in TERMS:
            expected = sum(1 for t, b in texts if term in t or term in b)
            assert store.search(term, limit=1).total == expected, term
    finally:
        store.close()


@pytest.fixture
def backend(store_url) -> tuple[str, str]:
    return store_url, "sqlite" if store_url.startswith("sqlite") else "postgres"


@pytest.fixture
def rng(request) -> random.Random:
    seed = int(os.environ.get("CAIXUN_CRASH_SEED", time.time_ns() % 100_000))
    request.node.user_properties.append(("seed", seed))
    print(f"crash seed {seed} (CAIXUN_CRASH_SEED={seed} to repeat)")
    return random.Random(seed)


def test_import_survives_kill_9(backend, rng, tmp_path):
    """Over 5,000 posts, so that the import prepares them in worker processes."""
    url, kind = backend
    posts = tmp_path / "posts"
    texts = write_posts(posts, 5200)
    # The duration of one clean import (elsewhere) sets the span of the kills.
    span = run_to_end(caixun(f"sqlite:///{tmp_path / 'timing.db'}", "import", str(posts)))
    for r in range(KILLS[kind] // 10):  # each round on an empty archive, so that kills land while posts are written
        db = url if kind == "postgres" else f"sqlite:///{tmp_path / f'round{r}.db'}"
        kill_at_random(caixun(db, "import", str(posts)), 10, rng, span)
        run_to_end(caixun(db, "import", str(posts)))
        run_to_end(caixun(db, "index"))
        check_archive(db, texts)


def reset_search_counts(url: str, n: int) -> None:
    """Empty the indexes `caixun index` fills (SQLite), as a large import leaves them."""
    store = Store(url)
    try:
        with store.write_engine.begin() as conn:
            conn.execute(text("INSERT INTO article_tri (article_tri) VALUES ('delete-all')"))
            conn.execute(text("DELETE FROM token_docs"))
            conn.execute(text("UPDATE search_progress SET upto = 0"))
        assert store.search_backlog() == n
    finally:
        store.close()


def test_index_survives_kill_9(backend, rng, tmp_path):
    url, kind = backend
    if kind == "postgres":
        pytest.skip("`caixun index` has nothing to do on PostgreSQL (no index is filled after the fact)")
    texts = write_posts(tmp_path / "posts", POSTS * 2)
    run_to_end(caixun(url, "import", str(tmp_path / "posts")))
    reset_search_counts(url, len(texts))
    span = run_to_end(caixun(url, "index"))
    for _ in range(KILLS[kind] // 10):
        reset_search_counts(url, len(texts))  # so that the kills land while `caixun index` works
        kill_at_random(caixun(url, "index"), 10, rng, span)
    run_to_end(caixun(url, "index"))
    check_archive(url, texts)


def test_export_site_survives_kill_9(backend, rng, tmp_path):
    url, kind = backend
    texts = write_posts(tmp_path / "posts")
    run_to_end(caixun(url, "import", str(tmp_path / "posts")))
    clean = tmp_path / "clean"
    span = run_to_end(caixun(url, "export", "site", str(clean)))
    out = tmp_path / "killed"
    kill_at_random(caixun(url, "export", "site", str(out)), KILLS[kind], rng, span,
                   after_finish=lambda: shutil.rmtree(out, ignore_errors=True))  # fmt: skip
    run_to_end(caixun(url, "export", "site", str(out)))
    differences = diff_r(clean, out)
    assert not differences, differences[:10]
    check_archive(url, texts)


def diff_r(a: Path, b: Path) -> list[str]:
    """What `diff -r` would report: files only on one side, or different."""
    found = []
    stack = [filecmp.dircmp(a, b)]
    while stack:
        d = stack.pop()
        found += [f"only in {d.left}: {n}" for n in d.left_only] + [f"only in {d.right}: {n}" for n in d.right_only]
        _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        found += [f"differs: {d.right}/{n}" for n in mismatch + errors]
        stack.extend(d.subdirs.values())
    return found


@pytest.mark.parametrize("command", ["fetch", "run"])
def test_polling_survives_kill_9(backend, rng, tmp_path, command):
    url, kind = backend
    n = 1600
    texts = [post_text(i) for i in range(n)]
    feeds = FeedServer(n)
    try:
        config = feeds.config(tmp_path / "caixun.toml")
        args = ["fetch"] if command == "fetch" else ["run", "--no-serve", "--tick", "0.1"]
        # A round of kills on an empty archive, so that they land while items are written.
        span = run_to_end(caixun(f"sqlite:///{tmp_path / 'timing.db'}", "fetch", config=config))
        for r in range(KILLS[kind] // 10):
            db = url if kind == "postgres" else f"sqlite:///{tmp_path / f'round{r}.db'}"
            kill_at_random(caixun(db, *args, config=config), 10, rng, span)
            run_to_end(caixun(db, "fetch", config=config))
            check_archive(db, texts)
    finally:
        feeds.close()


def test_an_export_after_a_killed_one_removes_its_half_written_pages(sqlite_store, tmp_path):
    """What a kill between writing a page's .tmp file and renaming it leaves
    (too brief a moment for the random kills to hit reliably), set up by hand."""
    from caixun.pipeline import ingest
    from caixun.publish.site import RUNNING, export_site
    from tests.test_search import raw

    ingest(sqlite_store, [raw(i, f"{t}。{b}") for i, (t, b) in enumerate(post_text(i) for i in range(30))])
    out = tmp_path / "site"
    export_site(sqlite_store, out)
    assert not (out / RUNNING).exists()
    (out / RUNNING).touch()
    half = [out / "index.html.tmp", out / "article" / "1.html.tmp"]
    for p in half:
        p.write_bytes(b"<html><bo")
    export_site(sqlite_store, out)
    assert not any(p.exists() for p in half) and not (out / RUNNING).exists()
    export_site(sqlite_store, tmp_path / "clean")
    assert not diff_r(tmp_path / "clean", out)
