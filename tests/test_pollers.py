"""Three `caixun run --role poll` on one PostgreSQL against
../shared/tools/news_replay.py: each source is polled once per interval,
never twice; after `kill -9` of one poller its sources are polled again
within two intervals; the archive has no duplicates and loses nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict

import pytest

from caixun.store import Store
from tests.conftest import _wipe_postgres, require
from tests.test_providers import PREFIX, Replay, ads, replay_config

pytestmark = [pytest.mark.postgres, pytest.mark.replay, pytest.mark.crash]

INTERVAL = 3.0
POLL_LINE = re.compile(r"^(?P<source>[^:：]+): (?:\d+ added|not modified).* in (?P<seconds>\d+\.\d+) s$")


class Poller:
    """One `caixun run --role poll`, its poll lines timed as they come."""

    def __init__(self, url: str, cfg: str, index: int, polls: list):
        self.proc = subprocess.Popen([sys.executable, "-m", "caixun.cli", "--db", url, "--config", cfg, "run", "--role", "poll",
                                      "--tick", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True)  # fmt: skip
        self.thread = threading.Thread(target=self._read, args=(index, polls), daemon=True)
        self.thread.start()

    def _read(self, index: int, polls: list) -> None:
        for line in self.proc.stdout:
            if m := POLL_LINE.match(line.rstrip("\n")):
                polls.append((time.monotonic() - float(m["seconds"]), m["source"], index))  # when the poll started


@pytest.fixture
def pg_url():
    url = os.environ.get("CAIXUN_TEST_PG")
    require(bool(url), "CAIXUN_TEST_PG is not set (a PostgreSQL database for tests)")
    _wipe_postgres(url)
    Store(url).close()  # the schema, before three processes open it
    return url


def test_three_pollers_share_the_sources_and_take_over_from_a_dead_one(tmp_path, pg_url):
    replay = Replay("--grow", "5")
    polls: list[tuple[float, str, int]] = []
    try:
        cfg = replay_config(replay.base, tmp_path / "c.toml")
        cfg.write_text(re.sub(r"(\[\[sources\]\]\n)", rf'\1interval = "{INTERVAL:g}s"\n', cfg.read_text(encoding="utf-8")), encoding="utf-8")
        pollers = [Poller(pg_url, str(cfg), i, polls) for i in range(3)]
        start = time.monotonic()
        time.sleep(10 * INTERVAL)
        victim = max(range(3), key=lambda i: sum(1 for p in polls if p[2] == i))  # the busiest one
        killed_at = time.monotonic()
        os.killpg(pollers[victim].proc.pid, signal.SIGKILL)
        time.sleep(4 * INTERVAL)
        for i, p in enumerate(pollers):
            if i != victim:
                p.proc.send_signal(signal.SIGTERM)
        for p in pollers:
            p.proc.wait(timeout=60)
        visible = replay.visible()
        ad_ids = ads(replay.base)
    finally:
        for p in locals().get("pollers", []):
            if p.proc.poll() is None:
                os.killpg(p.proc.pid, signal.SIGKILL)
        replay.close()

    by_source: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for at, source, index in polls:
        by_source[source].append((at, index))
    assert len(by_source) == 6, sorted(by_source)
    for source, seen in by_source.items():
        times = [t for t, _ in seen]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # never twice in one interval (start times: the line's time less the poll's own)
        assert min(gaps) >= INTERVAL - 0.5, (source, [(round(t - start, 2), i) for t, i in seen])
        first_ten = [t for t in times if t < start + 10 * INTERVAL]
        assert 7 <= len(first_ten) <= 11, (source, len(first_ten))
        assert len({i for _, i in seen}) >= 1
        # the dead poller's sources (and every other) polled again within two intervals
        before = [t for t in times if t <= killed_at]
        after = [t for t in times if t > killed_at]
        assert before and after and after[0] - before[-1] <= 2 * INTERVAL + 1.0, (source, after[0] - before[-1])
    # more than one poller did the work
    assert len({i for _, _, i in polls}) >= 2

    store = Store(pg_url)
    try:
        keys = [a.key for a in store.iter_articles()]
    finally:
        store.close()
    assert len(keys) == len(set(keys))
    lost = {}
    for name, ids in visible.items():
        if name.startswith("old:") or name == "jin10":  # 金十 serves its newest 50 only
            continue
        want = {i for i in ids if i not in ad_ids} if name == "cls" else set(ids)
        lost[name] = sorted(i for i in want if f"{PREFIX[name]}:{i}" not in set(keys))
    assert lost == {name: [] for name in lost}
