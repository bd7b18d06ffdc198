"""The archive as of a moment (caixun.store.asof), on SQLite and PostgreSQL:
an article edited after T shows its old text and old figures as of T, one
first seen after T is absent, through the store, the web site and API, the
feeds, search, and every export."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from caixun.cli import cli
from caixun.model import RawItem
from caixun.pipeline import ingest
from caixun.publish import views
from caixun.store import FigureFilter
from caixun.store.asof import AsOf
from caixun.web.app import create_app

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
OLD_BODY = "介休市一季度进出口总额为12.5亿元，同比增长4.1%。"
NEW_BODY = "介休市一季度进出口总额为13.7亿元，同比增长6.3%，数据已更正。"


def item(key: str, title: str, body: str, minutes: int) -> RawItem:
    return RawItem(key=key, source="甲网", item_id=key, title=title, body=body, body_format="text",
                   published=T0 + timedelta(minutes=minutes), url=f"http://news.example.com/{key}.html")  # fmt: skip


@pytest.fixture
def archive(store):
    """Three articles seen before T; after T one of them edited (new text,
    new figures) and a fourth first seen."""
    ingest(store, [item("k1", "介休外贸", OLD_BODY, 1),
                   item("k2", "央行降准", "央行宣布下调存款准备金率0.5个百分点。", 2),
                   item("k3", "茅台公告", "贵州茅台600519.SH一季度营业收入为464.8亿元。", 3)])  # fmt: skip
    time.sleep(0.02)
    moment = datetime.now(UTC)
    time.sleep(0.02)
    ingest(store, [item("k1", "介休外贸（更正）", NEW_BODY, 1), item("k4", "新来的快讯", "出口额为9亿元，外贸回暖。", 4)])
    ids = {k: store.get_article_by_key(k).id for k in ("k1", "k2", "k3", "k4")}
    return store, moment, ids


def test_edited_article_shows_old_version_and_old_figures(archive):
    store, moment, ids = archive
    past = AsOf(store, moment)
    old = past.get_article(ids["k1"])
    assert (old.title, old.text, old.version) == ("介休外贸", OLD_BODY, 1)
    assert store.get_article(ids["k1"]).version == 2  # today's view is untouched
    assert past.get_article(ids["k4"]) is None
    facts = views.article_facts(past, old)
    assert {f["text"] for f in facts["figures"]} >= {"12.5亿元", "4.1%"}
    assert not {"13.7亿元", "6.3%"} & {f["text"] for f in facts["figures"]}
    assert past.history(ids["k1"]) == [] and len(store.history(ids["k1"])) == 1


def test_lists_counts_and_stories_leave_out_what_came_later(archive):
    store, moment, ids = archive
    past = AsOf(store, moment)
    page = past.articles_page(limit=10)
    assert [a.title for a in page] == ["茅台公告", "央行降准", "介休外贸"]
    assert [a.title for a in past.iter_articles()] == ["介休外贸", "央行降准", "茅台公告"]
    assert (past.count_articles(), store.count_articles()) == (3, 4)
    assert past.count_by_source() == {"甲网": 3}
    index = {e.id: e.version for e in past.article_index()}
    assert index == {ids["k1"]: 1, ids["k2"]: 1, ids["k3"]: 1}
    assert [e.title for e in past.article_heads([ids["k4"], ids["k1"]])] == ["介休外贸"]


def test_search_matches_the_text_of_the_moment(archive):
    store, moment, ids = archive
    past = AsOf(store, moment)
    assert past.search("12.5亿元").total == 1 and store.search("12.5亿元").total == 0
    assert past.search("更正").total == 0 and store.search("更正").total == 1
    assert past.search("外贸").total == 1 and store.search("外贸").total == 2  # k4 came later
    both = past.search("亿元")  # an unchanged hit (k3) and the edited one merged, newest first
    assert [a.id for a in both.articles] == [ids["k3"], ids["k1"]] and both.total == 2
    assert both.articles[1].title == "介休外贸"
    assert [a.id for a in past.search("亿元", offset=1, limit=1).articles] == [ids["k1"]]


def test_figures_view_as_of(archive):
    store, moment, ids = archive
    past = AsOf(store, moment)
    texts = [r.text for r in past.iter_figures()]
    assert "12.5亿元" in texts and "464.8亿元" in texts
    assert not {"13.7亿元", "9亿元"} & set(texts)
    assert past.count_figures() == len(texts)
    percents = past.figures(FigureFilter(unit="%"))  # a filter applies to the extracted figures too
    assert "4.1%" in [r.text for r in percents] and "6.3%" not in [r.text for r in percents]
    assert all(r.unit == "%" for r in percents)
    now = [r.text for r in store.iter_figures()]
    assert "13.7亿元" in now and "12.5亿元" not in now


def test_web_api_pages_and_feeds_take_as_of(archive):
    store, moment, ids = archive
    c = TestClient(create_app(store))
    at = quote(moment.isoformat())
    listed = c.get(f"/api/articles?as_of={at}").json()["articles"]
    assert [a["title"] for a in listed] == ["茅台公告", "央行降准", "介休外贸"]
    assert all("first_seen_at" in a and "version" in a for a in listed)
    one = c.get(f"/api/articles/{ids['k1']}?as_of={at}").json()
    assert one["title"] == "介休外贸" and one["version"] == 1 and one["text"] == OLD_BODY and one["history"] == []
    assert c.get(f"/api/articles/{ids['k4']}?as_of={at}").status_code == 404
    facts = c.get(f"/api/articles/{ids['k1']}/facts?as_of={at}").json()
    assert "12.5亿元" in [f["text"] for f in facts["figures"]] and facts["version"] == 1
    assert c.get(f"/api/search?q=12.5亿元&as_of={at}").json()["total"] == 1
    assert c.get("/api/search?q=12.5亿元").json()["total"] == 0
    figs = c.get(f"/api/figures?as_of={at}").json()
    assert "12.5亿元" in [f["text"] for f in figs["figures"]] and "9亿元" not in [f["text"] for f in figs["figures"]]
    page = c.get(f"/article/{ids['k1']}.html?as_of={at}").text
    assert "存档在" in page and "12.5亿元" in page and "13.7亿元" not in page
    home = c.get(f"/?as_of={at}").text
    assert "新来的快讯" not in home and "新来的快讯" in c.get("/").text
    feed = feedparser.parse(c.get(f"/feed.atom?as_of={at}").content)
    assert [e.title for e in feed.entries] == ["茅台公告", "央行降准", "介休外贸"]
    csv = c.get(f"/figures.csv?as_of={at}").text
    assert "12.5亿元" in csv and "13.7亿元" not in csv
    # A naive time is Beijing time: 8 hours earlier in UTC than the same digits read as UTC.
    naive = (moment + timedelta(hours=8)).replace(tzinfo=None).isoformat()
    assert len(c.get(f"/api/articles?as_of={quote(naive)}").json()["articles"]) == 3
    assert c.get(f"/api/regions/140781?as_of={at}").status_code == 400 and c.get("/api/regions/140781").status_code == 200
    assert c.get(f"/region/140781/?as_of={at}").status_code == 400
    assert c.get("/api/articles?as_of=yesterday").status_code == 422


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_exports_as_of(archive, tmp_path):
    store, moment, ids = archive
    at = moment.isoformat()
    r = run("--db", store.url, "export", "jsonl", str(tmp_path / "a.jsonl"), "--as-of", at)
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["title"], x["version"]) for x in rows] == [("介休外贸", 1), ("央行降准", 1), ("茅台公告", 1)]
    assert all({"first_seen_at", "published_at", "version"} <= set(x) for x in rows)

    pq = pytest.importorskip("pyarrow.parquet")
    r = run("--db", store.url, "export", "parquet", str(tmp_path / "pq"), "--as-of", at)
    assert r.exit_code == 0, r.output
    arts = pq.read_table(tmp_path / "pq" / "articles.parquet").to_pylist()
    figs = pq.read_table(tmp_path / "pq" / "figures.parquet").to_pylist()
    assert sorted(a["title"] for a in arts) == ["介休外贸", "央行降准", "茅台公告"]
    assert all(a["first_seen_at"] <= moment for a in arts)
    old_figs = {f["text"] for f in figs if f["article_id"] == ids["k1"]}
    assert "12.5亿元" in old_figs and "13.7亿元" not in old_figs
    assert next(f for f in figs if f["text"] == "12.5亿元")["value_num"] == pytest.approx(1.25e9)
    r = run("--db", store.url, "export", "parquet", str(tmp_path / "now"))
    assert len(pq.read_table(tmp_path / "now" / "articles.parquet")) == 4

    site = tmp_path / "site"
    r = run("--db", store.url, "export", "site", str(site), "--as-of", at)
    assert r.exit_code == 0, r.output
    page = (site / "article" / f"{ids['k1']}.html").read_text(encoding="utf-8")
    assert "存档在" in page and "12.5亿元" in page and "13.7亿元" not in page
    assert not (site / "article" / f"{ids['k4']}.html").exists()
    assert "新来的快讯" not in (site / "index.html").read_text(encoding="utf-8")
    later = run("--db", store.url, "export", "site", str(site), "--as-of", (moment + timedelta(hours=1)).isoformat())
    assert later.exit_code == 2 and "empty directory" in later.output  # pages of k4 would be missing, old ones stay

    r = run("--db", store.url, "export", "jekyll", str(tmp_path / "jk"), "--as-of", at)
    posts = {p.read_text(encoding="utf-8") for p in (tmp_path / "jk" / "_posts").iterdir()}
    assert len(posts) == 3 and any(OLD_BODY in p and "version: 1" in p and "first_seen:" in p for p in posts)

    r = run("--db", store.url, "search", "12.5亿元", "--as-of", at, "--json")
    assert json.loads(r.output)["total"] == 1
    assert run("--db", store.url, "export", "jsonl", "-", "--as-of", "soon").exit_code == 2
