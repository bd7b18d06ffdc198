"""A hostile corpus through every way in (`caixun import`, RSS and Atom
sources, East Money lists over loopback) and out (served pages, static export,
Jekyll export and the site Jekyll builds from it, feeds, API): no script, no
`javascript:`/`data:` URL anywhere, and the payloads still shown as text.

The browser tests load every page in Debian's Chromium (over http, and over
file:// for the static export) and click every link of the article pages."""

from __future__ import annotations

import functools
import json
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from caixun.cli import cli
from caixun.store import Store
from tests.conftest import free_port, require
from tests.hostile import (
    BAD_LINKS,
    feed_documents,
    newsapi_items,
    payloads,
    unsafe_urls,
    write_posts,
)
from tests.newsapi import NewsApi, config_toml

CHROMIUM = Path("/usr/bin/chromium")


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


class Files:
    """A directory served over HTTP on loopback (what static hosting does: no CSP header)."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Files:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A SQLite archive filled with the hostile corpus through the three ways in."""
    root = tmp_path_factory.mktemp("hostile")
    db = str(root / "h.db")
    posts = root / "posts"
    n_posts = write_posts(posts)
    r = invoke("--db", db, "import", str(posts))
    assert f"{n_posts} added" in r.output, r.output
    feeds_dir = root / "feeds"
    feeds_dir.mkdir()
    rss, atom = feed_documents()
    (feeds_dir / "rss.xml").write_bytes(rss)
    (feeds_dir / "atom.xml").write_bytes(atom)
    with Files(feeds_dir) as files, NewsApi(newsapi_items()) as api:
        cfg = root / "caixun.toml"
        cfg.write_text(
            config_toml(api.base)
            + f'\n[[sources]]\nname = "恶意RSS<script>alert(1)</script>"\nkind = "feed"\nurl = "{files.base}/rss.xml"\n'
            + f'\n[[sources]]\nname = "恶意Atom"\nkind = "feed"\nurl = "{files.base}/atom.xml"\ntag = "<b onmouseover=alert(1)>标签</b>"\n',
            encoding="utf-8",
        )
        r = invoke("--db", db, "--config", str(cfg), "fetch")
        assert r.exit_code in (0, 1), r.output
    return root


def test_every_hostile_item_is_stored_and_no_unsafe_link_is_kept(hostile):
    store = Store(f"sqlite:///{hostile / 'h.db'}")
    try:
        arts = list(store.iter_articles())
        n = len(payloads())
        # posts, RSS, Atom, rolling, media (one media outlet is a payload's name)
        assert len(arts) >= 5 * n - 2, len(arts)
        for a in arts:
            assert a.url == "" or a.url.startswith(("http://", "https://")), a.url
        kept_aside = [a.meta["unsafe_url"] for a in arts if "unsafe_url" in a.meta]
        assert any("javascript" in u.lower() for u in kept_aside)  # nothing lost: kept, never linked
        titles = {a.title for a in arts}
        assert any("<script>" in t for t in titles)  # payloads are text, shown as text
    finally:
        store.close()


def test_static_export_pages_and_feeds_hold_no_script_or_unsafe_link(hostile, tmp_path):
    out = tmp_path / "site"
    r = invoke("--db", str(hostile / "h.db"), "export", "site", str(out))
    assert r.exit_code == 0, r.output
    pages = list(out.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert unsafe_urls(text) == [], page
        assert '<meta http-equiv="Content-Security-Policy"' in text, page
    for feed in out.rglob("feed.json"):
        for item in json.loads(feed.read_text(encoding="utf-8"))["items"]:
            ext = item.get("external_url")
            assert ext is None or ext.startswith(("http://", "https://")), ext
            assert unsafe_urls(item["content_html"]) == []
            for bad in ('">', "'", "<", " "):
                assert ext is None or bad not in ext
    for feed in [*out.rglob("feed.atom"), *out.rglob("feed.rss")]:
        root = etree.fromstring(feed.read_bytes())
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            name = etree.QName(el).localname
            if name in ("content", "description") and el.text:
                assert unsafe_urls(el.text) == [], feed
            for value in [el.get("href"), el.text if name in ("link", "guid", "id") else None]:
                assert not value or value.startswith(("http://", "https://", "urn:")), (feed, value)


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_jekyll_export_is_safe_html_with_escaped_front_matter(hostile, tmp_path):
    out = tmp_path / "jekyll"
    r = invoke("--db", str(hostile / "h.db"), "export", "jekyll", str(out))
    assert r.exit_code == 0, r.output
    posts = list((out / "_posts").iterdir())
    assert posts and all(p.suffix == ".html" for p in posts)  # no Markdown parser reads third-party text
    names = {p.name for p in posts}
    assert len(names) == len(posts)
    titles = set()
    for p in posts:
        text = p.read_text(encoding="utf-8")
        front = _front_matter(text)
        assert set(front) <= {"layout", "title", "date", "categories", "tags", "source", "back", "original", "first_seen", "version"}, p
        assert front["layout"] == "post" and str(front["date"]).endswith(("+0800", "+08:00")), front["date"]
        assert isinstance(front["tags"], list) and isinstance(front["categories"], list)
        if "original" in front:
            assert front["original"].startswith(("http://", "https://"))
            assert not any(c in front["original"] for c in "<>\"' ")
        titles.add(front["title"])
        assert unsafe_urls(text.split("---\n", 2)[2]) == [], p
    # the payloads are kept as text in the front matter, which the layouts escape
    assert any("<script>" in t for t in titles)
    for page in (out / "category").iterdir():
        _front_matter(page.read_text(encoding="utf-8") + "\n")


@pytest.mark.jekyll
def test_the_site_jekyll_builds_is_safe_on_time_and_has_no_broken_links(hostile, tmp_path, jekyll_bin):
    site = _jekyll_site(hostile, tmp_path, jekyll_bin)
    pages = list(site.rglob("*.html"))
    assert len(pages) > 50
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert unsafe_urls(text) == [], page
        broken += [f"{page.relative_to(site)} -> {href}" for href in _internal_links(text) if not _resolves(site, href)]
    assert broken == []
    # times in Beijing time: a post at 08:00 +0800 is shown at 08:00
    first = (site / "emnews/2023/04/01/20230401" f"{0:010d}.html").read_text(encoding="utf-8")
    assert "2023-04-01 08:00 GMT+8" in first and 'datetime="2023-04-01T08:00:00+08:00"' in first


def _jekyll_site(hostile: Path, tmp_path: Path, jekyll_bin: str) -> Path:
    out = tmp_path / "jekyll"
    assert invoke("--db", str(hostile / "h.db"), "export", "jekyll", str(out)).exit_code == 0
    build = subprocess.run([jekyll_bin, "build", "--source", str(out), "--destination", str(tmp_path / "_site")],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert build.returncode == 0, build.stderr + build.stdout
    return tmp_path / "_site"


def _internal_links(text: str) -> list[str]:
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(text)
    return [h for h in root.xpath("//a/@href | //link/@href") if h.startswith("/") and not h.startswith("//")]


def _resolves(site: Path, href: str) -> bool:
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(href).path)
    target = site / path.lstrip("/")
    return target.is_file() or (target / "index.html").is_file()


# -- in a real browser ---------------------------------------------------------------


INJECTED = """() => ({
  flag: window.__xss === undefined ? null : window.__xss,
  elements: document.querySelectorAll('script, iframe, object, embed, base, [onerror], [onload], [onclick], [onmouseover]').length,
  badUrls: [...document.querySelectorAll('[href], [src], [action]')]
     .map(e => e.href || e.src || e.action || '').filter(u => /^\\s*(javascript|data|vbscript):/i.test(u)),
})"""


@pytest.fixture(scope="module")
def chromium():
    require(CHROMIUM.exists(), "Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    from tests.test_browser import FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[*FLAGS, "--allow-file-access-from-files"])
        yield b
        b.close()


def _visit_all(browser, urls: list[str], click_links_of=lambda url: False) -> int:
    """Load each URL, check nothing ran; on pages `click_links_of` picks, click
    every link and check the page it leads to. Returns the pages checked."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    checked = 0

    def check(where: str) -> None:
        nonlocal checked
        page.wait_for_timeout(20)
        got = page.evaluate(INJECTED)
        assert got == {"flag": None, "elements": 0, "badUrls": []}, where
        assert dialogs == [], where
        checked += 1

    for url in urls:
        page.goto(url)
        check(url)
        if click_links_of(url):
            for i in range(page.locator("main a[href]").count()):
                link = page.locator("main a[href]").nth(i)
                href = link.get_attribute("href") or ""
                if href.startswith(("http://example.org", "https://example.org", "http://news.example.com", "http://finance.example.com")):
                    continue  # off-site (no network here): its href was checked above
                link.hover()
                link.click()
                page.wait_for_load_state()
                check(f"{url} -> {href}")
                if page.url.startswith("file://"):  # from disk, every own link leads to a page that is there
                    assert Path(unquote(urlsplit(page.url).path)).is_file(), f"{url} -> {href} -> {page.url}"
                page.goto(url)
    context.close()
    return checked


def _every_nth(items: list, n: int) -> list:
    """Every n-th item: clicking every link of every article page would take
    minutes; a spread of them, each of the payload families, is the point."""
    return items[::n]


@pytest.mark.browser
def test_static_export_in_chromium_over_http_and_file(hostile, tmp_path, chromium):
    out = tmp_path / "site"
    assert invoke("--db", str(hostile / "h.db"), "export", "site", str(out)).exit_code == 0
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    with Files(out) as files:
        clicked = set(_every_nth([p for p in pages if p.startswith("article/")], 16))
        n = _visit_all(chromium, [f"{files.base}/{p}" for p in pages], lambda u: u.split("/", 3)[3] in clicked)
    assert n > len(pages)
    # From disk (file://): every page loads, and a spread of them has every link clicked.
    on_disk = [(out / p).as_uri() for p in pages]
    clicked_on_disk = set(on_disk[::24])
    _visit_all(chromium, on_disk, lambda u: u in clicked_on_disk)


@pytest.mark.browser
@pytest.mark.jekyll
def test_jekyll_site_in_chromium(hostile, tmp_path, chromium, jekyll_bin):
    site = _jekyll_site(hostile, tmp_path, jekyll_bin)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    with Files(site) as files:
        clicked = set(_every_nth([p for p in pages if "/2023/" in p], 8))
        n = _visit_all(chromium, [f"{files.base}/{p}" for p in pages], lambda u: u.split("/", 3)[3] in clicked)
    assert n > len(pages)


@pytest.mark.browser
def test_served_site_with_the_hostile_archive_in_chromium(hostile, chromium):
    import time

    import uvicorn

    from caixun.web.app import create_app

    store = Store(f"sqlite:///{hostile / 'h.db'}")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        base = f"http://127.0.0.1:{port}"
        ids = [a.id for a in store.iter_articles()]
        urls = [f"{base}/", f"{base}/sources.html", *(f"{base}/article/{i}.html" for i in ids)]
        _visit_all(chromium, urls, lambda u: "/article/" in u and u.endswith(f"/{ids[0]}.html"))
        api = [json.loads(_get(f"{base}/api/articles/{i}")) for i in ids[:40]]
        assert all(a["url"] == "" or a["url"].startswith(("http://", "https://")) for a in api)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback)
        return r.read().decode("utf-8")


def test_bad_link_spellings_are_all_dropped():
    from caixun.clean.links import safe_link

    assert [safe_link(u) for u in BAD_LINKS[:6]] == [""] * 6
    assert safe_link(BAD_LINKS[6]) == "https://example.org/ok?x=%22%3E%3Cscript%3Ewindow.__xss=107%3C/script%3E"
    assert "'" not in safe_link(BAD_LINKS[7])
    assert safe_link("HTTPS://example.org/a b") == "HTTPS://example.org/a%20b"
    assert safe_link("http://") == "" and safe_link("mailto:a@b.c") == ""
