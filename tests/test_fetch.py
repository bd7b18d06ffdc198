"""`caixun fetch` end to end: real HTTP on loopback, faults, the CLI entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from caixun.cli import cli
from caixun.store import Store
from tests.conftest import CORPUS, SHARED, free_port, needs_corpus
from tests.newsapi import NewsApi, config_toml, sample_items

TEXT = "/text?id="


def fetch(tmp_path, api: NewsApi, db: str, *args: str):
    cfg = tmp_path / "caixun.toml"
    cfg.write_text(config_toml(api.base), encoding="utf-8")
    return CliRunner().invoke(cli, ["--db", db, "--config", str(cfg), "fetch", *args])


def test_fetch_stores_every_intact_item_once_despite_faults(tmp_path, store_url):
    items = sample_items()
    with NewsApi(items, gbk_text=True, slow_seconds=1.5) as api:
        api.faults["/web/webapi"] = ["500", "429", "garbage", "truncate"]
        api.faults["/market"] = ["slow", "500"]
        api.faults[TEXT + "NW202303010000000101"] = ["truncate", "garbage"]
        api.faults[TEXT + items[2]["code"]] = ["500"] * 20  # never recovers this poll
        first = fetch(tmp_path, api, store_url)
        assert first.exit_code == 1, first.output  # one item could not be fetched
        assert f"东财滚动:{items[2]['code']}: full text: HTTP 500" in first.output
        store = Store(store_url)
        assert store.count_articles() == 8  # 9 distinct items (2 market items repeat rolling ones), one missing
        api.faults[TEXT + items[2]["code"]] = []
        second = fetch(tmp_path, api, store_url)
        assert second.exit_code == 0, second.output
        assert store.count_articles() == 9  # the list was not cached: the missing item came
        third = fetch(tmp_path, api, store_url)
        assert third.exit_code == 0 and "not modified" in third.output
        assert store.count_articles() == 9
    media = store.get_article_by_key("eastmoney:NW202303010000000101")
    assert media.source == "江城日报" and media.category == "jiangchengribao" and media.tags == ("江城日报新闻",)
    assert "江城市一季度地区生产总值增长6.1%" in media.text  # GBK decoded
    assert "<strong>投资</strong>" in media.html
    flash = store.get_article_by_key(f"eastmoney:{items[3]['code']}")  # only in the rolling list
    assert flash.category == "emnews" and flash.url == f"http://finance.example.com/news/{items[3]['code']}.html"
    stats = store.stats()
    assert stats["by_source"]["东方财富网"] + stats["by_source"]["东财滚动"] == 7
    store.close()


def test_one_dead_source_does_not_stop_the_others(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    with NewsApi(sample_items()) as api:
        api.faults["/market"] = ["500"] * 50
        result = fetch(tmp_path, api, db)
        assert result.exit_code == 1
        assert "东财市场37: " in result.output and "failed:" in result.output
        ok = fetch(tmp_path, api, db, "--source", "东财滚动")
    assert ok.exit_code == 0 and "东财滚动: not modified" in ok.output
    sources = CliRunner().invoke(cli, ["--db", db, "--config", str(tmp_path / "caixun.toml"), "sources", "--json"])
    states = {s["name"]: s for s in json.loads(sources.output)}
    assert states["东财市场37"]["health"] == "failing" and states["东财市场37"]["failures"] == 1
    assert states["东财滚动"]["health"] == "ok" and states["东财滚动"]["items"] == 6


def test_unknown_source_is_a_usage_error(tmp_path):
    with NewsApi(sample_items()) as api:
        result = fetch(tmp_path, api, f"sqlite:///{tmp_path / 'x.db'}", "--source", "nope")
    assert result.exit_code == 2 and "no source named 'nope'" in result.output


def test_fetch_from_the_shared_replay_tool_with_random_faults(tmp_path):
    """The replay tool serves the real corpus as East Money APIs, with random faults."""
    needs_corpus()
    tool = SHARED / "tools" / "eastmoney_replay.py"
    proc = subprocess.Popen(
        [sys.executable, str(tool), "--corpus", str(CORPUS), "--fail", "0.15", "--throttle", "0.1", "--garbage", "0.1",
         "--truncate", "0.1", "--gbk", "--seed", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        base = proc.stdout.readline().strip()
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            config_toml(base, retries=8).replace(f"{base}/text?id=", f"{base}/NewsData/GetNewsText.do?id=")
            .replace(f"{base}/market", f"{base}/information/newmarket/web/webapi")
            + '\n[[sources]]\nname = "all"\nkind = "eastmoney"\napi = "rolling"\n'
            + f'url = "{base}/web/webapi?type=102"\ntext_url = "{base}/NewsData/GetNewsText.do?id={{code}}"\ncount = 500\n',
            encoding="utf-8",
        )
        db = f"sqlite:///{tmp_path / 'r.db'}"
        runner = CliRunner()
        for _ in range(3):  # until every item made it through the faults
            runner.invoke(cli, ["--db", db, "--config", str(cfg), "fetch"])
        store = Store(db)
        n = store.count_articles()
        again = runner.invoke(cli, ["--db", db, "--config", str(cfg), "fetch"])
        assert store.count_articles() == n
        assert n == 150, again.output  # every post that has a date (the replay skips the one without)
        store.close()
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_run_stops_cleanly_on_sigterm(tmp_path):
    with NewsApi(sample_items()) as api:
        cfg = tmp_path / "caixun.toml"
        cfg.write_text(config_toml(api.base), encoding="utf-8")
        db = tmp_path / "run.db"
        env = dict(os.environ, CAIXUN_DB=str(db))
        port = free_port()
        site = tmp_path / "site"
        proc = subprocess.Popen([sys.executable, "-m", "caixun.cli", "--config", str(cfg), "run", "--tick", "0.2", "--port", str(port),
                                 "--export-site", str(site)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            if db.exists() and Store(str(db)).count_articles() >= 9:
                break
            time.sleep(0.3)
        # run serves the web site while it polls
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert Store(str(db)).count_articles() == 9
    assert home.status_code == 200 and "财讯" in home.text and "/article/" in home.text
    # and keeps the static copy up to date after the poll that stored the articles
    assert len(list((site / "article").glob("*.html"))) == 9 and 'href="article/' in (site / "index.html").read_text(encoding="utf-8")
    assert "site in" in err
