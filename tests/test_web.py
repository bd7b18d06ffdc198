"""The web site, JSON API and feeds through the ASGI app (FastAPI's TestClient),
on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import feedparser
import pytest
from fastapi.testclient import TestClient

from caixun.web.app import create_app
from tests.webdata import fill, fill_xss


@pytest.fixture
def client(store):
    fill(store, extra_items=45)
    return TestClient(create_app(store)), store


def test_home_lists_newest_stories_per_source_with_feeds(client):
    c, store = client
    r = c.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    body = r.text
    for name in ("甲财经", "乙日报", "丙快讯"):
        assert name in body
    assert "另有 1 个来源报道" in body  # the rate cut told by two sources
    assert '<link rel="alternate" type="application/atom+xml"' in body and 'href="/feed.rss"' in body
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert body.count('class="story"') == 5 + 2 + 2  # five newest of 丙快讯, the rest of the others


def test_source_pages_paginate_by_key(client):
    c, store = client
    slug = store.source_slugs()["丙快讯"]
    first = c.get(f"/source/{slug}/")
    assert first.status_code == 200 and "快讯第44条" in first.text and "快讯第14条" not in first.text
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = c.get(f"/source/{slug}/{older}")
    assert "快讯第14条" in second.text and "快讯第44条" not in second.text
    assert c.get("/source/no-such-source/").status_code == 404


def test_article_page_shows_body_link_story_and_history(client):
    c, store = client
    art = store.get_article_by_key("a:2")
    r = c.get(f"/article/{art.id}.html")
    assert r.status_code == 200
    assert "介休市一季度经济运行情况（更正）" in r.text and "85.3亿元" in r.text
    assert "修改记录" in r.text and "85.2亿元" in r.text  # the earlier version
    assert 'href="http://news.example.com/a:2.html"' in r.text
    assert "2024-03-05 09:40" in r.text  # GMT+8
    cut = store.get_article_by_key("a:1")
    assert "同一报道的其他来源" in c.get(f"/article/{cut.id}.html").text
    assert c.get("/article/999999.html").status_code == 404
    page = c.get(f"/article/{store.get_article_by_key('a:3').id}.html").text
    assert "数据" in page and "600519.SH" in page and "1700" in page  # figures and securities of the text


def test_api_facts_of_an_article(client):
    c, store = client
    art = store.get_article_by_key("a:2")
    got = c.get(f"/api/articles/{art.id}/facts").json()
    money = [f for f in got["figures"] if f["kind"] == "money"]
    assert money[0]["value"] == "8530000000" and money[0]["unit"] == "CNY" and money[0]["period"] == "2024Q1"
    pct = [f for f in got["figures"] if f["kind"] == "percent"][0]
    assert pct["value"] == "6.1" and pct["direction"] == "up"
    assert c.get("/api/articles/99999/facts").status_code == 404


def test_search_page_finds_two_character_words(client):
    c, _ = client
    r = c.get("/search", params={"q": "降准"})
    assert r.status_code == 200 and "共 2 篇" in r.text and "<mark>降准</mark>" in r.text
    r = c.get("/search", params={"q": "介休"})
    assert "共 1 篇" in r.text
    assert 'href="/search/feed.atom?q=%E4%BB%8B%E4%BC%91"' in r.text
    assert "输入要搜索的词" in c.get("/search").text


@pytest.mark.parametrize("path", ["/feed.{k}", "/source/{slug}/feed.{k}", "/tag/{tag}/feed.{k}", "/search/feed.{k}?q=降准"])
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feeds_parse_without_errors(client, path, kind):
    c, store = client
    url = path.format(k=kind, slug=store.source_slugs()["甲财经"], tag="甲财经新闻")
    r = c.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith(f"application/{kind}+xml")
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries, url
    for e in parsed.entries:
        assert e.published_parsed and e.title and e.link.startswith("http://testserver/article/")
    times = [e.published_parsed for e in parsed.entries]
    assert times == sorted(times, reverse=True)


def test_json_feed_is_json_feed_1_1(client):
    c, _ = client
    doc = json.loads(c.get("/feed.json").content)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["items"][0]["date_published"].endswith("+08:00")
    assert all(i["id"].startswith("http://testserver/article/") for i in doc["items"])


def test_feed_escapes_titles(store):
    fill_xss(store)
    c = TestClient(create_app(store))
    for kind in ("atom", "rss"):
        parsed = feedparser.parse(c.get(f"/feed.{kind}").content)
        assert not parsed.bozo
        assert any("<script>" in e.title for e in parsed.entries)  # kept as text, escaped in XML


def test_api_articles_search_sources_clusters(client):
    c, store = client
    spec = c.get("/openapi.json").json()
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/search", "/api/sources", "/api/clusters/{cluster_id}"):
        assert path in spec["paths"]
    page1 = c.get("/api/articles", params={"limit": 20}).json()
    page2 = c.get("/api/articles", params={"limit": 20, "before": page1["next_before"]}).json()
    ids = [a["id"] for a in page1["articles"] + page2["articles"]]
    assert len(ids) == len(set(ids)) == 40
    only = c.get("/api/articles", params={"source": "乙日报"}).json()["articles"]
    assert [a["source"] for a in only] == ["乙日报"]
    found = c.get("/api/search", params={"q": "降准"}).json()
    assert found["total"] == 2 and "<mark>降准</mark>" in found["results"][0]["snippet"]
    srcs = {s["name"]: s for s in c.get("/api/sources").json()}
    assert srcs["丙快讯"]["articles"] == 45
    cut = store.get_article_by_key("a:1")
    story = c.get(f"/api/clusters/{cut.cluster_id}").json()
    assert story["sources"] == 2
    one = c.get(f"/api/articles/{store.get_article_by_key('a:2').id}").json()
    assert one["version"] == 2 and one["history"][0]["version"] == 1
    assert c.get("/api/articles/424242").status_code == 404
    assert c.get("/api/search", params={"q": "降准", "order": "sideways"}).status_code == 422


def test_html_written_into_the_database_by_anything_else_is_sanitized_on_the_way_out(store, tmp_path):
    from sqlalchemy import update

    from caixun.publish.site import export_site
    from caixun.store.schema import articles

    fill(store)
    art = store.get_article_by_key("a:1")
    rogue = '<p style="display:none" onclick="x()">降准<script>alert(1)</script><a href="javascript:alert(2)">链接</a></p>'
    with store.engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == art.id).values(html=rogue))
    c = TestClient(create_app(store))
    export_site(store, tmp_path / "site")
    for page in (c.get(f"/article/{art.id}.html").text, (tmp_path / "site" / f"article/{art.id}.html").read_text(encoding="utf-8")):
        body = page.split('<div class="body">', 1)[1].split("</div>", 1)[0]
        assert "降准" in body and "链接" in body
        assert "<script" not in body and "onclick" not in body and "javascript:" not in body and "style=" not in body


def test_answers_come_from_memory_until_anyone_commits(client):
    """The home page, a feed and the API are made once while the database is
    unchanged, and made again as soon as another connection (a poller in
    another process) commits, with a new ETag."""
    from caixun.pipeline import ingest
    from caixun.store import Store
    from tests.webdata import raw

    c, store = client
    answers = c.app.state.answers
    first = c.get("/")
    if store.generation() is None:
        pytest.skip("an in-memory database cannot be watched")
    hits = answers.hits
    for path in ("/", "/", "/feed.atom", "/feed.atom", "/api/articles?limit=5", "/api/articles?limit=5"):
        assert c.get(path).status_code == 200
    assert answers.hits == hits + 4  # all but the first request of the feed and of the API
    assert c.get("/", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    other = Store(store.url)  # another connection, as another process has
    ingest(other, [raw("n:1", "丙快讯", "缓存之后的新快讯", "新快讯正文，沪指收涨。", 900)])
    other.close()
    again = c.get("/")
    assert "缓存之后的新快讯" in again.text and again.headers["etag"] != first.headers["etag"]
    assert "缓存之后的新快讯" in c.get("/feed.atom").text
    assert c.get("/", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
