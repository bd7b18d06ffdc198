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


def fill_series(store) -> None:
    """CPI and GDP as several outlets report them (figures made up here): one
    point told twice, one told differently (a conflict), another economy, a
    forecast, a share, a change on the month; GDP under two of its names."""
    items = [
        raw("s:1", "甲财经", "10月CPI同比下降0.2%", "国家统计局9日公布，2023年10月份全国居民消费价格同比下降0.2%，环比下降0.1%。", 500),
        raw("s:2", "乙日报", "全国CPI同比降0.2%", "2023年10月，全国CPI同比下降0.2%。", 501),
        raw("s:3", "丙快讯", "CPI同比下降", "2023年10月，全国CPI同比下降0.1%。", 502),
        raw("s:4", "甲财经", "9月CPI", "2023年9月份，全国居民消费价格同比上涨0.2%。", 503),
        raw("s:5", "甲财经", "8月CPI", "2023年8月份，全国居民消费价格同比上涨0.1%。", 504),
        raw("s:6", "乙日报", "美国CPI", "美国2023年10月CPI同比上涨3.2%，前值上涨3.7%。", 505),
        raw("s:7", "乙日报", "全年物价展望", "机构预计2023年全年全国CPI涨幅在2%左右。", 506),
        raw("s:8", "丙快讯", "食品价格", "2023年10月，食品价格下降拉低全国CPI，占CPI同比降幅的75.3%。", 507),
        raw("s:9", "甲财经", "介休经济", "2023年，介休市地区生产总值完成300.5亿元。", 508),
        raw("s:10", "乙日报", "介休GDP", "2022年介休市GDP为280.2亿元。", 509),
        raw("s:11", "丙快讯", "介休2021", "2021年，介休市实现地区生产总值255.0亿元。", 510),
    ]
    ingest(store, items)
