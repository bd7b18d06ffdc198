"""Companies named without a code, market indices and a market's day (pure)."""

from __future__ import annotations

from datetime import date

from caixun.enrich.companies import extract_companies
from caixun.enrich.facts import extract


def subjects(text: str, today: date | None = None) -> list[tuple]:
    return [(f["text"], f["subject"], f["security"], f["region"]) for f in extract(text, today)["figures"]]


def test_a_company_named_without_its_code_is_the_subject_of_its_figures():
    assert subjects("如建行报告显示，理财产品业务收入65.52亿元；工行理财规模稳定，但收入下降近20%。") == [
        ("65.52亿元", "建设银行", "601939.SH", None), ("近20%", "工商银行", "601398.SH", None)]


def test_a_short_name_counts_only_where_a_word_starts():
    assert extract_companies("施工行业产值增长5%，加工行业也是") == []  # 工行 inside 施工行业
    assert [c.name for c in extract_companies("，工行净利润增长5%")] == ["工商银行"]
    assert extract_companies("京东方面表示") == []  # 京东 + 方面, not 京东方
    assert extract_companies("中国银行业协会发布报告") == []  # the banking industry, not 中国银行


def test_a_place_in_a_company_name_is_no_place_of_the_text():
    got = extract("湖北宜化营收增长12%")
    assert [(f["subject"], f["region"]) for f in got["figures"]] == [("湖北宜化", None)]
    assert not [e for e in got["entities"] if e["type"] == "region"]


def test_a_subsidiary_is_a_company_of_its_own_and_a_quoted_source_no_subject():
    assert subjects("东方财富证券实现营业收入41.77亿元") == [("41.77亿元", "东方财富证券", None, None)]
    assert subjects("据中信证券报告，9月同业存单到期规模为2.14万亿元") == [("2.14万亿元", None, None, None)]


def test_the_central_bank_is_china_unless_another_economy_is_named():
    assert [f["subject"] for f in extract("央行公开市场本周逆回购到期1,700亿元。日本央行资产扩大2%。")["figures"]] == ["中国", "日本"]


def test_an_index_is_about_no_place_or_company():
    got = subjects("美国道指下跌362点。A股：31日收盘，沪指（000001）报3480.83，跌0.21%。")
    assert [s for _, s, _, _ in got] == [None, None, None]


def test_a_market_day_named_by_its_day_or_weekday_is_the_period():
    wednesday = date(2018, 1, 31)
    figs = extract("A股：31日收盘，沪指报3480.83。美股：周三开盘，道指涨227.81点。周三公布的数据显示，PMI为51.3%。近5日涨幅为3%。", wednesday)["figures"]
    assert [(f["text"], f["period"]) for f in figs] == [
        ("3480.83", "2018-01-31"), ("227.81点", "2018-01-31"), ("51.3%", None), ("3%", None)]
    assert extract("周二收盘，恒指跌1%", wednesday)["figures"][0]["period"] == "2018-01-30"
    assert extract("29日收盘，恒指跌1%", date(2018, 2, 1))["figures"][0]["period"] == "2018-01-29"  # last month's 29th
