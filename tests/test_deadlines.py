"""A fetch has an overall deadline, and one slow source never delays the
others: a real server on loopback that drips its answer a byte at a time
(read_timeout never trips, since bytes keep coming) next to a quick one."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.test_crash import rss

QUICK_FEED = rss(range(5))


class DripServer:
    """/slow sends headers and then a byte every 0.2 s for a minute; /quick answers at once.
    Counts the requests to each path."""

    def __init__(self) -> None:
        self.hits = {"/slow": 0, "/quick": 0}
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                body = QUICK_FEED
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path != "/slow":
                    self.wfile.write(body)
                    return
                for i in range(300):
                    if outer.stop.is_set():
                        return
                    try:
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.2)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()


@pytest.fixture
def drip():
    server = DripServer()
    yield server
    server.close()


def config(path, base: str, settings: str) -> str:
    path.write_text(
        f"[settings]\nretries = 0\nread_timeout = 5\n{settings}\n"
        f'[[sources]]\nname = "慢源"\nkind = "feed"\nurl = "{base}/slow"\ninterval = "1s"\n'
        f'[[sources]]\nname = "快源"\nkind = "feed"\nurl = "{base}/quick"\ninterval = "1s"\n',
        encoding="utf-8",
    )
    return str(path)


def test_a_dripping_server_is_cut_at_the_request_deadline(drip, tmp_path):
    cfg = config(tmp_path / "c.toml", drip.base, "request_deadline = 2")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", str(tmp_path / "a.db"), "--config", cfg, "fetch"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    took = time.perf_counter() - t
    assert took < 8, f"fetch took {took:.1f}s against a 2 s request deadline"
    assert "慢源" in done.stdout and "request_deadline" in done.stdout, done.stdout
    assert "快源: 5 added" in done.stdout, done.stdout


def test_the_poll_deadline_bounds_a_whole_poll(drip, tmp_path):
    cfg = config(tmp_path / "c.toml", drip.base, "request_deadline = 60\npoll_deadline = 2")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", str(tmp_path / "a.db"), "--config", cfg, "fetch"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert time.perf_counter() - t < 8
    assert "poll_deadline" in done.stdout, done.stdout


def test_run_keeps_polling_a_quick_source_while_a_slow_one_is_under_way(drip, tmp_path):
    # The slow source's one poll lasts 30 s; the quick one is due every second.
    cfg = config(tmp_path / "c.toml", drip.base, "request_deadline = 30\npoll_deadline = 30")
    proc = subprocess.Popen([sys.executable, "-m", "caixun.cli", "--db", str(tmp_path / "a.db"), "--config", cfg,
                             "run", "--no-serve", "--tick", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(8)
        quick, slow = drip.hits["/quick"], drip.hits["/slow"]
    finally:
        proc.terminate()
        drip.stop.set()  # the slow answer ends, so the poll under way finishes
        proc.communicate(timeout=60)
    assert slow == 1
    assert quick >= 4, f"the quick source was polled {quick} times in 8 s while the slow one was under way"
