"""Traditional Chinese read as Simplified: the fold table against OpenCC,
search on both backends (either form finds either), the migration of an
index made before the fold, figures and watches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from caixun.enrich.facts import extract
from caixun.han import T2S, fold_for_figures, fold_han
from caixun.model import RawItem
from caixun.pipeline import ingest
from caixun.searchtext import index_text
from caixun.store import Store
from caixun.store.search import IndexRow, source_token
from caixun.watch.rules import parse_words

T0 = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
TRADITIONAL = "香港證券市場今日成交額為1,234億港元，恒生指數上漲六個百分點。"
SIMPLIFIED = "内地证券市场今日成交额为8,765亿元，上证指数下跌两个百分点。"


def item(key: str, body: str, minutes: int = 0) -> RawItem:
    return RawItem(key=key, source="港股通讯", item_id=key, title=body[:8], body=body, body_format="text",
                   published=T0 + timedelta(minutes=minutes), url=f"http://hk.example.com/{key}.html")  # fmt: skip


def test_table_is_opencc_character_by_character():
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    assert len(T2S) > 4000
    checked = 0
    for code, simp in T2S.items():
        got = t2s.convert(chr(code))
        if got != chr(code):  # the rest come from hk2s / tw2s (裏, 衞): what t2s leaves alone
            assert got == simp or fold_han(got) == simp, (chr(code), got, simp)
            checked += 1
    assert checked > 3500
    assert fold_han("什么著名") == "什么著名"  # characters of everyday Simplified text stay


def test_fold_keeps_length_and_is_idempotent():
    sample = "".join(chr(c) for c in T2S) + TRADITIONAL + SIMPLIFIED
    once = fold_han(sample)
    assert len(once) == len(sample) and fold_han(once) == once
    assert fold_han(TRADITIONAL).startswith("香港证券市场今日成交额为")
    assert fold_for_figures("個九") == "個九" and fold_for_figures("六個百分點") == "六个百分点"
    assert fold_for_figures(SIMPLIFIED) is SIMPLIFIED  # untouched text is the same object (no copy)


def test_either_form_finds_either(store):
    ingest(store, [item("t1", TRADITIONAL, 1), item("s1", SIMPLIFIED, 2), item("o1", "与证券无关的一条快讯：天气晴。", 3)])
    for q in ("证券市场", "證券市場", "證券", "证券", "成交額", "成交额", "證", "指數"):
        page = store.search(q, limit=10)
        keys = {a.key for a in page.articles}
        assert {"t1", "s1"} <= keys, q
        assert page.total == len(page.articles), q
    assert store.search("恒生指數").total == 1 and store.search("恒生指数").total == 1
    if store.backend == "sqlite":  # the indexes filled after the fact count the same
        store.index_backlog()
        assert [store.search(q).total for q in ("证券市场", "證券市場", "證", "成交")] == [2, 2, 3, 2]


def test_migration_reindexes_traditional_articles_of_an_older_index(store_url):
    s = Store(store_url)
    ingest(s, [item("t1", TRADITIONAL, 1), item("s1", SIMPLIFIED, 2)])
    s.index_backlog()
    art = s.get_article_by_key("t1")
    # Put t1 back as caixun 0.2 indexed it (no fold), and the schema at 9.
    with s.engine.begin() as conn:
        if s.backend == "sqlite":
            new = IndexRow(art.search_key, art.id, art.source, art.title, art.text)
            conn.exec_driver_sql("INSERT INTO article_fts (article_fts, rowid, title, body, src) VALUES ('delete', ?, ?, ?, ?)",
                                 (new.key, *new.token_strings(), source_token(new.source)))  # fmt: skip
            conn.exec_driver_sql("INSERT INTO article_fts (rowid, title, body, src) VALUES (?, ?, ?, ?)",
                                 (new.key, index_text(art.title, traditional_folded=False),
                                  index_text(art.text, traditional_folded=False), source_token(art.source)))  # fmt: skip
            conn.exec_driver_sql("INSERT INTO article_tri (article_tri, rowid, title, body, src) VALUES ('delete', ?, ?, ?, ?)",
                                 (new.key, fold_han(art.title), fold_han(art.text), source_token(art.source)))  # fmt: skip
            conn.exec_driver_sql("INSERT INTO article_tri (rowid, title, body, src) VALUES (?, ?, ?, ?)",
                                 (new.key, art.title, art.text, source_token(art.source)))  # fmt: skip
        else:
            conn.execute(text("UPDATE article_search SET vector = array_to_tsvector(CAST(:v AS text[])), norm = :n "
                              "WHERE article_id = :i"),
                         {"v": sorted(set(index_text(art.title, art.text, traditional_folded=False).split())),
                          "n": (art.title + "\n" + art.text).lower(), "i": art.id})  # fmt: skip
        conn.execute(text("DELETE FROM schema_migrations WHERE version >= 10"))
    old = s.search("证券市场")
    assert old.total == 1 and [a.key for a in old.articles] == ["s1"]  # the old index misses the Traditional article
    s.close()
    again = Store(store_url)  # migration 10
    try:
        assert {a.key for a in again.search("证券市场").articles} == {"t1", "s1"}
        assert {a.key for a in again.search("證券").articles} == {"t1", "s1"}
        again.index_backlog()
        assert again.search("證券市場").total == 2 and again.search("證").total == 2
    finally:
        again.close()


def test_figures_of_traditional_text_point_into_the_original():
    body = "台灣第一季出口總額為新台幣1.2兆元，較去年同期增加六個百分點；港幣三個一毫四。"
    figs = extract(body, T0.date())["figures"]
    by_text = {f["text"]: f for f in figs}
    assert by_text["六個百分點"]["unit"] == "pp" and by_text["六個百分點"]["value"] == "6"
    assert all(body[f["start"] : f["end"]] == f["text"] for f in figs)
    assert by_text["港幣三個一毫四"]["value"] == "3.14"  # 個 as the Cantonese dollar still


def test_watch_words_fold_both_ways():
    assert parse_words("+證券").match(fold_han("内地证券市场")) == ["证券"]
    from caixun.watch.rules import fold

    assert parse_words("+证券 !傳聞").match(fold(TRADITIONAL)) == ["证券"]
    assert parse_words("+证券 !传闻").match(fold("證券傳聞")) == []


def test_the_figure_fold_keeps_what_simplified_text_needs():
    ents = extract("陕西乾县与吉林乾安县", T0.date())["entities"]
    assert [e["code"] for e in ents if e["level"] == "county"] == ["610424", "220723"]  # 乾 is Simplified too (OpenCC: 干)
    assert [(f["text"], f["value"]) for f in extract("參拾參萬元", T0.date())["figures"]] == [("參拾參萬元", "330000")]
