"""The web site in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium) against `caixun serve`'s app over real HTTP on loopback.

Outside CI these tests skip when Chromium is missing; under CI=true they fail."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn

from caixun.web.app import create_app
from tests.conftest import free_port, require
from tests.webdata import XSS, fill, fill_xss

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser
# The flags a headless Chromium needs here (root, no network beyond loopback).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.exists(), "Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def live(store):
    fill(store, extra_items=5)
    fill_xss(store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def test_home_source_article_and_search(live, page):
    base, store = live
    page.goto(base + "/")
    assert page.title().startswith("最新")
    page.click("text=甲财经")
    page.wait_for_url("**/source/**")
    assert "甲财经" in page.locator("h1").inner_text()
    page.click("text=介休市一季度经济运行情况（更正）")
    page.wait_for_url("**/article/*.html")
    assert "85.3亿元" in page.locator(".body").inner_text()
    assert "修改记录" in page.content()
    page.fill("input[name=q]", "降准")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    assert "共" in page.locator("h1").inner_text()
    results = page.locator("ol.results > li")
    assert results.count() >= 2
    assert page.locator("ol.results mark").first.inner_text() == "降准"
    # a reader on a phone sees the same page, without horizontal scrolling
    page.set_viewport_size({"width": 375, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_article_region_page_and_figures_chart(live, page):
    base, store = live
    page.goto(f"{base}/article/{store.get_article_by_key('a:2').id}.html")
    assert page.locator(".body mark.fig").first.inner_text() == "85.3亿元"
    page.click(".body a.ent-region >> nth=0")
    page.wait_for_url("**/region/140781/")
    assert "介休市" in page.locator("h1").inner_text()
    assert page.locator("table.figures td", has_text="8530000000").count() == 1
    page.click("text=全部数据")
    page.wait_for_url("**/figures?region=140781")
    page.select_option("select[name=indicator]", "出口额")
    page.click("form.filters button")
    page.wait_for_url("**/figures?*indicator=*")
    chart = page.locator("svg.chart")
    assert chart.count() == 1 and chart.locator("circle").count() == len(XSS)
    assert chart.bounding_box()["width"] > 200  # drawn, not collapsed


INJECTED = """() => ({
  flag: window.__xss === undefined ? null : window.__xss,
  elements: document.querySelectorAll('script, iframe, object, embed, [onerror], [onload], [onclick]').length,
  jsLinks: [...document.querySelectorAll('a[href]')].filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
})"""


def assert_inert(page, url):
    page.goto(url)
    page.wait_for_timeout(50)
    got = page.evaluate(INJECTED)
    assert got == {"flag": None, "elements": 0, "jsLinks": 0}, url
    assert page.dialogs == [], url


def test_xss_payloads_in_articles_titles_sources_and_queries_do_not_run(live, page):
    base, store = live
    urls = [base + "/", base + "/sources.html", base + "/search?q=" + quote("降准"), base + "/figures",
            base + "/figures?kind=number", base + "/figures?indicator=" + quote("出口额"), base + "/region/140781/",
            base + "/regions/", base + "/securities/"]
    slugs = store.source_slugs()
    for i, payload in enumerate(XSS):
        for key in (f"x:{i}", f"y:{i}"):
            urls.append(f"{base}/article/{store.get_article_by_key(key).id}.html")
        urls.append(f"{base}/source/{slugs[f'来源{payload}']}/")
        urls.append(base + "/search?q=" + quote(payload))
        urls.append(f"{base}/article/{store.get_article_by_key(f'z:{i}').id}.html")
        urls.append(base + "/figures?subject=" + quote(payload))
    for url in urls:
        assert_inert(page, url)
    # the payloads are shown as text, not dropped: a reader sees what was published
    page.goto(f"{base}/article/{store.get_article_by_key('y:0').id}.html")
    assert "<script>" in page.locator("h1").inner_text()
