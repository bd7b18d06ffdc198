"""`caixun facts --rebuild --dask local`: extraction mapped over id ranges on
a Dask LocalCluster stores exactly the facts of the one-process rebuild
(compared by digest of the figures and entities tables), on SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from caixun.cli import cli
from caixun.rebuild_dask import id_ranges
from caixun.store import Store
from caixun.store.schema import articles, entities, figures
from tests.conftest import CORPUS, needs_corpus


def test_id_ranges_cover_every_id_once():
    assert id_ranges(1, 45_000, 20_000) == [(0, 20_000), (20_000, 40_000), (40_000, 45_000)]
    assert id_ranges(7, 7) == [(6, 7)] and id_ranges(0, 0) == []
    covered = [i for a, b in id_ranges(3, 100, 7) for i in range(a + 1, b + 1)]
    assert covered == list(range(3, 101))


def facts_digest(url: str) -> tuple[str, int]:
    s = Store(url)
    try:
        with s.engine.connect() as conn:
            figs = conn.execute(select(*[c for c in figures.c if c.name != "id"]).order_by(figures.c.article_id, figures.c.seq)).all()
            ents = conn.execute(select(*[c for c in entities.c if c.name != "id"]).order_by(entities.c.article_id, entities.c.seq)).all()
            versions = conn.execute(select(articles.c.id, articles.c.facts_version).order_by(articles.c.id)).all()
    finally:
        s.close()
    return hashlib.sha256(repr((figs, ents, versions)).encode()).hexdigest(), len(figs)


def forget_facts(url: str) -> None:
    s = Store(url)
    try:
        with s.write_engine.begin() as conn:
            conn.execute(delete(figures))
            conn.execute(delete(entities))
            conn.execute(update(articles).values(facts_version=None))
    finally:
        s.close()


def test_dask_rebuild_equals_the_one_process_rebuild(store_url, monkeypatch):
    pytest.importorskip("dask.distributed")
    import caixun.rebuild_dask

    monkeypatch.setattr(caixun.rebuild_dask, "RANGE", 20)  # the corpus in eight tasks, not one
    needs_corpus()
    r = CliRunner().invoke(cli, ["--db", store_url, "import", str(CORPUS)])
    assert r.exit_code in (0, 1), r.output
    forget_facts(store_url)
    r = CliRunner().invoke(cli, ["--db", store_url, "facts", "--rebuild", "--workers", "0"])
    assert r.exit_code == 0, r.output
    one_process, n = facts_digest(store_url)
    assert n > 300
    forget_facts(store_url)
    assert facts_digest(store_url)[1] == 0
    r = CliRunner().invoke(cli, ["--db", store_url, "facts", "--rebuild", "--dask", "local", "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert facts_digest(store_url)[0] == one_process
    r = CliRunner().invoke(cli, ["--db", store_url, "facts", "--dask", "local"])
    assert r.exit_code == 2 and "--rebuild" in r.output
