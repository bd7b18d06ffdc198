"""The figures view, CSV, region and security pages, charts and the facts API,
through the ASGI app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from caixun.pipeline import ingest
from caixun.web.app import create_app
from tests.webdata import fill, fill_series, raw


@pytest.fixture
def client(store):
    fill(store)
    quarters = [("2023年一季度", "80.1"), ("2023年上半年", "170.4"), ("2023年前三季度", "260.2")]
    ingest(store, [raw(f"q:{i}", "乙日报", f"介休经济{i}", f"{p}，介休市地区生产总值完成{v}亿元。", 300 + i)
                   for i, (p, v) in enumerate(quarters)])  # fmt: skip
    ingest(store, [raw("z:1", "乙日报", "=HYPERLINK(\"http://evil.example\")", "=1+1 晋中市出口增长3%。", 400)])
    return TestClient(create_app(store)), store


def test_figures_view_filters_by_indicator_region_period_and_source(client):
    c, _ = client
    page = c.get("/figures", params={"indicator": "地区生产总值"})
    assert page.status_code == 200
    for value in ("26020000000", "17040000000", "8530000000"):
        assert value in page.text
    assert "1700" not in page.text  # a price of 贵州茅台 is no GDP
    only_2023 = c.get("/figures", params={"indicator": "地区生产总值", "period": "2023"}).text
    assert "26020000000" in only_2023 and "8530000000" not in only_2023
    by_source = c.get("/figures", params={"source": "甲财经"}).text
    assert "8530000000" in by_source and "26020000000" not in by_source
    in_shanxi = c.get("/figures", params={"region": "140000"}).text  # the province takes in 介休市 and 晋中市
    assert "26020000000" in in_shanxi and "3%" in in_shanxi
    assert 'href="/figures.csv?indicator=' in page.text  # the CSV of the same filter


def test_an_indicator_is_charted_over_its_periods(client):
    c, _ = client
    page = c.get("/figures", params={"indicator": "地区生产总值", "subject": "介休市"}).text
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<polyline" in svg and svg.count("<circle") == 4  # 2023Q1, H1, Q1-Q3, and 2024Q1
    assert "2023-03-31" in svg and "2024-03-31" in svg and "介休市" in svg
    assert "<svg" not in c.get("/figures").text  # no indicator chosen: no chart


def test_figures_csv_is_a_spreadsheet_without_formulas(client):
    c, _ = client
    r = c.get("/figures.csv", params={"region": "140700"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    gdp = [x for x in rows if x["value"] == "26020000000"]
    assert gdp and gdp[0]["unit"] == "CNY" and gdp[0]["region"] == "140781" and gdp[0]["region_name"] == "介休市"
    assert gdp[0]["period"] == "2023Q1-Q3" and gdp[0]["source"] == "乙日报"
    export = [x for x in rows if x["value"] == "3"][0]
    assert export["title"].startswith("'=HYPERLINK") and export["direction"] == "up"


def test_region_and_security_pages(client):
    c, store = client
    county = c.get("/region/140781/")
    assert county.status_code == 200
    assert "介休市" in county.text and 'href="/region/140700/"' in county.text and 'href="/region/140000/"' in county.text
    assert "介休市一季度经济运行情况（更正）" in county.text and "8530000000" in county.text
    province = c.get("/region/140000/").text
    assert "介休经济0" in province and "下辖" in province  # news of the places inside it
    assert c.get("/region/999999/").status_code == 404
    stock = c.get("/security/600519.SH/")
    assert stock.status_code == 200 and "贵州茅台" in stock.text and "贵州茅台盘中涨逾2%" in stock.text
    assert c.get("/security/000000.SZ/").status_code == 404


def test_article_page_marks_figures_and_links_entities(client):
    c, store = client
    page = c.get(f"/article/{store.get_article_by_key('a:2').id}.html").text
    body = page.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    assert '<mark class="fig fig-money"' in body and ">85.3亿元</mark>" in body
    assert 'title="8530000000 CNY · 地区生产总值 · 介休市 · 2024Q1"' in body
    assert '<a class="ent ent-region" href="/region/140781/">介休市</a>' in body
    stock = c.get(f"/article/{store.get_article_by_key('a:3').id}.html").text
    assert 'href="/security/600519.SH/"' in stock


def test_facts_api(client):
    c, _ = client
    got = c.get("/api/figures", params={"indicator": "地区生产总值", "limit": 2}).json()
    assert got["total"] == 5 and len(got["figures"]) == 2  # four amounts and the growth of 6.1%
    assert got["figures"][0]["value"] == "26020000000" and got["figures"][0]["region_name"] == "介休市"
    region = c.get("/api/regions/140781").json()
    assert [p["name"] for p in region["parents"]] == ["山西省", "晋中市"] and region["articles"] == 4
    stock = c.get("/api/securities/600519.SH").json()
    assert stock["name"] == "贵州茅台" and stock["figures"][0]["security"] == "600519.SH"
    assert c.get("/api/regions/999999").status_code == 404
    assert "/api/figures" in c.get("/openapi.json").json()["paths"]


def test_region_and_security_indexes(client):
    c, _ = client
    regions = c.get("/regions/").text
    assert 'href="/region/140781/"' in regions and "介休市" in regions and "县级" in regions
    assert regions.index("介休市") < regions.index("晋中市")  # by article count: 介休市 is named in more
    securities = c.get("/securities/").text
    assert 'href="/security/600519.SH/"' in securities and "贵州茅台" in securities


def test_series_api_keeps_subjects_measures_and_conflicts_apart(client):
    c, store = client
    fill_series(store)
    assert c.get("/api/series").status_code == 400  # which indicator?
    body = c.get("/api/series", params={"indicator": "居民消费价格"}).json()  # a name of CPI finds CPI's figures
    assert body["indicator"] == "CPI"
    series = {(s["subject"], s["measure"]): s for s in body["series"]}
    china = series[("中国", "yoy")]
    assert [p["period"] for p in china["points"]] == ["2023-08", "2023-09", "2023-10"]
    october = china["points"][-1]
    assert october["conflict"] and october["value"] == "-0.2" and china["conflicts"] == 1
    assert [v["value"] for v in october["values"]] == ["-0.2", "-0.1"] and len(october["values"][0]["articles"]) == 2
    assert series[("美国", "yoy")]["points"][0]["value"] == "3.2"  # 前值 3.7 is in no series
    assert not any(p["value"] == "3.7" for s in body["series"] for p in s["points"])
    assert ("中国", "forecast") in series and ("中国", "share") in series and ("中国", "mom") in series
    assert series[("中国", "mom")]["points"][0]["value"] == "-0.1"


def test_the_figures_page_draws_one_line_per_series_with_its_points_and_sources(client):
    c, store = client
    fill_series(store)
    page = c.get("/figures", params={"indicator": "CPI", "measure": "yoy"}).text
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<polyline") == 1  # 中国's year-on-year line; 美国 has one point; no forecast, no share
    assert "中国 · CPI同比" in svg and "美国 · CPI同比" in svg and "预测" not in svg
    assert 'r="5"' in svg  # the October conflict, a ring
    assert "数值不一" in page and page.count('class="conflict"') >= 2  # both values listed with their sources
    gdp = c.get("/figures", params={"indicator": "GDP", "subject": "介休市"}).text
    gdp_svg = gdp.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "2021" in gdp_svg and "2023" in gdp_svg  # 地区生产总值 and GDP: one series
    assert gdp.count("介休市 · GDP数值（年度）") >= 2  # legend and the points' table
    rows = list(csv.DictReader(io.StringIO(c.get("/figures.csv", params={"indicator": "GDP"}).text.lstrip("\ufeff"))))
    assert {r["series_indicator"] for r in rows} == {"GDP"} and {r["indicator"] for r in rows} >= {"GDP", "地区生产总值"}
    assert {r["measure"] for r in rows if r["unit"] == "CNY"} == {"level"} and {r["measure"] for r in rows if r["unit"] == "%"} == {"yoy"}
