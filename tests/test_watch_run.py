"""`caixun run` delivers as it goes: a story stored by a poll reaches a real
webhook receiver within a second (median), and `kill -9` of `run` at random
moments, 20 times, loses no alert and sends none twice to a receiver that
honours the Idempotency-Key."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime

import pytest

from tests.test_watch import Feeds, Receiver, config

pytestmark = pytest.mark.crash


def start_run(db, cfg) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "caixun.cli", "--db", str(db), "--config", cfg, "run", "--no-serve", "--tick", "0.2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def add_story(feeds: Feeds, n: int) -> None:
    feeds.items["/a" if n % 2 else "/b"].append((f"快讯{n}：央行公开市场操作", f"央行今日开展第{n}次逆回购操作。", f"http://news.example.org/s{n}"))


def test_run_delivers_within_a_second_of_storing(tmp_path):
    hook, feeds = Receiver(), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "央行"\nwords = "央行"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    proc = start_run(db, cfg)
    try:
        time.sleep(2)
        for n in range(12):
            add_story(feeds, n)
            time.sleep(0.7)
        deadline = time.time() + 20
        while len(hook.received) < 12 and time.time() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert len(hook.received) == 12
    conn = sqlite3.connect(db)
    stored = dict(conn.execute("SELECT id, fetched_at FROM articles"))
    lags = []
    for msg, at in zip(hook.received, hook.times, strict=True):
        article_id = int(re.search(r"/article/(\d+)\.html", msg["message"])[1])
        fetched = datetime.fromisoformat(stored[article_id]).timestamp() if "+" in stored[article_id] else \
            datetime.fromisoformat(stored[article_id] + "+00:00").timestamp()  # fmt: skip
        lags.append(at - fetched)
    print(f"store -> webhook lag: median {statistics.median(lags):.3f} s, max {max(lags):.3f} s")
    assert statistics.median(lags) < 1.0, lags


def test_kill_9_of_run_loses_no_alert_and_sends_none_twice(tmp_path):
    seed = int(os.environ.get("CAIXUN_CRASH_SEED", time.time_ns() % 100_000))
    print(f"crash seed {seed}")
    rng = random.Random(seed)
    hook, feeds = Receiver(), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "央行"\nwords = "央行"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    n = 0
    for _ in range(20):
        proc = start_run(db, cfg)
        for _ in range(rng.randint(1, 3)):
            add_story(feeds, n)
            n += 1
        time.sleep(rng.uniform(0.3, 2.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", str(db), "--config", cfg, "fetch"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    matches = conn.execute("SELECT count(*) FROM watch_matches").fetchone()[0]
    pending = conn.execute("SELECT count(*) FROM alert_outbox WHERE status != 'sent'").fetchone()[0]
    keys = {k for (k,) in conn.execute("SELECT idempotency_key FROM alert_outbox")}
    assert matches == n, f"{matches} stories matched of {n} told"
    assert pending == 0
    assert len(hook.received) == n and set(hook.keys) == keys  # each alert once at the receiver
    print(f"{n} alerts, {hook.raw} POSTs (repeats after a kill are answered by key)")
