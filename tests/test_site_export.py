"""`export site`: a static copy of the site, incremental."""

from __future__ import annotations

import json

import feedparser
from click.testing import CliRunner

from caixun.cli import cli
from caixun.pipeline import ingest
from caixun.publish import feeds
from caixun.publish.site import MANIFEST, export_site
from tests.webdata import fill, raw


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and p.name != MANIFEST}


def test_full_export_has_every_page_and_valid_feeds(store, tmp_path):
    fill(store, extra_items=150)
    result = export_site(store, tmp_path / "site", base_url="https://news.example.org/archive")
    root = tmp_path / "site"
    n = store.count_articles()
    assert len(list((root / "article").glob("*.html"))) == n == result.articles_rendered
    slug = store.source_slugs()["丙快讯"]
    assert (root / "index.html").exists() and (root / "sources.html").exists()
    assert "静态网站不支持搜索" in (root / "search.html").read_text(encoding="utf-8")
    # 150 articles of one source: the newest 30 on its page, archive pages of 100 from the oldest
    index = (root / f"source/{slug}/index.html").read_text(encoding="utf-8")
    assert "快讯第149条" in index and 'href="page/2.html"' in index
    assert "快讯第0条" in (root / f"source/{slug}/page/1.html").read_text(encoding="utf-8")
    assert "快讯第149条" in (root / f"source/{slug}/page/2.html").read_text(encoding="utf-8")
    assert (root / "tag/丙快讯新闻/index.html").exists()
    for feed in ("feed.atom", "feed.rss", f"source/{slug}/feed.atom", "tag/丙快讯新闻/feed.rss"):
        parsed = feedparser.parse((root / feed).read_bytes())
        assert not parsed.bozo and parsed.entries
        assert parsed.entries[0].link.startswith("https://news.example.org/archive/article/")
    assert json.loads((root / "feed.json").read_text(encoding="utf-8"))["items"]


def test_second_export_rewrites_only_changed_pages(store, tmp_path):
    fill(store, extra_items=150)
    root = tmp_path / "site"
    export_site(store, root)
    before = snapshot(root)
    again = export_site(store, root)
    assert again.written == 0 and again.articles_rendered == 0 and snapshot(root) == before
    ingest(store, [raw(f"n:{i}", "丙快讯", f"新快讯{i}", f"新的第{i}条快讯正文，恒指收涨{i}点。", 500 + i) for i in range(3)])
    third = export_site(store, root)
    after = snapshot(root)
    changed = {p for p in after if after[p] != before.get(p)}
    slug = store.source_slugs()["丙快讯"]
    new_ids = {store.get_article_by_key(f"n:{i}").id for i in range(3)}
    assert {f"article/{i}.html" for i in new_ids} <= changed
    assert third.articles_rendered == 3
    assert f"source/{slug}/page/2.html" in changed and f"source/{slug}/page/1.html" not in changed
    assert "index.html" in changed and "feed.atom" in changed
    甲 = store.source_slugs()["甲财经"]
    assert f"source/{甲}/index.html" not in changed and f"source/{甲}/feed.atom" not in changed
    assert len(changed) < 25


def test_export_site_command(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    from caixun.store import Store

    with Store(db) as s:
        fill(s)
    r = CliRunner().invoke(cli, ["--db", db, "export", "site", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "files written" in r.output and (tmp_path / "out" / "index.html").exists()


def test_feeds_sharing_entries_each_list_their_own_articles(store, tmp_path):
    # Feed entries and articles are built once per export and shared by every
    # feed an article is in: each feed must still hold exactly its listing's newest.
    fill(store, extra_items=60)
    root = tmp_path / "site"
    export_site(store, root, base_url="https://x.example")
    slugs = store.source_slugs()

    def links(path):
        parsed = feedparser.parse((root / path).read_bytes())
        assert not parsed.bozo
        return [e.link for e in parsed.entries]

    def expected(source=None):
        return [f"https://x.example/article/{a.id}.html" for a in store.articles_page(source=source, limit=50)]

    assert links("feed.atom") == expected()
    for name, slug in slugs.items():
        assert links(f"source/{slug}/feed.atom") == expected(name) == links(f"source/{slug}/feed.rss")
        assert links(f"tag/{name}新闻/feed.atom") == expected(name)
        items = json.loads((root / f"source/{slug}/feed.json").read_text(encoding="utf-8"))["items"]
        assert [i["url"] for i in items] == expected(name)


def test_shared_feed_entries_give_the_same_bytes_as_feeds_made_alone(store):
    # Entries (lxml elements and JSON items) made once and moved from feed to
    # feed must serialize exactly as freshly built ones.
    fill(store, extra_items=20)
    shared: dict = {}
    for name in store.source_slugs():
        arts = store.articles_page(source=name, limit=50)
        info = feeds.FeedInfo(f"财讯 {name}", "https://x.example/s/", "https://x.example/s/feed")
        for _ in range(2):  # the second time every entry comes from `shared`
            assert feeds.render_all(info, arts, "https://x.example", shared) == feeds.render_all(info, arts, "https://x.example")
    whole = store.articles_page(limit=50)
    info = feeds.FeedInfo("财讯 全部", "https://x.example/", "https://x.example/feed")
    assert feeds.render_all(info, whole, "https://x.example", shared) == feeds.render_all(info, whole, "https://x.example")


def test_article_pages_made_by_worker_processes_are_those_made_in_process(store, tmp_path, monkeypatch):
    # A full export of a large archive makes its article pages in worker
    # processes (each with its own connection); the site, manifest included,
    # must be byte for byte the one made in one process, and the progress
    # must count every article.
    from caixun.publish import site as site_module

    assert store.shared_by_processes  # else the export would stay in one process
    fill(store, extra_items=150)
    monkeypatch.setattr(site_module, "PARALLEL_MIN", 10**9)
    one = export_site(store, tmp_path / "one")
    monkeypatch.setattr(site_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(site_module, "CHUNK", 40)
    seen = []
    many = export_site(store, tmp_path / "many", on_progress=seen.append)
    assert many == one and many.articles_rendered == store.count_articles() == sum(seen)

    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert files(tmp_path / "many") == files(tmp_path / "one")
    assert export_site(store, tmp_path / "many").articles_rendered == 0  # the manifest lists the workers' pages


def own_links(root):
    """(page, link) for every href/src/action of every exported page that is not absolute."""
    import re

    for page in root.rglob("*.html"):
        for link in re.findall(r'(?:href|src|action)="([^"]*)"', page.read_text(encoding="utf-8")):
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^//", link, re.I):
                yield page, link


def test_every_own_link_is_relative_and_leads_to_an_exported_file(store, tmp_path):
    """So that the export works from a sub-path (https://example.org/news/)
    and opened from disk (file://): no root-relative link, and each link,
    resolved against its page as a browser would, names an exported file."""
    from urllib.parse import unquote, urljoin, urlsplit

    fill(store, extra_items=150)
    root = tmp_path / "site"
    export_site(store, root, base_url="https://example.org/news/")
    checked = 0
    for page, link in own_links(root):
        assert not link.startswith("/"), (page, link)
        if link.startswith(("?", "#")) or not link:
            continue
        page_url = "https://example.org/news/" + page.relative_to(root).as_posix()
        target = urlsplit(urljoin(page_url, link)).path
        assert target.startswith("/news/"), (page, link)
        file = root / unquote(target[len("/news/") :])
        assert file.is_file(), f"{page.relative_to(root)}: {link} -> {file} is not there"
        checked += 1
    assert checked > 1000
    assert "https://example.org/news/article/" in (root / "feed.atom").read_text(encoding="utf-8")
