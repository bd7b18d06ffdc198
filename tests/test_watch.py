"""Watches: rules (pure), matching in the storing transaction, one alert per
story, delivery to a real webhook receiver and a real SMTP server (aiosmtpd)
on loopback through Apprise, retries, idempotency keys, feeds and the API."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

from caixun.watch.rules import (
    Facts,
    RuleError,
    match,
    parse_figure,
    parse_rule,
    parse_words,
    watch_spec,
)

# -- rules (pure) -----------------------------------------------------------------


def facts(title="", text="", **kw) -> Facts:
    return Facts(title, text, kw.pop("source", "源"), **kw)


def test_words_follow_trendradar_syntax():
    w = parse_words("+人民币 !传闻 央行 /降[准息]/")
    assert w.match("央行：人民币汇率稳定") == ["人民币", "央行"]
    assert w.match("市场传闻央行将降准，人民币走弱") == []  # excluded
    assert w.match("人民币走弱，或将降息") == ["人民币", "降[准息]"]  # the regex is a plain word
    assert w.match("人民币走弱") == []  # no plain word, no regex
    assert parse_words("+ＡＢＣ").match("abc 指数") == ["abc"]  # full-width and case folded


def test_rules_and_their_errors():
    r = parse_rule({"securities": ["600519.sh"], "regions": ["140000"], "sources": ["甲网"]})
    f = facts("茅台", "正文", source="甲网", securities=frozenset({"600519.SH"}), regions=frozenset({"140781"}))
    assert match(r, f) == ["来源：甲网", "证券：600519.SH", "地区：140781"]
    assert match(r, facts("茅台", "正文", source="乙网", securities=frozenset({"600519.SH"}), regions=frozenset({"140781"}))) is None
    assert match(parse_rule({"regions": ["140700"]}), facts(regions=frozenset({"130100"}))) is None
    assert match(parse_rule({"important": True}), facts(important=False)) is None
    for bad, why in [({}, "at least one"), ({"regions": ["14"]}, "administrative code"), ({"words": "/[/"}, "regular expression"),
                     ({"figure": "CPI >= 很多"}, "no value"), ({"figure": "CPI 上天"}, "no direction"), ({"nope": 1}, "unknown")]:  # fmt: skip
        with pytest.raises(RuleError, match=why):
            parse_rule(bad)
    with pytest.raises(RuleError, match="digest"):
        watch_spec({"name": "x", "words": "涨", "mode": "weekly"})
    assert watch_spec({"name": "x", "words": "涨", "mode": "digest 15m"}).digest_seconds == 900


def figure_row(indicator, value, unit, direction=None, start=10, text="", subject=None):
    # laid out as caixun.store.facts.FIGURE_ROW
    return (0, start, start + 3, float(value), text or value, "money", value, None, unit, None, direction, indicator, subject, None, None, None, None)


def test_figure_rules_compare_in_the_unit_and_know_synonyms():
    rule = parse_figure("北向资金净流入 > 100亿元")
    assert (rule.value, rule.unit, rule.op) == (Decimal("10000000000"), "CNY", "gt")
    assert rule.matches(figure_row("北向资金净买入", "12000000000", "CNY"), "")  # a synonym
    assert not rule.matches(figure_row("北向资金净流入", "9000000000", "CNY"), "")
    assert not rule.matches(figure_row("北向资金净流入", "12000000000", "USD"), "")
    cpi = parse_figure("CPI 同比 >= 3%")
    text = "9月份，全国居民消费价格同比上涨3.1%。"
    assert cpi.matches(figure_row("居民消费价格", "3.1", "%", "up", start=text.index("3.1")), text)
    assert not cpi.matches(figure_row("居民消费价格", "3.1", "%", "up", start=text.index("3.1")), "9月份，全国居民消费价格环比上涨3.1%。")
    # 下降3.2% is a change of -3.2%: not >= 3%
    assert not cpi.matches(figure_row("CPI", "3.2", "%", "down", start=8), "CPI同比下降3.2%")
    assert parse_figure("PMI 下降").matches(figure_row("PMI", "49.5", None, "down"), "")


# -- end to end: fetch, match, deliver ---------------------------------------------


class Receiver:
    """A webhook receiver that honours Idempotency-Key, as a real one would:
    a key seen before is answered 200 and not counted again."""

    def __init__(self, fail_first: int = 0):
        self.received: list[dict] = []
        self.keys: list[str] = []
        self.times: list[float] = []
        self.fail_left = fail_first
        self.raw = 0  # every POST, repeats included
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.raw += 1
                if outer.fail_left > 0:
                    outer.fail_left -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                key = self.headers.get("Idempotency-Key", "")
                if key not in outer.keys:
                    outer.keys.append(key)
                    outer.received.append(json.loads(body))
                    outer.times.append(time.time())
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"


class Feeds:
    """RSS feeds on loopback whose items can be added while a test runs."""

    def __init__(self):
        self.items: dict[str, list[tuple[str, str, str]]] = {"/a": [], "/b": []}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                items = outer.items.get(self.path, [])
                body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>http://x.example.org/</link>'
                        "<description>d</description>" + "".join(
                            f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}{self.path}</guid>"
                            f"<pubDate>{datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                            f"<description>{escape(b)}</description></item>" for t, b, link in items) + "</channel></rss>").encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Box:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    from tests.conftest import free_port

    box = Box()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def config(tmp_path, feeds: Feeds, watches: str) -> str:
    path = tmp_path / "caixun.toml"
    path.write_text(
        'base_url = "https://news.example.org"\n[settings]\nretries = 0\n'
        f'[[sources]]\nname = "甲网"\nkind = "feed"\nurl = "{feeds.base}/a"\ninterval = "1s"\n'
        f'[[sources]]\nname = "乙网"\nkind = "feed"\nurl = "{feeds.base}/b"\ninterval = "1s"\n' + watches,
        encoding="utf-8",
    )
    return str(path)


def caixun(db, cfg, *args, check=True):
    done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", str(db), "--config", cfg, *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    if check:
        assert done.returncode == 0, done.stderr + done.stdout
    return done


def test_fetch_delivers_each_matching_story_once_per_channel(tmp_path, smtp):
    hook, feeds = Receiver(), Feeds()
    mail = f"mailto://127.0.0.1:{smtp.port}?from=caixun@example.org&to=analyst@example.org"
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "央行"\nwords = "+央行 !传闻"\nchannels = ["{hook.url}", "{mail}"]\n')
    db = tmp_path / "w.db"
    # Before the watch existed in any database: the first fetch makes it, then polls.
    feeds.items["/a"] = [("央行开展500亿元逆回购", "央行今日开展500亿元7天期逆回购操作。", "http://news.example.org/1"),
                         ("市场传闻央行降准", "传闻称央行将降准。", "http://news.example.org/2"),
                         ("原油走高", "布伦特原油期货日内涨超2%。", "http://news.example.org/3")]  # fmt: skip
    out = caixun(db, cfg, "fetch")
    assert "alerts: 2 sent" in out.stdout, out.stdout + out.stderr
    assert [m["title"] for m in hook.received] == ["财讯提醒 · 央行"]
    msg = hook.received[0]["message"]
    assert "央行开展500亿元逆回购" in msg and "词：央行" in msg and "https://news.example.org/article/" in msg
    assert len(smtp.messages) == 1 and "analyst@example.org" in smtp.messages[0]
    from email import message_from_string

    mail_body = message_from_string(smtp.messages[0]).get_payload(decode=True).decode("utf-8")
    assert "央行开展500亿元逆回购" in mail_body and "https://news.example.org/article/" in mail_body
    # The same story from a second outlet (same link), and a fetch again: nothing new is sent.
    feeds.items["/b"] = [("央行开展500亿元逆回购操作", "央行今日开展500亿元逆回购。", "http://news.example.org/1")]
    out = caixun(db, cfg, "fetch")
    assert "alerts:" not in out.stdout and len(hook.received) == 1 and len(smtp.messages) == 1
    # A new story matches again.
    feeds.items["/b"].append(("央行下调存款准备金率", "央行决定下调金融机构存款准备金率0.5个百分点。", "http://news.example.org/4"))
    caixun(db, cfg, "fetch")
    assert len(hook.received) == 2 and len(smtp.messages) == 2
    assert len(set(hook.keys)) == 2


def test_a_failing_channel_is_retried_with_the_same_key_and_shown_failing(tmp_path):
    from caixun.store import Store
    from caixun.store.watches import watch_rows
    from caixun.watch.deliver import deliver_due

    hook, feeds = Receiver(fail_first=3), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "原油"\nwords = "原油"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    feeds.items["/a"] = [("原油走高", "布伦特原油期货日内涨超2%。", "http://news.example.org/3")]
    out = caixun(db, cfg, "fetch", check=False)
    assert "alert not sent (retried later)" in out.stderr and "503" in out.stderr
    store = Store(str(db))
    later = datetime.now(UTC)
    for _ in range(2):  # two more failures: the channel is shown failing
        later += timedelta(hours=1)
        assert deliver_due(store, "https://x.example.org", now=later).failed == 1
    row = watch_rows(store)[0]
    assert row["channels"][0]["health"] == "failing" and "503" in row["channels"][0]["reason"]
    assert "127.0.0.1" in row["channels"][0]["channel"] and "hook" not in row["channels"][0]["channel"]  # masked
    later += timedelta(hours=1)
    assert deliver_due(store, "https://x.example.org", now=later).sent == 1
    assert len(hook.received) == 1 and watch_rows(store)[0]["channels"][0]["health"] == "ok"
    store.close()


def test_figure_watches_and_the_watch_feed_and_api(tmp_path):
    from fastapi.testclient import TestClient

    from caixun.store import Store
    from caixun.web.app import create_app

    hook, feeds = Receiver(), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "北向"\nfigure = "北向资金净流入 > 100亿元"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    feeds.items["/a"] = [("北向资金大幅流入", "今日北向资金净流入120.5亿元。", "http://news.example.org/5"),
                         ("北向资金小幅流入", "今日北向资金净流入20亿元。", "http://news.example.org/6")]  # fmt: skip
    caixun(db, cfg, "fetch")
    assert len(hook.received) == 1 and "北向资金净流入 120.5亿元" in hook.received[0]["message"]
    c = TestClient(create_app(Store(str(db))))
    watches = c.get("/api/watches").json()
    assert watches[0]["name"] == "北向" and watches[0]["matches"] == 1 and "hook" not in json.dumps(watches)
    one = c.get(f"/api/watches/{watches[0]['id']}").json()
    assert [m["title"] for m in one["matches"]] == ["北向资金大幅流入"]
    atom = c.get(f"/watch/{watches[0]['id']}/feed.atom")
    assert atom.status_code == 200 and "北向资金大幅流入" in atom.text and "小幅" not in atom.text
    assert c.get("/watch/999/feed.atom").status_code == 404


def test_the_cli_makes_lists_edits_and_removes_watches(tmp_path):
    db = str(tmp_path / "w.db")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "caixun.cli", "--db", db, "watch", *args], capture_output=True, text=True, timeout=60)

    assert run("add", "茅台", "--security", "600519.SH", "--mode", "digest 15m").returncode == 0
    assert "exists" in run("add", "茅台", "--words", "茅台").stderr
    bad = run("add", "坏", "--figure", "CPI >= 很多")
    assert bad.returncode == 2 and "no value" in bad.stderr
    assert run("edit", "茅台", "--words", "+茅台 !传闻", "--clear", "securities").returncode == 0
    rows = json.loads(run("list", "--json").stdout)
    assert rows[0]["rule"] == {"words": "+茅台 !传闻"} and rows[0]["mode"] == "digest 15m"
    assert "茅台" in run("show", "茅台").stdout
    assert run("rm", "茅台").returncode == 0 and json.loads(run("list", "--json").stdout) == []
    assert run("rm", "茅台").returncode == 2


def test_a_digest_sends_one_message_listing_its_matches(tmp_path):
    from caixun.store import Store
    from caixun.watch.deliver import deliver_due

    hook, feeds = Receiver(), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "汇率"\nwords = "人民币"\nmode = "digest 10m"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    feeds.items["/a"] = [(f"人民币快讯{i}", f"离岸人民币第{i}次走强，现报6.{i}。", f"http://news.example.org/r{i}") for i in range(3)]
    caixun(db, cfg, "fetch")  # the first digest goes at once (no earlier one)
    assert len(hook.received) == 1 and "3 条" in hook.received[0]["title"]
    feeds.items["/b"] = [("人民币再走强", "在岸人民币走强。", "http://news.example.org/r9")]
    caixun(db, cfg, "fetch")
    assert len(hook.received) == 1  # within the period: waits
    store = Store(str(db))
    assert deliver_due(store, "https://x.example.org", now=datetime.now(UTC) + timedelta(minutes=11)).sent == 1
    assert len(hook.received) == 2 and "人民币再走强" in hook.received[1]["message"]
    store.close()


def test_the_matcher_finds_what_checking_every_rule_finds():
    """The index of rules (Matcher) is only a shortcut: on random articles and
    rules of every kind it gives exactly what `match` gives rule by rule."""
    import random

    from caixun.watch.rules import Matcher

    rng = random.Random(7)
    vocab = ["人民币", "央行", "降准", "传闻", "茅台", "原油", "涨停", "ABC"]
    specs = [{"words": "+人民币 !传闻"}, {"words": "央行 降准"}, {"words": "/涨[停幅]/"}, {"words": "+茅台 +原油"},
             {"securities": ["600519.SH"], "words": "茅台"}, {"regions": ["140000"]}, {"regions": ["140781"], "words": "央行"},
             {"sources": ["甲网"]}, {"important": True}, {"figure": "CPI >= 3%"}, {"words": "abc"}]  # fmt: skip
    rules = [parse_rule(s) for s in specs]
    matcher = Matcher(rules)
    for _ in range(2000):
        text = "，".join(rng.sample(vocab, rng.randint(0, 5)))
        f = Facts(rng.choice(["", "标题"]), text, rng.choice(["甲网", "乙网"]), rng.random() < 0.3,
                  frozenset(rng.sample(["600519.SH", "000001.SZ"], rng.randint(0, 2))),
                  frozenset(rng.sample(["140781", "110000", "140700"], rng.randint(0, 2))),
                  tuple(figure_row("CPI", str(rng.randint(1, 5)), "%") for _ in range(rng.randint(0, 1))))  # fmt: skip
        expected = [(i, why) for i, r in enumerate(rules) if (why := match(r, f)) is not None]
        assert matcher.match(f) == expected, (text, f)


def test_an_imported_old_post_is_history_and_does_not_alert(tmp_path):
    from caixun.store import Store
    from caixun.store.watches import watch_rows

    hook, feeds = Receiver(), Feeds()
    cfg = config(tmp_path, feeds, f'[[watches]]\nname = "央行"\nwords = "央行"\nchannels = ["{hook.url}"]\n')
    db = tmp_path / "w.db"
    caixun(db, cfg, "watch", "list")  # the watch is made now
    posts = tmp_path / "_posts"
    posts.mkdir()
    for day, title in (("2021-12-08", "央行开展逆回购"), ((datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%d"), "央行今日公告")):
        (posts / f"{day}-1{len(title)}.md").write_text(
            f'---\nlayout: post\ntitle: "{title}"\ndate: {day} 09:30:00 +0800\ncategories: emnews\ntags: 东财新闻\n---\n{title}。\n',
            encoding="utf-8")  # fmt: skip
    caixun(db, cfg, "import", str(posts))
    store = Store(f"sqlite:///{db}")
    try:
        assert store.count_articles() == 2
        assert watch_rows(store, name="央行")[0]["matches"] == 1  # today's post only, not the one of 2021
    finally:
        store.close()
