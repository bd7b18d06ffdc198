"""Sources as people keep and watch them: OPML in and out, the web sources
page with every configured source and its health, /api/sources/health, the
Atom feed of health changes, the 重要 mark and filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from lxml import etree

from caixun.cli import cli
from caixun.config import DEFAULT_SOURCES, load_config
from caixun.model import RawItem
from caixun.opml import OpmlError, export_opml, read_opml
from caixun.pipeline import ingest
from caixun.web.app import create_app

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>FreshRSS</title></head><body>
  <outline text="Finance"><outline text="Blog &amp; co" title="Blog &amp; co" type="rss" xmlUrl="https://blog.example.org/feed.xml"/>
  <outline text="Other" type="rss" xmlUrl="https://other.example.org/atom.xml"/></outline>
  <outline text="bad" type="rss" xmlUrl="javascript:alert(1)"/>
  <outline text="Blog again" type="rss" xmlUrl="https://blog.example.org/feed.xml"/>
</body></opml>"""


XXE = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" type="rss" xmlUrl="https://x.example.org/"/><outline text="x">&xxe;</outline></body></opml>"""


def test_opml_is_read_without_entities_and_written_back(tmp_path):
    feeds = read_opml(OPML)
    assert feeds[0] == ("Blog & co", "https://blog.example.org/feed.xml")
    assert len(feeds) == 3
    with pytest.raises(OpmlError, match="not an OPML file"):  # external entities are refused, never read
        read_opml(XXE)
    again = read_opml(export_opml([("A\"<b>", "https://a.example.org/f?x=1&y=2")]).encode())
    assert again == [("A\"<b>", "https://a.example.org/f?x=1&y=2")]


def test_import_opml_adds_feeds_to_a_new_config_keeping_the_default_providers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.opml").write_bytes(OPML)
    r = CliRunner().invoke(cli, ["--db", "c.db", "sources", "--import-opml", "feeds.opml"])
    assert r.exit_code == 0, r.output
    assert "2 feeds added" in r.output and "javascript" in r.output  # the bad one is named, not added
    config = load_config(tmp_path / "caixun.toml")
    assert [s.kind for s in config.sources][:6] == [s.kind for s in DEFAULT_SOURCES]
    assert [s.url for s in config.sources if s.kind == "feed"] == ["https://blog.example.org/feed.xml", "https://other.example.org/atom.xml"]
    # again: nothing new
    r = CliRunner().invoke(cli, ["--db", "c.db", "--config", "caixun.toml", "sources", "--import-opml", "feeds.opml"])
    assert "0 feeds added" in r.output
    out = CliRunner().invoke(cli, ["--db", "c.db", "--config", "caixun.toml", "sources", "--export-opml", "-"])
    assert len(read_opml(out.stdout.encode())) == 2


def _client(store):
    return TestClient(create_app(store, configured=DEFAULT_SOURCES))


def test_sources_page_lists_every_configured_source_with_its_health_in_chinese(store):
    t0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    store.record_poll("财联社电报", now=t0, interval=60, error=None, listed=20, added=20)
    why = "财联社 refused the signature (errno 10012 签名错误): has the signing scheme changed?"
    store.record_poll("财联社电报", now=t0 + timedelta(minutes=1), interval=60, error=why, broken=why)
    store.record_poll("金十数据", now=t0, interval=60, error="www.jin10.com: timed out (ConnectTimeout)")
    client = _client(store)
    page = client.get("/sources.html").text
    root = etree.HTML(page)
    rows = {r.xpath("string(td[1])"): [td.xpath("string(.)") for td in r.xpath("td")] for r in root.xpath("//table[contains(@class,'configured')]//tr[td]")}
    assert set(rows) == {s.name for s in DEFAULT_SOURCES}  # never polled ones too
    assert rows["财联社电报"][3] == "失效" and "10012" in rows["财联社电报"][6]
    assert rows["金十数据"][3] == "失败" and rows["东财快讯"][3] == "尚未采集"
    assert rows["财联社电报"][4] == "2026-12-07 09:00"  # Beijing time
    assert rows["财联社电报"][5] == "20" and rows["东财快讯"][5] == "0"
    api = {r["name"]: r for r in client.get("/api/sources/health").json()}
    assert api["财联社电报"]["health"] == "broken" and api["财联社电报"]["reason"] == why
    feed = etree.fromstring(client.get("/sources/health.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")][1:]
    assert titles == ["财联社电报：已失效", "金十数据：采集失败", "财联社电报：正常"]  # newest first


def test_important_items_are_marked_and_filtered(store):
    t = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    items = [RawItem(key=f"cls:{i}", source="财联社电报", item_id=str(i), title=f"快讯{i}号", body=f"第{i}条快讯的正文。",
                     body_format="text", published=t + timedelta(minutes=i), meta={"important": True} if i % 2 else {})
             for i in range(4)]  # fmt: skip
    ingest(store, items)
    client = _client(store)
    api = client.get("/api/articles", params={"important": "true"}).json()["articles"]
    assert [a["title"] for a in api] == ["快讯3号", "快讯1号"] and all(a["important"] for a in api)
    assert api[0]["first_seen_at"].endswith("+08:00")
    page = client.get("/important/").text
    assert "快讯3号" in page and "快讯2号" not in page
    home = etree.HTML(client.get("/").text)
    marked = [li.xpath("string(a)") for li in home.xpath("//li[span[@class='important']]")]
    assert sorted(marked) == ["快讯1号", "快讯3号"]
