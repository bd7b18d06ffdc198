"""The store's contract, run against SQLite and a real PostgreSQL server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from caixun.model import RawItem
from caixun.pipeline import ingest, prepare
from caixun.store import Store, health
from caixun.store.migrations import LATEST, SchemaError
from caixun.store.schema import metadata, schema_migrations

T0 = datetime(2023, 3, 1, 9, 0, tzinfo=UTC)


def item(n: int, text: str | None = None, source: str = "甲网", title: str | None = None) -> RawItem:
    return RawItem(key=f"t:{n}", source=source, item_id=str(n), title=title or f"标题{n}",
                   body=text or f"第{n}条快讯的正文，数值为{n}亿元，与其他条目不同。", body_format="text",
                   published=T0 + timedelta(minutes=n), url=f"http://news.example.com/{n}.html")  # fmt: skip


def test_fresh_database_is_at_latest_schema_with_all_tables(store):
    insp = inspect(store.engine)
    for table in metadata.tables.values():
        assert insp.has_table(table.name)
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.columns.keys())
    with store.engine.connect() as conn:
        assert conn.execute(schema_migrations.select()).all()[-1].version == LATEST


def test_reopening_applies_nothing_and_newer_schema_is_refused(store_url):
    Store(store_url).close()
    s = Store(store_url)
    with s.engine.begin() as conn:
        conn.execute(schema_migrations.insert().values(version=LATEST + 1, name="future", applied_at=T0))
    s.close()
    with pytest.raises(SchemaError, match="newer"):
        Store(store_url)


def test_ingest_twice_adds_nothing(store):
    items = [item(i) for i in range(20)]
    first = ingest(store, items, batch_size=7)
    again = ingest(store, items, batch_size=7)
    assert (first.added, again.added, again.unchanged) == (20, 0, 20)
    assert store.count_articles() == 20


def test_edit_updates_and_keeps_history(store):
    ingest(store, [item(1)])
    result = ingest(store, [item(1, text="第1条快讯的正文已更正：数值为1.5亿元。", title="标题1（更正）")])
    assert result.updated == 1
    art = store.get_article_by_key("t:1")
    assert art.version == 2 and art.title == "标题1（更正）" and "更正" in art.text
    hist = store.history(art.id)
    assert [h["version"] for h in hist] == [1] and hist[0]["title"] == "标题1" and "1亿元" in hist[0]["text"]
    assert store.stats()["edits_kept"] == 1


def test_same_key_twice_in_one_batch_is_an_edit_with_history(store):
    result = ingest(store, [item(1), item(2), item(1, text="第1条快讯的正文已更正：数值为1.5亿元。")])
    assert (result.added, result.updated) == (2, 1)
    art = store.get_article_by_key("t:1")
    assert art.version == 2 and "1.5亿元" in art.text and len(store.history(art.id)) == 1


def test_stories_started_in_a_batch_are_joined_in_the_same_batch(store):
    text = "国家统计局今日公布数据，全国规模以上工业增加值同比增长5.2%，比上月加快0.4个百分点。"
    items = [item(1, text=text), item(2), item(3, text="据报道，" + text), item(4, text=text, source="乙网")]
    ingest(store, items)
    ids = {k: store.get_article_by_key(k) for k in ("t:1", "t:2", "t:3", "t:4")}
    root = ids["t:1"].id
    assert ids["t:1"].cluster_id == ids["t:3"].cluster_id == ids["t:4"].cluster_id == root
    assert ids["t:2"].cluster_id == ids["t:2"].id != root


def test_worker_process_ingest_matches_in_process_ingest(store_url):
    items = [item(i, text=f"第{i % 7}类快讯，国内成品油价格调整，汽油每吨上调{i % 7}0元。") for i in range(60)]
    Store(store_url).close()
    with Store(store_url) as a:
        first = ingest(a, items, batch_size=16, workers=1)
        clusters = {i.key: a.get_article_by_key(i.key).cluster_id for i in items}
        again = ingest(a, items, batch_size=16, workers=1)
    assert (first.added, again.unchanged) == (60, 60)
    assert len(set(clusters.values())) == 7


def test_one_transaction_spans_several_batches(store):
    # Batches of 2 in transactions of 5: an edit of an item stored earlier in
    # the same transaction still becomes version 2, every batch is reported.
    items = [item(i) for i in range(7)] + [item(3, text="第3条快讯改过的正文，数值为30亿元。")]
    progress: list[int] = []
    result = ingest(store, items, batch_size=2, commit_every=5, on_progress=progress.append)
    assert progress == [2, 2, 2, 2]
    assert (result.added, result.updated) == (7, 1)
    edited = store.get_article_by_key("t:3")
    assert edited.version == 2 and "30亿元" in edited.text and len(store.history(edited.id)) == 1
    assert [a.key for a in store.articles_page(limit=10)][::-1] == [f"t:{i}" for i in range(7)]


def test_a_failing_batch_rolls_back_to_the_last_commit_only(store):
    good = [prepare(item(i), "jiawang", T0) for i in range(6)]
    broken = replace(prepare(item(9), "jiawang", T0), published_at=datetime(2023, 3, 1, 9, 0))  # naive: refused
    with pytest.raises(Exception, match="naive"), store.bulk(commit_every=4, commit_after=60):
        for i in range(0, 6, 2):
            store.save_batch(good[i : i + 2])  # committed after the second batch (4 articles)
        store.save_batch([broken])
    assert sorted(a.key for a in store.articles_page(limit=10)) == ["t:0", "t:1", "t:2", "t:3"]
    assert ingest(store, [item(i) for i in range(6)]).added == 2  # an import run again adds the rest


def test_same_key_from_another_list_is_not_an_edit(store):
    ingest(store, [item(1)])
    result = ingest(store, [item(1, text="另一个列表给的稍有不同的正文，数值为1亿元。", source="乙网")])
    assert result.seen_elsewhere == 1 and store.get_article_by_key("t:1").version == 1


def test_crash_mid_batch_leaves_no_half_written_article(store):
    ingest(store, [item(1)])
    good = [prepare(item(i), "jiawang", T0) for i in (2, 3, 4)]
    broken = replace(good[1], published_at=datetime(2023, 3, 1, 9, 0))  # naive: the store refuses it
    with pytest.raises(Exception, match="naive"):
        store.save_batch([good[0], broken, good[2]])
    assert store.count_articles() == 1
    assert store.get_article_by_key("t:2") is None
    assert ingest(store, [item(2)]).added == 1  # and the store is still usable


def test_round_trip_of_fields(store):
    ingest(store, [item(7)])
    art = store.get_article_by_key("t:7")
    assert art.published_at == T0 + timedelta(minutes=7) and art.published_at.tzinfo is not None
    assert art.tags == ("甲网新闻",) and art.category == "jiawang" and art.url == "http://news.example.com/7.html"
    assert art.cluster_id == art.id and len(art.minhash) == 512
    assert store.get_article(art.id) == art


def test_iter_articles_is_ordered_and_complete(store):
    ingest(store, [item(i) for i in range(2500, 0, -1)], batch_size=1000)
    got = list(store.iter_articles(chunk=300))
    assert len(got) == 2500
    assert [a.published_at for a in got] == sorted(a.published_at for a in got)


def test_source_slugs_are_unique_and_stable(store):
    first = store.ensure_sources({"华夏": None, "华下": None, "山西晚报": "shanxiwanbao", "坏(slug)": "Bad Slug"})
    assert first["华夏"] == "huaxia" and first["华下"].startswith("huaxia-") and first["山西晚报"] == "shanxiwanbao"
    assert first["坏(slug)"] == "bad-slug"
    assert len(set(first.values())) == 4
    store._slugs = None  # forget the cache: the database must give the same answer
    assert store.ensure_sources({"华下": None, "华夏": None}) == {"华下": first["华下"], "华夏": "huaxia"}


def test_failing_source_backs_off_and_a_broken_one_is_told_apart(store):
    states = []
    for i in range(4):
        states.append(store.record_poll("s", now=T0, interval=300, error=f"HTTP 500 #{i}"))
    waits = [(s["next_due_at"] - T0).total_seconds() for s in states]
    assert waits == [300, 600, 1200, 2400]
    assert health(states[1]) == "failing" and health(states[3]) == "failing"
    why = "answered HTML (anti-crawl page?) where JSON was expected"
    broken = store.record_poll("s", now=T0, interval=300, error=why, broken=why)
    assert health(broken) == "broken" and store.source_states()["s"]["broken"] == why
    # an empty newest page three polls in a row is broken too; one item heals it
    empties = [store.record_poll("e", now=T0, interval=60, error=None, listed=0) for _ in range(3)]
    assert [health(s) for s in empties] == ["ok", "ok", "broken"]
    assert "empty list 3 polls in a row" in empties[-1]["broken"]
    assert health(store.record_poll("e", now=T0, interval=60, error=None, not_modified=True)) == "broken"  # 304: still empty
    assert health(store.record_poll("e", now=T0, interval=60, error=None, listed=5)) == "ok"
    ok = store.record_poll("s", now=T0, interval=300, error=None, added=3, validators={"u": {"etag": '"x"'}})
    assert health(ok) == "ok" and store.validators("s") == {"u": {"etag": '"x"'}}
    assert store.source_states()["s"]["items_added"] == 3


def _open_after(barrier, url: str) -> str:
    barrier.wait()
    try:
        Store(url).close()
        return "ok"
    except Exception as exc:  # reported to the test, which names it
        return f"{type(exc).__name__}: {exc}"


def test_processes_opening_a_new_sqlite_database_at_once_all_succeed(tmp_path):
    # `caixun run` and a command beside it may create the same database at
    # the same moment: the second must find the schema made, not make it again.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    url = f"sqlite:///{tmp_path / 'new.db'}"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(4, mp_context=ctx) as pool:
        barrier = manager.Barrier(4)
        outcomes = list(pool.map(_open_after, [barrier] * 4, [url] * 4))
    assert outcomes == ["ok"] * 4
    s = Store(url)
    with s.engine.connect() as conn:
        assert [r.version for r in conn.execute(schema_migrations.select())] == list(range(1, LATEST + 1))
    s.close()


def test_a_due_source_is_leased_to_one_poller_until_its_lease_runs_out(store):
    t = T0
    assert store.claim_source("甲网", "a", t, 60)
    assert not store.claim_source("甲网", "b", t, 60)  # taken
    store.renew_leases({"甲网": 60}, "b", t + timedelta(seconds=50))  # not b's: nothing moves
    store.renew_leases({"甲网": 60}, "a", t + timedelta(seconds=50))  # a polls on: its lease runs to t+110
    assert not store.claim_source("甲网", "b", t + timedelta(seconds=100), 60)
    assert store.claim_source("甲网", "b", t + timedelta(seconds=111), 60)  # a stopped renewing: b takes over
    state = store.record_poll("甲网", now=t + timedelta(seconds=112), interval=60, error=None, listed=3)
    assert state["lease_holder"] is None and state["next_due_at"] == t + timedelta(seconds=172)
    assert not store.claim_source("甲网", "a", t + timedelta(seconds=150), 60)
    assert store.claim_source("甲网", "a", t + timedelta(seconds=172), 60)


def test_two_processes_claiming_at_once_get_one_lease_each_source(store_url):
    from concurrent.futures import ThreadPoolExecutor

    stores = [Store(store_url) for _ in range(4)]
    try:
        names = [f"源{i}" for i in range(20)]
        with ThreadPoolExecutor(4) as pool:
            won = list(pool.map(lambda s: [n for n in names if s.claim_source(n, str(id(s)), T0, 60)], stores))
        assert sorted(n for w in won for n in w) == sorted(names)  # each source once, whoever got it
    finally:
        for s in stores:
            s.close()
