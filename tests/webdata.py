"""Articles for the web, feed and browser tests, written here (not copied)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from caixun.model import RawItem
from caixun.pipeline import ingest

T0 = datetime(2024, 3, 5, 1, 30, tzinfo=UTC)
XSS = [
    "<script>window.__xss=1;alert(1)</script>",
    '<img src=x onerror="window.__xss=2;alert(2)">',
    '<svg onload="window.__xss=3">',
    '"><script>window.__xss=4</script>',
    "<a href=\"javascript:window.__xss=5\">点我</a>",
    "<iframe src=\"javascript:parent.__xss=6\"></iframe>",
    "<body onload=window.__xss=7>",
    "<div style=\"background:url(javascript:window.__xss=8)\">x</div>",
    "</title><script>window.__xss=9</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=10>",
    "{{7*7}}${7*7}<%= 7*7 %>",
]


def raw(key: str, source: str, title: str, body: str, minutes: int, fmt: str = "text", url: str = "") -> RawItem:
    return RawItem(key=key, source=source, item_id=key.split(":")[-1], title=title, body=body, body_format=fmt,
                   published=T0 + timedelta(minutes=minutes), url=url or f"http://news.example.com/{key}.html")  # fmt: skip


def fill(store, extra_items: int = 0) -> None:
    rrb = "中国人民银行宣布，下调金融机构存款准备金率0.5个百分点，此次降准共计释放长期资金约1万亿元。"
    items = [
        raw("a:1", "甲财经", "央行宣布降准0.5个百分点", rrb, 0),
        raw("b:1", "乙日报", "央行降准 释放长期资金约1万亿元", "据报道，" + rrb, 3),
        raw("a:2", "甲财经", "介休市一季度经济运行情况", "介休市一季度地区生产总值完成85.2亿元，同比增长6.1%。", 10),
        raw("a:3", "甲财经", "贵州茅台盘中涨逾2%", "<p>贵州茅台(600519)盘中<strong>涨逾2%</strong>，现报1700元。</p>", 20, "html"),
    ]
    items += [raw(f"c:{i}", "丙快讯", f"快讯第{i}条：港股收涨", f"恒生指数收涨{i}点，第{i}条快讯。", 30 + i) for i in range(extra_items)]
    ingest(store, items)
    # an edit, so the article has a history
    ingest(store, [raw("a:2", "甲财经", "介休市一季度经济运行情况（更正）", "介休市一季度地区生产总值完成85.3亿元，同比增长6.1%。", 10)])


def fill_xss(store) -> None:
    items = []
    for i, p in enumerate(XSS):
        items.append(raw(f"x:{i}", f"来源{p}", f"标题{p}", f"<p>正文 降准 {p}</p>{p}", 100 + i, "html"))
        items.append(raw(f"y:{i}", "文本源", f"纯文本{p}", f"降准 {p}", 200 + i, "text"))
        # figures and a region beside the payload: the figures view, the region
        # page and the marks in the article body show these titles and texts
        items.append(raw(f"z:{i}", "数据源", f"数据{p}", f"<p>{p}介休市出口额增长{i + 1}%，{p}达{i + 1}亿元</p>", 300 + i, "html"))
    ingest(store, items)
