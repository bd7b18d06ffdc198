"""Chinese search: the tokenizer and query parser, and the store's index on
SQLite and PostgreSQL, checked against a plain substring scan."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caixun.model import RawItem
from caixun.pipeline import ingest
from caixun.searchtext import (
    contains,
    fts5_match,
    index_tokens,
    parse_query,
    short_term,
    short_terms,
    snippet,
    trigram_match,
)
from caixun.store import Store
from caixun.store.migrations import LATEST
from caixun.store.search import Filters

T0 = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)
PHRASES = ["介休市", "降准", "贵州茅台", "上涨", "涨停", "亿美元", "北向资金净流入", "人民币汇率", "A股", "shibor",
           "600519", "晋中", "全省第七", "GDP", "降", "涨", "资金", "美元兑人民币"]  # fmt: skip
FILLER = "的了在是和有与及对于为将把被从向所以而且但并或"


def article_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = [rng.choice(PHRASES) if rng.random() < 0.4 else rng.choice(FILLER) for _ in range(rng.randint(3, 14))]
        sep = rng.choice(["", "，", " ", "。"])
        texts.append(sep.join(parts))
    return texts


def raw(i: int, text: str, source: str = "甲网", minutes: int | None = None) -> RawItem:
    return RawItem(key=f"s:{i}", source=source, item_id=str(i), title=f"第{i}号", body=text, body_format="text",
                   published=T0 + timedelta(minutes=i if minutes is None else minutes))  # fmt: skip


# -- pure ----------------------------------------------------------------------


def test_index_tokens_are_bigrams_last_chars_and_words():
    assert index_tokens("贵州茅台600519涨停。A股") == ["贵州", "州茅", "茅台", "台", "600519", "涨停", "停", "a", "股"]
    assert index_tokens("１２３ＡＢＣ") == ["123abc"]  # full-width forms fold to ASCII


def test_queries_become_quoted_phrases():
    assert fts5_match(parse_query("茅台")) == '"茅台"'
    assert fts5_match(parse_query("贵州茅台")) == '"贵州 州茅 茅台"'
    assert fts5_match(parse_query("涨")) == '"涨" *'
    assert fts5_match(parse_query("人民币/美元 shib")) == '"人民 民币" AND "美元" AND "shib" *'
    # FTS5 syntax in user input is only ever text inside quotes
    assert fts5_match(parse_query('title:x OR "y" NEAR(')) == '"title" * AND "x" * AND "or" * AND "y" * AND "near" *'
    assert not parse_query(" ，。!! ")


def test_reference_semantics_of_words():
    assert contains(parse_query("6005"), "代码600519") and not contains(parse_query("6005"), "16005")
    assert contains(parse_query("A股"), "港股和A股") and not contains(parse_query("A股"), "GDPA股")
    assert contains(parse_query("介休"), "介休市") and not contains(parse_query("介休 降准"), "介休市")


def test_snippet_marks_matches_and_escapes_everything_else():
    s = snippet("<script>alert(1)</script>贵州茅台今日上涨，茅台创新高", parse_query("茅台"))
    assert "<script>" not in s and "&lt;script&gt;" in s
    assert s.count("<mark>茅台</mark>") == 2


@given(st.text(alphabet=st.sampled_from(list("介休市降准茅台涨上美元亿A1， ")), max_size=40),
       st.text(alphabet=st.sampled_from(list("介休市降准茅台涨上美元亿A1")), min_size=1, max_size=4))  # fmt: skip
def test_phrase_tokens_occur_in_order_in_any_text_containing_the_term(text, q):
    """The index property behind exact recall: if a text contains the term,
    its tokens contain the term's tokens consecutively (the last one as a
    prefix when the term says so)."""
    query = parse_query(q)
    if not query or not contains(query, text):
        return
    toks = index_tokens(text)
    for term in query.terms:
        n = len(term.tokens)
        found = False
        for i in range(len(toks) - n + 1):
            window = toks[i : i + n]
            head_ok = window[:-1] == list(term.tokens[:-1])
            last_ok = window[-1].startswith(term.tokens[-1]) if term.prefix else window[-1] == term.tokens[-1]
            if head_ok and last_ok:
                found = True
                break
        assert found, (text, q, term, toks)


# -- the store ------------------------------------------------------------------


@pytest.fixture
def filled(store):
    texts = article_texts(400)
    ingest(store, [raw(i, t, source="甲网" if i % 3 else "乙报") for i, t in enumerate(texts)])
    return store, texts


QUERIES = PHRASES + ["介休", "茅台", "美元", "准", "休", "北向 流入", "涨 资金", "人民币 美元", "资金净", "a股", "SHIBOR", "6005"]


@pytest.mark.parametrize("q", QUERIES)
def test_search_finds_exactly_what_a_substring_scan_finds(filled, q):
    store, texts = filled
    query = parse_query(q)
    expected = {f"s:{i}" for i, t in enumerate(texts) if contains(query, f"第{i}号", t)}
    page = store.search(q, limit=1000)
    assert page.total == len(expected)
    assert {a.key for a in page.articles} == expected


def test_search_pages_newest_first_with_filters(filled):
    store, texts = filled
    page1 = store.search("涨", limit=10)
    page2 = store.search("涨", limit=10, offset=10)
    times = [a.published_at for a in page1.articles + page2.articles]
    assert times == sorted(times, reverse=True) and len(set(times)) == 20
    by_source = store.search("涨", source="乙报", limit=1000)
    assert by_source.total == sum(1 for i, t in enumerate(texts) if i % 3 == 0 and "涨" in t)
    assert all(a.source == "乙报" for a in by_source.articles)
    since, until = T0 + timedelta(minutes=100), T0 + timedelta(minutes=200)
    ranged = store.search("涨", since=since, until=until, limit=1000)
    assert ranged.total == sum(1 for i, t in enumerate(texts) if 100 <= i < 200 and "涨" in t)
    first = page1.articles[0]
    assert {a.id for a in store.search("涨", cluster_id=first.cluster_id).articles} >= {first.id}
    rel = store.search("涨停", order="relevance", limit=1000)
    assert {a.id for a in rel.articles} == {a.id for a in store.search("涨停", limit=1000).articles}


def test_counting_in_two_halves_gives_the_single_count(tmp_path, monkeypatch):
    # On SQLite the total is counted in two halves of the key range at once;
    # it must equal one count over the whole range, with and without filters.
    from caixun.store import search as search_module

    texts = article_texts(300, seed=11)
    with Store(f"sqlite:///{tmp_path / 'halves.db'}") as s:
        ingest(s, [raw(i, t, source="甲网" if i % 3 else "乙网", minutes=i * 97) for i, t in enumerate(texts)])
        cases = [("涨", {}), ("人民币汇率", {}), ("美元 资金", {}), ("降", {"source": "乙网"}),
                 ("涨", {"since": T0 + timedelta(hours=40), "until": T0 + timedelta(hours=300)}), ("不存在的词", {})]  # fmt: skip
        monkeypatch.setattr(search_module, "PARALLEL_COUNT", True)
        halves = [s.search(q, limit=5, **f).total for q, f in cases]
        monkeypatch.setattr(search_module, "PARALLEL_COUNT", False)
        whole = [s.search(q, limit=5, **f).total for q, f in cases]
    assert halves == whole
    assert halves[0] == sum("涨" in t or "涨" in f"第{i}号" for i, t in enumerate(texts)) > 50


def test_a_cached_total_is_dropped_when_anything_is_committed(tmp_path):
    # Totals are kept between queries until a commit by any connection: the
    # same store, or another process's (here: a second Store on the file).
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    with Store(url) as reader, Store(url) as writer:
        ingest(writer, [raw(i, f"第{i}条：央行宣布降准") for i in range(5)])
        assert reader.search("降准").total == 5
        assert reader.search("降准", limit=2).total == 5  # another page, same total
        ingest(writer, [raw(9, "央行再次宣布降准")])
        assert reader.search("降准").total == 6
        ingest(reader, [raw(1, "第1条：央行宣布下调利率")])  # an edit through the reader's own store
        assert reader.search("降准").total == 5 and reader.search("利率").total == 1
        assert writer.search("降准").total == 5


def _expected(texts: list[str], q: str, keep=lambda i: True) -> int:
    query = parse_query(q)
    return sum(1 for i, t in enumerate(texts) if keep(i) and contains(query, f"第{i}号", t))


def test_trigram_match_only_for_long_chinese_terms():
    assert trigram_match(parse_query("人民币")) == '"人民币"'
    assert trigram_match(parse_query("北向资金 净流入")) == '"北向资金" AND "净流入"'
    # A short term, or one with Latin letters or digits (whole words), stays with the bigram index.
    assert trigram_match(parse_query("人民币 美元")) is None
    assert trigram_match(parse_query("A股市场")) is None and trigram_match(parse_query("涨")) is None


def test_counts_with_the_trigram_index_equal_the_scan_while_it_catches_up(tmp_path, monkeypatch):
    # Long Chinese terms are counted in the trigram index: the articles it
    # holds there, the others (the backlog) tested one by one; a larger
    # backlog falls back to the bigram index. Every state gives the scan's
    # totals, with filters too, and the trigram path is really taken.
    from caixun.store import search as search_module

    texts = article_texts(240, seed=5)
    cases = [("人民币汇率", {}), ("北向资金净流入", {}), ("美元兑人民币 贵州茅台", {}), ("全省第七", {"source": "乙网"}),
             ("介休市", {"since": T0 + timedelta(minutes=50), "until": T0 + timedelta(minutes=170)}), ("亿美元", {})]  # fmt: skip

    def keep(f):
        src = f.get("source")
        lo = (f["since"] - T0).total_seconds() / 60 if "since" in f else -1
        hi = (f["until"] - T0).total_seconds() / 60 if "until" in f else 1e9
        return lambda i: (src is None or (src == "乙网") == (i % 4 == 0)) and lo <= i < hi

    with Store(f"sqlite:///{tmp_path / 'tri.db'}") as s:
        monkeypatch.setattr(search_module, "COUNT_CACHE", False)
        ingest(s, [raw(i, t, source="乙网" if i % 4 == 0 else "甲网") for i, t in enumerate(texts[:150])])
        assert s.search_backlog() == 150
        assert s.index_backlog(chunk=40) == 150 and s.search_backlog() == 0
        ingest(s, [raw(i, t, source="乙网" if i % 4 == 0 else "甲网") for i, t in enumerate(texts) if i >= 150])
        assert s.search_backlog() == 90
        default = search_module.UNINDEXED_MAX
        for limit in (default, 0):  # backlog tested directly, then too large: bigrams
            monkeypatch.setattr(search_module, "UNINDEXED_MAX", limit)
            for q, f in cases:
                assert s.search(q, limit=3, **f).total == _expected(texts, q, keep(f)), (q, f, limit)
        monkeypatch.setattr(search_module, "UNINDEXED_MAX", default)
        assert s.index_backlog() == 90
        idx = s.search_index
        with s.engine.connect() as conn:
            for q, f in cases:
                lo, hi = search_module.Filters(**f).key_range()
                n = idx._count_trigrams(conn, parse_query(q), search_module.Filters(**f), {"lo": lo, "hi": hi})
                assert n == _expected(texts, q, keep(f)) > 0, (q, f)
            assert idx._count_trigrams(conn, parse_query("美元"), search_module.Filters(), {"lo": 0, "hi": 1 << 62}) is None


def test_short_terms_are_the_chinese_characters_and_bigrams_a_text_is_found_by():
    assert short_terms("A股涨停，茅台", "美元") == {"股", "涨", "停", "股涨", "涨停", "茅", "台", "茅台", "美", "元", "美元"}
    assert short_term(parse_query("涨")) == "涨" and short_term(parse_query("美元")) == "美元"
    # Longer, several or non-Chinese terms are counted in the indexes.
    assert short_term(parse_query("人民币")) is None and short_term(parse_query("涨 美元")) is None
    assert short_term(parse_query("A股")) is None and short_term(parse_query("a")) is None


@given(st.text(alphabet="涨停美元股ＡA1１ ，\n", max_size=30))
def test_a_short_term_is_in_short_terms_exactly_when_the_text_contains_it(text):
    for q in ("涨", "美元", "停", "元股"):
        assert (q in short_terms(text)) == contains(parse_query(q), text), (q, text)


def test_counts_of_short_terms_equal_the_scan_while_they_catch_up(tmp_path, monkeypatch):
    # One- and two-character queries without filters are counted from
    # token_docs plus the articles not counted there yet; a larger backlog,
    # or any filter, goes to the bigram index. Every state gives the scan's
    # totals, edits included, and the token_docs path is really taken.
    from caixun.store import search as search_module

    texts = article_texts(240, seed=11)
    queries = ["涨", "降", "美元", "资金", "号", "晋中", "停", "亿"]
    with Store(f"sqlite:///{tmp_path / 'short.db'}") as s:
        monkeypatch.setattr(search_module, "COUNT_CACHE", False)
        ingest(s, [raw(i, t) for i, t in enumerate(texts[:150])])
        assert s.index_backlog(chunk=40) == 150 and s.search_backlog() == 0
        ingest(s, [raw(i, t) for i, t in enumerate(texts) if i >= 150])
        for i in (3, 151):  # edits of a counted and of a waiting article
            texts[i] = "改写：美元走强，涨幅居前"
            ingest(s, [raw(i, texts[i])])
        default = search_module.UNINDEXED_MAX
        for limit in (default, 0):
            monkeypatch.setattr(search_module, "UNINDEXED_MAX", limit)
            for q in queries:
                assert s.search(q, limit=3).total == _expected(texts, q), (q, limit)
            assert s.search("涨", limit=3, source="甲网").total == _expected(texts, "涨")
        monkeypatch.setattr(search_module, "UNINDEXED_MAX", default)
        assert s.index_backlog() == 90
        texts[5] = "另一次改写，不含那些字"
        ingest(s, [raw(5, texts[5])])
        idx = s.search_index
        with s.engine.connect() as conn:
            for q in queries:
                assert idx._count_short(conn, parse_query(q), search_module.Filters()) == _expected(texts, q) > 0, q
                assert s.search(q, limit=3).total == _expected(texts, q), q
            assert idx._count_short(conn, parse_query("涨"), search_module.Filters(source="甲网")) is None


def test_an_edit_replaces_the_text_in_the_trigram_index(sqlite_store):
    s = sqlite_store
    ingest(s, [raw(1, "今日北向资金净流入30亿元"), raw(2, "北向资金小幅流出")])
    s.index_backlog()
    assert s.search("北向资金").total == 2 and s.search("净流入").total == 1
    ingest(s, [raw(1, "今日央行开展逆回购操作")])
    assert s.search_backlog() == 0  # the edited article stays in the index, with its new text
    assert s.search("北向资金").total == 1 and s.search("净流入").total == 0 and s.search("逆回购").total == 1


def test_two_processes_indexing_at_once_index_each_article_once(tmp_path):
    # Each chunk takes the write lock before reading how far the index got,
    # so two stores on one file (two processes, as `caixun run` beside
    # `caixun index`) share the work; an edit afterwards must then leave no
    # trace of its old text (a second copy would keep the old tokens).
    import threading

    url = f"sqlite:///{tmp_path / 'two.db'}"
    texts = article_texts(300, seed=9)
    with Store(url) as a, Store(url) as b:
        ingest(a, [raw(i, t) for i, t in enumerate(texts)])
        done = []
        threads = [threading.Thread(target=lambda st=st: done.append(st.index_backlog(chunk=7))) for st in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(done) == 300 and a.search_backlog() == 0
        i = next(i for i, t in enumerate(texts) if "人民币汇率" in t)
        ingest(a, [raw(i, "改写后的文字")])
        texts[i] = "改写后的文字"
        assert b.search("人民币汇率").total == _expected(texts, "人民币汇率")


def test_an_edit_replaces_the_indexed_text(store):
    ingest(store, [raw(1, "今日央行宣布降准0.5个百分点")])
    assert store.search("降准").total == 1
    ingest(store, [raw(1, "今日央行宣布下调政策利率")])
    assert store.search("降准").total == 0 and store.search("政策利率").total == 1
    ingest(store, [raw(1, "今日央行宣布下调政策利率", minutes=600)])  # same text: unchanged
    assert store.search("利率").articles[0].version == 2


def test_same_second_articles_get_distinct_keys(store):
    ingest(store, [raw(i, f"同一秒发布的第{i}条降准快讯", minutes=0) for i in range(50)])
    page = store.search("降准", limit=100)
    assert page.total == 50 and len({a.search_key for a in page.articles}) == 50


def test_a_version_1_database_is_migrated_and_indexed(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store(url) as s:
        ingest(s, [raw(i, t) for i, t in enumerate(article_texts(30))])
    with Store(url) as s, s.engine.begin() as conn:  # take it back to schema 1
        conn.exec_driver_sql("DROP TABLE article_fts")
        conn.exec_driver_sql("DROP TABLE article_tri")
        conn.exec_driver_sql("DROP TABLE token_docs")
        conn.exec_driver_sql("DROP TABLE search_progress")
        conn.exec_driver_sql("DROP INDEX ix_articles_search_key")
        conn.exec_driver_sql("DROP INDEX ix_articles_source_search_key")
        conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN search_key")
        conn.exec_driver_sql("DROP TABLE figures")
        conn.exec_driver_sql("DROP TABLE entities")
        conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN facts_version")
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version > 1")
    with Store(url) as s:
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT max(version) FROM schema_migrations").scalar() == LATEST
        texts = article_texts(30)
        assert s.search("涨", limit=100).total == sum("涨" in t for t in texts) > 0
        # Migration 4 leaves the facts of older articles to `caixun facts --rebuild`.
        assert s.count_stale_facts() == 30 and s.article_facts(1) is None
        # Migration 6: the trigram index starts empty, and searches are complete meanwhile.
        assert s.search_backlog() == 30 and s.search("人民币汇率", limit=100).total == sum("人民币汇率" in t for t in texts)
        assert s.index_backlog() == 30 and s.search("人民币汇率", limit=100).total == sum("人民币汇率" in t for t in texts)
        # Migration 7: the counts of short terms, filled by the same pass.
        with s.engine.connect() as conn:
            assert s.search_index._count_short(conn, parse_query("涨"), Filters()) == sum("涨" in t for t in texts)
        # Migration 5: the export's index is read from a covering index.
        assert "COVERING INDEX ix_articles_source_search_key" in _index_read_plan(s)
        assert len(s.article_index()) == 30


def _index_read_plan(store) -> str:
    sql = "SELECT id, version, cluster_id, source, search_key, tags FROM articles ORDER BY source, search_key"
    with store.engine.connect() as conn:
        return " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all())


def test_a_fresh_sqlite_archive_reads_the_export_index_without_the_texts(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'new.db'}") as s:
        ingest(s, [raw(i, t) for i, t in enumerate(article_texts(5))])
        assert "COVERING INDEX ix_articles_source_search_key" in _index_read_plan(s)
        index = s.article_index()
        assert [(e.source, e.search_key) for e in index] == sorted((e.source, e.search_key) for e in index)


def test_postgresql_gives_an_estimate_for_frequent_terms_and_says_so(store, monkeypatch):
    from caixun.store import search as search_indexes

    ingest(store, [RawItem(key=f"cap:{i}", source="甲网" if i % 2 else "乙网", item_id=str(i), title=f"快讯{i}", body=f"第{i}条：市场上涨。",
                           body_format="text", published=T0 + timedelta(minutes=i)) for i in range(12)])  # fmt: skip
    if store.backend == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE article_search")  # statistics, as autovacuum keeps them
    rare = store.search("第3条")
    assert rare.exact and rare.total == 1
    monkeypatch.setattr(search_indexes, "ESTIMATE_ABOVE", 0)  # every query "frequent" (a tiny table's estimates are tiny)
    page = store.search("上涨", limit=3)
    assert len(page.articles) == 3 and [a.key for a in page.articles] == ["cap:11", "cap:10", "cap:9"]
    if store.backend == "postgresql":
        assert not page.exact and page.total >= 1  # the planner's estimate, marked so
    else:  # SQLite counts every hit, fast enough
        assert page.exact and page.total == 12
    assert [a.key for a in store.search("上涨", limit=20, offset=10).articles] == ["cap:1", "cap:0"]
    # with a source or a date filter: the source's or the range's rows walked newest first, the total estimated on PostgreSQL
    by_source = store.search("上涨", limit=3, source="乙网")
    assert [a.key for a in by_source.articles] == ["cap:10", "cap:8", "cap:6"]
    in_range = store.search("上涨", limit=20, since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=6))
    assert [a.key for a in in_range.articles] == ["cap:5", "cap:4", "cap:3"]
    both = store.search("上涨", limit=20, source="甲网", since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=8))
    assert [a.key for a in both.articles] == ["cap:7", "cap:5", "cap:3"]
    if store.backend == "postgresql":
        assert not (by_source.exact or in_range.exact or both.exact) and 1 <= in_range.total <= 12
    else:
        assert (by_source.total, in_range.total, both.total) == (6, 3, 3)


def test_migration_13_puts_the_source_into_postgresql_search_vectors(store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("the source lexeme is PostgreSQL's")
    texts = article_texts(120)
    s = Store(store_url)
    ingest(s, [raw(i, t, source="甲网" if i % 3 else "乙报") for i, t in enumerate(texts)])
    expected = sum(1 for i, t in enumerate(texts) if i % 3 == 0 and "涨" in t)
    assert expected and s.search("涨", source="乙报").total == expected
    with s.engine.begin() as conn:  # the index as an older caixun wrote it: no source lexemes, schema 12
        conn.exec_driver_sql("UPDATE article_search SET vector = ts_delete(vector, ARRAY['src:' || src])")
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version >= 13")
    assert s.search("涨", source="乙报").total == 0  # the new query asks for a lexeme the old rows lack
    s.close()
    again = Store(store_url)  # migration 13
    try:
        page = again.search("涨", source="乙报", limit=1000)
        assert page.total == expected and all(a.source == "乙报" for a in page.articles)
        assert again.search("涨").total == sum(1 for t in texts if "涨" in t)
    finally:
        again.close()


def test_postgresql_keeps_long_values_with_lz4_new_and_migrated(store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("TOAST compression is PostgreSQL's")
    s = Store(store_url)
    try:
        with s.engine.begin() as conn:
            if conn.exec_driver_sql("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar() is not True:
                pytest.skip("this server was built without lz4")
            compression = "SELECT attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s"
            assert [conn.exec_driver_sql(compression, (t, c)).scalar() for t, c in
                    (("articles", "text"), ("article_search", "vector"), ("article_search", "norm"))] == ["l", "l", "l"]  # fmt: skip
            # an archive made before migration 14: the default (pglz) until it runs
            conn.exec_driver_sql("ALTER TABLE articles ALTER COLUMN text SET COMPRESSION default")
            conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version >= 14")
            assert conn.exec_driver_sql(compression, ("articles", "text")).scalar() == ""
        ingest(s, [raw(i, t) for i, t in enumerate(article_texts(5))])
    finally:
        s.close()
    again = Store(store_url)  # migration 14
    try:
        with again.engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT attcompression FROM pg_attribute WHERE attrelid = 'articles'::regclass AND attname = 'text'").scalar() == "l"
        assert again.search("涨").total == sum(1 for t in article_texts(5) if "涨" in t)
    finally:
        again.close()
