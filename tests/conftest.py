"""Shared fixtures: a store on each backend, and old-format posts written here.

PostgreSQL tests need CAIXUN_TEST_PG (a URL of a database they may wipe).
Without it they are skipped, except under CI=true, where a missing server is
an error: the contract must have run against a real PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caixun.store import Store, database_url

# ../shared beside the checkout; CAIXUN_SHARED points elsewhere (e.g. from a clone in /tmp).
SHARED = Path(os.environ.get("CAIXUN_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
CORPUS = SHARED / "corpus" / "finews"
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(condition: bool, reason: str) -> None:
    """Skip when something optional is missing, but fail in CI, where it must be present."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must provide this: {reason}")
        pytest.skip(reason)


def needs_corpus() -> None:
    # The shared corpus is read-only reference data; outside our CI it may be absent.
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not here")


def _wipe_postgres(url: str) -> None:
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = os.environ.get("CAIXUN_TEST_PG")
    require(bool(url), "CAIXUN_TEST_PG is not set (a PostgreSQL database for tests)")
    _wipe_postgres(url)
    return url


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.close()


FOOTERS = {
    "relative": "\n\n[返回东财滚动新闻](../emnews/)\n[返回首页](../)",
    "absolute": "\n\n[返回东财滚动新闻](//news.example.org/emnews/)｜[返回首页](//news.example.org/)",
    "absolute2": "\n\n[返回东财滚动新闻](//news.example.org/emnews/)\n[返回首页](//news.example.org/)",
    "none": "",
}


def flash_post(
    item_id: str,
    title: str,
    body: str,
    *,
    date: str = "2023-03-01 09:30:00",
    category: str = "emnews",
    tag: str = "东财滚动新闻",
    link: str | None = None,
    footer: str = "relative",
    eol: str = "",
    lead: str = "",
) -> str:
    """A post in the old format, built the way the old generator built them."""
    link = f"http://finance.example.com/news/1345,{item_id}.html" if link is None else link
    return (
        f'{lead}---\nlayout: post\ntitle: "{title}"\ndate: {date}\ncategories: {category}\ntags: {tag}\n---\n\n'
        f"{body}\n\n<{link}>{FOOTERS[footer]}{eol}"
    )


def media_post(item_id: str, title: str, html: str, *, outlet: str = "江城日报", slug: str = "jiangchengribao") -> str:
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndate: 2023-03-02 08:00:00 +0800\ncategories: {slug}\ntags: {outlet}新闻\n---\n'
        f"{html}\n\n<http://share.example.com/NewsShare.html?infoCode={item_id}>\n\n"
        f"[返回{outlet}新闻](//news.example.org/category/{slug}.html)｜[返回首页](//news.example.org/)"
    )


# Our own flashes (invented for the tests), with stable ids.
FLASHES = [
    ("202303010000000001", "沪指午间收涨0.8%", "沪指午间收涨0.8%，创业板指涨1.2%，两市成交额超6000亿元。"),
    ("202303010000000002", "央行开展500亿元逆回购操作", "央行今日开展500亿元7天期逆回购操作，中标利率2.0%。"),
    ("202303010000000003", "国际油价走高", "布伦特原油期货日内涨超2%，现报85.6美元/桶。"),
    ("202303010000000004", "某银行下调存款利率", "某国有大行宣布下调人民币定期存款利率10个基点。"),
    ("202303010000000005", "离岸人民币走强", "离岸人民币兑美元日内升值逾200点，现报6.8712。"),
]


@pytest.fixture
def post_dir(tmp_path) -> Path:
    """A directory of well-formed posts in every layout the old generator used."""
    d = tmp_path / "site" / "_posts"
    d.mkdir(parents=True)
    styles = ["relative", "absolute", "absolute2", "none", "relative"]
    for (item_id, title, body), footer in zip(FLASHES, styles, strict=True):
        date = "2023-03-01 09:30:00" if footer != "absolute" else "2023-03-01 09:31:00 +0800"
        (d / f"2023-03-01-{item_id}.md").write_text(flash_post(item_id, title, body, footer=footer, date=date), encoding="utf-8")
    html = (
        "<p>江城市一季度地区生产总值完成120.5亿元、增长6.1%。</p>\n <p><strong>重点项目</p>\n"
        " <p>新签约项目12个</p>\n <p></strong>总投资达88亿元，其中工业项目占七成。</p>"
    )
    (d / "2023-03-02-NW202303020000000009.md").write_text(
        media_post("NW202303020000000009", "江城经济开局良好", html), encoding="utf-8"
    )
    return d


@pytest.fixture
def jekyll_bin() -> str:
    path = shutil.which("jekyll")
    require(path is not None, "Debian's jekyll is not installed")
    return path
