"""Facts are extracted at ingest, kept with their article, replaced with its
text, rebuilt by one command, and queried by the figures view (both databases)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from caixun.model import RawItem
from caixun.pipeline import ingest
from caixun.store import FigureFilter

T0 = datetime(2021, 12, 30, 2, 0, tzinfo=UTC)
TEXTS = [
    "2021年，介休市GDP全年累计完成341.3亿元、增长8.5%，总量排名晋中第一。",
    "今年前三季度，晋中市一般公共预算收入完成120.5亿元，同比增长12.1%。",
    "贵州茅台(600519)盘中涨逾2%，成交额超过50亿元。",
    "上海市社会消费品零售总额同比下降3.2%。",
]


def raw(n: int, text: str, source: str = "甲网") -> RawItem:
    return RawItem(key=f"f:{n}", source=source, item_id=str(n), title=f"标题{n}", body=text, body_format="text",
                   published=T0 + timedelta(days=n))  # fmt: skip


def test_facts_are_stored_at_ingest_and_follow_the_text(store):
    ingest(store, [raw(i, t, "甲网" if i % 2 == 0 else "乙网") for i, t in enumerate(TEXTS)])
    first = store.get_article_by_key("f:0")
    facts = store.article_facts(first.id)
    assert facts is not None
    texts = [(f["text"], f["kind"], f["value"], f["unit"], f["direction"]) for f in facts["figures"]]
    assert ("341.3亿元", "money", "34130000000", "CNY", None) in texts and ("8.5%", "percent", "8.5", "%", "up") in texts
    assert {(e["type"], e["code"]) for e in facts["entities"]} == {("region", "140781"), ("region", "140700")}
    for f in facts["figures"]:
        assert first.text[f["start"] : f["end"]] == f["text"]

    # An edit replaces the article's facts with those of the new text.
    ingest(store, [raw(0, "2021年，介休市GDP全年累计完成350亿元。")])
    facts = store.article_facts(first.id)
    assert [f["value"] for f in facts["figures"] if f["kind"] == "money"] == ["35000000000"]


def test_the_figures_view_filters(store):
    ingest(store, [raw(i, t, "甲网" if i % 2 == 0 else "乙网") for i, t in enumerate(TEXTS)])
    gdp = store.figures(FigureFilter(indicator="GDP"))
    assert [(r.text, r.subject, r.region, r.period) for r in gdp][:1] == [("341.3亿元", "介休市", "140781", "2021")]
    # A province or prefecture takes in the places inside it (by code prefix).
    in_jinzhong = {r.text for r in store.figures(FigureFilter(region="140700"))}
    in_shanxi = {r.text for r in store.figures(FigureFilter(region="140000"))}
    assert {"341.3亿元", "120.5亿元"} <= in_jinzhong == in_shanxi
    assert {r.text for r in store.figures(FigureFilter(region="140781"))} == {"341.3亿元", "8.5%", "第一"}
    assert {r.text for r in store.figures(FigureFilter(source="乙网"))} >= {"120.5亿元", "12.1%"}
    assert {r.text for r in store.figures(FigureFilter(period="2021"))} >= {"341.3亿元", "120.5亿元"}
    assert [r.text for r in store.figures(FigureFilter(security="600519.SH"))] == ["逾2%", "超过50亿元"]
    assert store.count_figures(FigureFilter(kind="money")) == 3
    assert store.figure_choices("indicator")[0] == ("GDP", 3)  # 341.3亿元, 8.5%, 第一
    arts, total = store.entity_articles("region", "140000")
    assert total == 2 and {a.key for a in arts} == {"f:0", "f:1"}
    arts, total = store.entity_articles("security", "600519.SH")
    assert total == 1 and arts[0].key == "f:2" and store.entity_names("security", "600519.SH") == ["贵州茅台"]
    assert store.top_entities("region")[0][:2] == ("140700", "晋中市")


def test_rebuild_extracts_an_archive_stored_without_facts(store_url, tmp_path):
    from caixun.store import Store

    with Store(store_url) as s:
        ingest(s, [raw(i, t) for i, t in enumerate(TEXTS)])
        with s.engine.begin() as conn:  # as an archive from before facts were stored
            conn.exec_driver_sql("DELETE FROM figures")
            conn.exec_driver_sql("DELETE FROM entities")
            conn.exec_driver_sql("UPDATE articles SET facts_version = NULL")
        assert s.count_stale_facts() == 4 and s.count_figures() == 0
    proc = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", store_url, "facts", "--rebuild", "--stale"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "facts stored for 4 articles" in proc.stderr
    with Store(store_url) as s:
        assert s.count_stale_facts() == 0 and s.count_figures() == 8
        assert s.article_facts(s.get_article_by_key("f:3").id)["figures"][0]["direction"] == "down"


def test_facts_of_an_article_on_the_command_line_are_the_stored_ones(store_url):
    import json

    from caixun.store import Store

    with Store(store_url) as s:
        ingest(s, [raw(0, TEXTS[0])])
        art = s.get_article_by_key("f:0")
        stored = s.article_facts(art.id)
    proc = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", store_url, "facts", "--article", str(art.id), "--json"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["start"], f["value"], f["unit"]) for f in doc["figures"]] == [(f["start"], f["value"], f["unit"]) for f in stored["figures"]]
    assert [e["code"] for e in doc["entities"]] == [e["code"] for e in stored["entities"]]


def test_rebuild_in_a_worker_process_stores_the_same_facts(tmp_path):
    from caixun.store import Store

    url = f"sqlite:///{tmp_path / 'w.db'}"
    with Store(url) as s:
        ingest(s, [raw(i, t) for i, t in enumerate(TEXTS)])
        before = {a.id: s.article_facts(a.id) for a in s.iter_articles()}
        with s.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM figures")
            conn.exec_driver_sql("DELETE FROM entities")
            conn.exec_driver_sql("UPDATE articles SET facts_version = NULL")
    proc = subprocess.run([sys.executable, "-m", "caixun.cli", "--db", url, "facts", "--rebuild", "--workers", "1"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0 and "facts stored for 4 articles" in proc.stderr, proc.stderr
    with Store(url) as s:
        assert {i: s.article_facts(i) for i in before} == before


def test_the_figures_view_shows_numbers_with_a_unit_but_not_bare_ones(store):
    ingest(store, [raw(0, "党的十九届六中全会召开。沪指报收于3128.56点，涨0.5%。")])
    assert [r.text for r in store.figures(FigureFilter())] == ["3128.56点", "0.5%"]
    assert [r.text for r in store.figures(FigureFilter(indicator="沪指"))] == ["3128.56点", "0.5%"]
    assert "十九" in {r.text for r in store.figures(FigureFilter(kind="number"))}  # kept, shown when asked for


def test_iter_figures_pages_by_key_and_gives_every_figure_once_in_order(store):
    ingest(store, [raw(i, TEXTS[i % len(TEXTS)], "甲网" if i % 2 == 0 else "乙网") for i in range(12)])
    every = store.figures(limit=None)
    assert len(every) > 20
    for chunk in (1, 2, 7, 1000):  # page edges inside one article's figures and between articles
        assert [(r.article_id, r.seq) for r in store.iter_figures(chunk=chunk)] == [(r.article_id, r.seq) for r in every]
    jinzhong = FigureFilter(region="140700")
    assert list(store.iter_figures(jinzhong, chunk=3)) == store.figures(jinzhong, limit=None)
