"""`caixun copy`: the corpus archive from SQLite to PostgreSQL and back, with
identical `export jsonl` output, the same search answers, and the target
usable for new articles afterwards."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from caixun.cli import cli
from caixun.store import Store
from tests.conftest import CORPUS, _wipe_postgres, needs_corpus, require


def run(*args: str):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r


def export(url: str, path) -> str:
    r = run("--db", url, "export", "jsonl", str(path))
    assert r.exit_code == 0, r.output
    return path.read_text(encoding="utf-8")


@pytest.mark.postgres
def test_copy_to_postgresql_and_back_keeps_everything(tmp_path):
    needs_corpus()
    pg = os.environ.get("CAIXUN_TEST_PG")
    require(bool(pg), "CAIXUN_TEST_PG is not set (a PostgreSQL database for tests)")
    _wipe_postgres(pg)
    first = f"sqlite:///{tmp_path / 'first.db'}"
    r = run("--db", first, "import", str(CORPUS))
    assert r.exit_code in (0, 1), r.output
    # an edit (history), a watch with a match: every table has rows
    s = Store(first)
    try:
        from caixun.store.watches import save_watch
        from caixun.watch.rules import watch_spec

        save_watch(s, watch_spec({"name": "央行", "words": "央行"}), "cli")
        n = s.count_articles()
        assert n > 100
    finally:
        s.close()

    r = run("--db", first, "copy", "--to", pg)
    assert r.exit_code == 0 and f"copy: {n} articles" in r.output, r.output
    back = f"sqlite:///{tmp_path / 'back.db'}"
    r = run("--db", pg, "copy", "--to", back)
    assert r.exit_code == 0, r.output

    original = export(first, tmp_path / "a.jsonl")
    assert export(pg, tmp_path / "b.jsonl") == original
    assert export(back, tmp_path / "c.jsonl") == original
    for q in ("央行", "美元", "介休市 GDP", "涨"):
        answers = []
        for url in (first, pg, back):
            s = Store(url)
            try:
                page = s.search(q, limit=50)
                answers.append((page.total, [a.id for a in page.articles]))
            finally:
                s.close()
        assert answers[0] == answers[1] == answers[2], q
    # the copy goes on: a new article gets a new id, and the watch is there
    s = Store(pg)
    try:
        from caixun.model import RawItem
        from caixun.pipeline import ingest
        from caixun.store.watches import watch_rows

        top = max(a.id for a in s.iter_articles())
        from datetime import UTC, datetime

        ingest(s, [RawItem(key="new:1", source="新来源", item_id="1", title="央行新消息", body="央行今日开展逆回购。",
                           body_format="text", published=datetime.now(UTC), url="http://x.example.org/1")])  # fmt: skip
        assert s.get_article_by_key("new:1").id > top
        assert [w["name"] for w in watch_rows(s)] == ["央行"]
    finally:
        s.close()
    # into a database that is not empty: refused, nothing written
    r = run("--db", first, "copy", "--to", back)
    assert r.exit_code == 2 and "not empty" in r.output
