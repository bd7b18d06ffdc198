"""`caixun serve --workers N`: N processes answer on one port, real HTTP over
loopback, and all stop with the parent."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from caixun.pipeline import ingest
from tests.conftest import free_port
from tests.test_store_contract import item


def children(pid: int) -> list[int]:
    """The worker processes (multiprocessing's spawned children; not its resource tracker)."""
    out = subprocess.run(["ps", "-ww", "--ppid", str(pid), "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "spawn_main" in line]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback)
        r.read()
        return r.status


def test_two_workers_serve_one_port_and_stop_together(sqlite_store):
    ingest(sqlite_store, [item(i) for i in range(30)])
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "caixun.cli", "--db", sqlite_store.url, "serve", "--workers", "2", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if get(base + "/api/articles") == 200 and len(children(proc.pid)) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        workers = children(proc.pid)
        assert len(workers) == 2, workers
        urls = [base + p for p in ("/", "/api/articles?limit=5", "/search?q=" + "%E5%BF%AB%E8%AE%AF", "/feed.atom")] * 20
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get, urls)) == {200}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read()
    time.sleep(0.5)
    assert all(subprocess.run(["ps", "-p", str(w)], capture_output=True).returncode != 0 for w in workers)  # gone too


def test_a_busy_port_is_one_line_with_workers_too(sqlite_store):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", sqlite_store.url, "serve", "--workers", "2", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "cannot listen" in done.stderr and "Traceback" not in done.stderr
