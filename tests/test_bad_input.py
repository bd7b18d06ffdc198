"""One bad item never stops a batch, one character never breaks the site,
one story never fills a page, and the web answers what it is asked without
a traceback: the failures the hardening issue measured, each pinned."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import etree

from caixun.cli import cli
from caixun.model import RawItem
from caixun.pipeline import ingest
from caixun.publish.pages import tag_segment
from caixun.web.app import create_app
from tests.conftest import flash_post

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def item(key: str, title: str, when: datetime | None = T0, body: str = "一段正文，讲述某指数收涨。", **kw) -> RawItem:
    return RawItem(key=key, source=kw.pop("source", "测试源"), item_id=key.split(":")[-1], title=title, body=body,
                   body_format="text", published=when, **kw)  # fmt: skip


def test_bad_dates_and_characters_are_rejected_or_repaired_one_by_one(store):
    from datetime import timezone

    items = [
        item("t:1", "好的一条"),
        item("t:2", "公元一年", datetime(1, 1, 1, tzinfo=UTC)),
        item("t:3", "最后一天", datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=12)))),
        item("t:4", "1969年", datetime(1969, 7, 20, tzinfo=UTC)),
        item("t:5", "孤立代理\ud800对", body="正文\udfff也有"),
        item("t:6", "控制\x00字符\x07标题\x0b", tags=("标签\x01",), source="源\x1f名"),
        item("t:7", "又一条好的"),
    ]
    result = ingest(store, items)
    assert result.added == 4
    reasons = {r.what: r.reason for r in result.rejected}
    assert set(reasons) == {"t:2", "t:3", "t:4"}
    assert all("outside what the archive can order" in r for r in reasons.values())
    bad = store.get_article_by_key("t:5")
    assert bad.title == "孤立代理\ufffd对" and "\ufffd" in bad.text and bad.meta["repaired"]
    ctl = store.get_article_by_key("t:6")
    assert ctl.title == "控制字符标题" and ctl.tags == ("标签",) and ctl.source == "源名"
    # and the site still renders its feeds and pages
    client = TestClient(create_app(store))
    for url in ("/feed.atom", "/feed.rss", "/feed.json", "/", f"/article/{ctl.id}.html"):
        assert client.get(url).status_code == 200, url
    etree.fromstring(client.get("/feed.atom").content)


def test_a_bad_post_never_stops_an_import(tmp_path):
    d = tmp_path / "posts"
    d.mkdir()
    (d / "2023-03-01-1.md").write_text(flash_post("1", "好", "正文。"), encoding="utf-8")
    (d / "2023-03-01-2.md").write_text(flash_post("2", "坏时区", "正文。", date="2023-03-01 10:00:00 +9999"), encoding="utf-8")
    (d / "2023-03-01-3.md").write_text(flash_post("3", "远古", "正文。", date="0001-01-01 00:00:00"), encoding="utf-8")
    (d / "2023-03-01-4.md").write_text("---\ntitle: &a [*a, *a]\n---\n\nx", encoding="utf-8")
    (d / "2023-03-01-5.md").write_text(flash_post("5", "也好", "正文。"), encoding="utf-8")
    db = str(tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["--db", db, "import", str(d)])
    assert r.exit_code == 1 and "3 added" in r.output and "2 rejected" in r.output, r.output  # the alias "bomb" is a plain title here
    assert "time zone offset" in r.output and "outside what the archive can order" in r.output
    assert "Traceback" not in r.output


def test_tags_that_are_no_file_names_stay_in_their_directory(store, tmp_path):
    assert tag_segment("宏观") == "宏观"
    for bad in ("..", ".", "a/b", "x" * 300, "_x", "a\x00b"):
        seg = tag_segment(bad)
        assert seg.startswith("_") and len(seg) == 17 and "/" not in seg
    ingest(store, [item("t:1", "一条", tags=("..",)), item("t:2", "两条", tags=("长" * 300,)), item("t:3", "三条", tags=("a/../../b",))])
    out = tmp_path / "site"
    r = CliRunner().invoke(cli, ["--db", store.url, "export", "site", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "index.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not (tmp_path / "b").exists() and not (out.parent / "feed.atom").exists()
    tags = sorted(p.name for p in (out / "tag").iterdir())
    assert len(tags) == 3 and all(t.startswith("_") for t in tags)
    # the article pages link the directories that were written
    page = (out / "article" / f"{store.get_article_by_key('t:1').id}.html").read_text(encoding="utf-8")
    href = etree.HTML(page).xpath("//a[@class='tag']/@href")[0]
    assert href.startswith("../tag/_") and (out / "article" / href).resolve().is_file()


def test_a_story_of_thousands_lists_its_first_reports_and_a_count(store):
    items = [item(f"s:{i}", f"同一链接的第{i}条", T0 + timedelta(seconds=i), body=f"第{i}条，完全不同的内容{i * 7919}。",
                  url="https://example.org/same") for i in range(60)]  # fmt: skip
    ingest(store, items)
    client = TestClient(create_app(store))
    art = store.get_article_by_key("s:30")
    page = client.get(f"/article/{art.id}.html").text
    others = etree.HTML(page).xpath("//section[@class='others']//li")
    assert len(others) == 20 and "共 59 篇" in page
    api = client.get(f"/api/articles/{art.id}").json()
    assert len(api["other_reports"]) == 20 and api["other_reports_total"] == 59
    story = client.get(f"/api/clusters/{art.cluster_id}", params={"limit": 10, "offset": 50}).json()
    assert story["total"] == 60 and len(story["articles"]) == 10


def test_web_answers_bad_parameters_without_a_traceback_and_pages_in_chinese(store):
    ingest(store, [item("t:1", "一条")])
    client = TestClient(create_app(store), raise_server_exceptions=False)
    huge = str(2**64)
    for url in (f"/?before={huge}", f"/source/ceshiyuan/?before={huge}", f"/article/{huge}.html", f"/api/articles?before={huge}",
                f"/api/articles/{huge}", f"/api/search?q=x&offset={huge}", f"/figures?offset={huge}", f"/api/clusters/{huge}",
                "/search?q=" + "长" * 2000, "/search?q=%00", "/api/search?q=%ED%A0%80"):  # fmt: skip
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code, r.text[:200])
    page = client.get("/article/999999.html")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html") and "未找到" in page.text
    assert client.get("/api/articles/999999").json()["detail"]
    assert client.get("/api/docs").status_code == 404  # no CDN script under the CSP: dropped


def test_conditional_requests_head_and_gzip(store):
    ingest(store, [item(f"t:{i}", f"第{i}条快讯：某指数收涨", T0 + timedelta(minutes=i)) for i in range(40)])
    client = TestClient(create_app(store))
    for url in ("/", "/feed.atom", "/api/articles", "/sources.html"):
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers["etag"] and r.headers["content-encoding"] == "gzip", url
        again = client.get(url, headers={"If-None-Match": r.headers["etag"], "Accept-Encoding": "gzip"})
        assert again.status_code == 304 and again.content == b"", url
        head = client.head(url)
        assert head.status_code == 200 and head.content == b"", url
    assert "X-Frame-Options" in client.get("/").headers
    ingest(store, [item("t:new", "新的一条", T0 + timedelta(hours=5))])
    assert json.loads(client.get("/api/articles").content)["articles"][0]["title"] == "新的一条"


def test_two_imports_at_once_on_one_sqlite_file_both_finish_and_store_each_post_once(tmp_path):
    import subprocess
    import sys

    from caixun.store import Store

    dirs = [tmp_path / "a", tmp_path / "b"]
    for d in dirs:
        d.mkdir()
    for i in range(1500):
        # a: posts 0-999, b: posts 500-1499 (500 in both)
        for d, wanted in ((dirs[0], i < 1000), (dirs[1], i >= 500)):
            if wanted:
                (d / f"2023-03-01-{i}.md").write_text(flash_post(str(i), f"第{i}条快讯", f"某指数第{i}次收涨{i % 97}点，成交{i}亿元。",
                                                                  date=f"2023-03-01 {8 + i // 600:02d}:{i // 10 % 60:02d}:{i % 60:02d}"),
                                                       encoding="utf-8")  # fmt: skip
    db = str(tmp_path / "c.db")
    Store(db).close()  # created first: two processes migrating a new file is another test's subject
    procs = [subprocess.Popen([sys.executable, "-m", "caixun.cli", "--db", db, "import", str(d)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for d in dirs]  # fmt: skip
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    store = Store(db)
    try:
        keys = [a.key for a in store.iter_articles()]
    finally:
        store.close()
    assert len(keys) == 1500 == len(set(keys))


@pytest.mark.parametrize("command", ["serve", "run"])
def test_a_busy_port_is_one_clear_line_and_exit_2(tmp_path, command):
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        extra = ["--config", str(_empty_config(tmp_path))] if command == "run" else []
        done = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", str(tmp_path / "a.db"), *extra, command,
                               "--port", str(port)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if "error" in line]) == 1


def _empty_config(tmp_path):
    path = tmp_path / "none.toml"
    path.write_text("sources = []\n", encoding="utf-8")
    return path
