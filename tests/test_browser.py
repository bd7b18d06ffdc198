"""The web site in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium) against `caixun serve`'s app over real HTTP on loopback.

Outside CI these tests skip when Chromium is missing; under CI=true they fail."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn

from caixun.store import FigureFilter
from caixun.web.app import create_app
from tests.conftest import SHARED, free_port, require
from tests.webdata import XSS, fill, fill_series, fill_xss

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
    yield from serve(store)


@pytest.fixture
def live_series(store):
    fill_series(store)
    yield from serve(store)


def serve(store):
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
    charts = page.locator("svg.chart")
    assert charts.count() >= 2  # one per measure and unit: the changes (%) and the amounts (CNY) at least
    stored = store.count_figures(FigureFilter(indicator="出口额", region="140781"))
    assert stored >= 2 * len(XSS) - 3 and sum(charts.nth(i).locator("circle").count() for i in range(charts.count())) == stored
    assert charts.first.bounding_box()["width"] > 200  # drawn, not collapsed


# Every label of the chart inside the drawing (nothing clipped), and its size
# on the screen in CSS pixels.
CHART_LABELS = """(svg) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
            && r.bottom <= box.bottom + 0.5, height: r.height};
  });
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}], ids=["desk", "phone"])
def test_cpi_and_gdp_charts_are_readable_one_line_per_series(live_series, browser, viewport):
    base, _ = live_series
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{base}/figures?indicator=CPI&measure=yoy")
        chart = page.locator("svg.chart")
        assert chart.count() == 1
        assert chart.locator("polyline").count() == 1  # 中国's line; 美国's single point is not joined to it
        labels = chart.evaluate(CHART_LABELS)
        texts = [t["text"] for t in labels]
        assert "中国 · CPI同比" in texts and "美国 · CPI同比" in texts and not any("预测" in t or "占比" in t for t in texts)
        assert all(t["inside"] for t in labels), [t["text"] for t in labels if not t["inside"]]
        assert min(t["height"] for t in labels) >= 8  # readable on a phone too
        ticks = [t for t in texts if t.replace(".", "").replace("-", "").isdigit()]
        assert ticks and all(len(t.split(".")[-1]) <= 2 or "." not in t for t in ticks)  # round values: 0.1, 0.5, 1
        assert chart.locator('circle[r="5"]').count() == 1  # the October conflict, a ring
        assert page.locator("tr.conflict").count() == 2  # both values with their sources
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling
        page.goto(f"{base}/figures?indicator=" + quote("地区生产总值") + "&subject=" + quote("介休市"))
        gdp = page.locator("svg.chart")
        assert gdp.count() == 1 and gdp.locator("polyline").count() == 1 and gdp.locator("circle").count() == 3  # GDP and 地区生产总值: one line
        labels = gdp.evaluate(CHART_LABELS)
        assert all(t["inside"] for t in labels)
        assert len([t for t in labels if re.fullmatch(r"\d{4}-\d{2}", t["text"])]) >= 2  # whole months on the time axis
        assert "介休市 · GDP数值（年度）" in [t["text"] for t in labels]
    finally:
        context.close()


@pytest.fixture
def live_corpus(store):
    corpus = SHARED / "corpus" / "finews"
    if not corpus.exists():
        pytest.skip("../shared/corpus is not here")
    from caixun.collect.jekyll import read_posts
    from caixun.model import RawItem
    from caixun.pipeline import ingest

    items = [item for item in read_posts([corpus]) if isinstance(item, RawItem)]
    for i, path in enumerate(sorted((SHARED / "corpus" / "extra").glob("*.txt"))):  # the long articles: （2024） among them
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        items.append(RawItem(key=f"extra:{i}", source="长文", item_id=str(i), title=title, body=body, body_format="text",
                             published=datetime(2024, 8, 15, tzinfo=UTC)))  # fmt: skip
    ingest(store, items)
    yield from serve(store)


def test_the_jiexiu_report_and_the_securities_list_of_the_corpus(live_corpus, page):
    """Issue 21's 介休 and securities findings, as a reader sees them: the
    report's figures are 介休市's (28.06亿元 一般公共预算收入, 98%, 全省第七 were
    晋中市's), 51.2亿元 is 旅游综合收入; every name on /securities/ is a name
    (预计港交所, 记者从中国石化, 将渣打集团 were not) and no bracketed year is a stock."""
    base, store = live_corpus
    hit = next(a for a in store.search("一般公共预算收入", limit=50).articles if "28.06亿元" in a.text)
    page.goto(f"{base}/article/{hit.id}.html")
    rows = page.locator("section.facts table.figures tbody tr")
    def row(text: str) -> str:
        return rows.filter(has=page.locator("td", has_text=re.compile("^" + re.escape(text) + "$"))).first.inner_text()
    for text in ("28.06亿元", "98%", "第七"):
        assert "介休市" in row(text) and "晋中市" not in row(text), text
    assert "一般公共预算收入" in row("28.06亿元") and "旅游综合收入" in row("51.2亿元")
    page.goto(f"{base}/securities/")
    links = page.locator("table.sources a[href*='/security/']")
    names = [links.nth(i).inner_text() for i in range(links.count())]
    assert len(names) >= 15, names
    sentence_words = re.compile(r"^(?:预计|记者|将|从|据|在|对|向|由|被|而|但|与|和)")
    assert not [n for n in names if sentence_words.match(n) or len(n) > 16], names
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert all(h.endswith("/") and "/security/02024.HK/" not in h for h in hrefs), hrefs  # （2024） is a year, not 02024.HK


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
