"""Fuzzing with a fixed budget: every input from outside, random and hostile,
must give a result or the input's own named error, never another exception.

Each property counts the cases it tried; the last test reports the total
(the hardening issue asks for at least 5,000) and fails below it."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caixun.clean.links import safe_link
from caixun.collect.eastmoney import SourceFailed
from caixun.collect.jekyll import PostError, parse_post
from caixun.collect.providers import PROVIDERS, Broken
from caixun.config import ConfigError, load_config
from caixun.model import RawItem, Source
from caixun.pipeline import ItemError, prepare

TRIED: dict[str, int] = {}
def budget(n: int) -> settings:
    # derandomized: the same cases on every run, so CI is repeatable
    return settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)

# Text with what breaks things: CJK, controls, NUL, lone surrogates, YAML and HTML syntax.
NASTY = st.sampled_from(["\x00", "\ud800", "\udfff", "\x0b", "\u2028", "\ufeff", "---\n", "<script>", "&", '"', "\\",
                         "*a", "&a", "{{", "{%", "：", "【", "】", "javascript:", "\r\n", "\t", "𠀀"])  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY, st.text(alphabet="涨跌亿元％%0123456789年月日", max_size=10)),
                max_size=12).map("".join)  # fmt: skip


def count(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


@budget(1500)
@given(front=TEXT, body=TEXT, date=st.one_of(TEXT, st.sampled_from(["0001-01-01", "9999-12-31 23:59:59 -1200", "2023-02-30",
       "2023-03-01 10:00:00 +9999", "2023-03-01 25:61:61", " +0800"])), name=st.sampled_from(["2023-03-01-1.md", "x.md", "-.md", "2023-03-01-.md"]))  # fmt: skip
def test_jekyll_posts(front, body, date, name):
    count("jekyll post")
    text = f"---\ntitle: {front}\ndate: {date}\ntags: {front}\n---\n\n{body}"
    try:
        item = parse_post(text, name)
    except PostError:
        return
    assert isinstance(item, RawItem)


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT),
                    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(TEXT, kids, max_size=4)), max_leaves=12)  # fmt: skip
FIELDS = ["code", "title", "summary", "showTime", "stockList", "titleColor", "id", "content", "ctime", "level", "is_ad",
          "stock_list", "rich_text", "create_time", "ext", "tag", "content_text", "display_time", "score", "time", "data",
          "important", "mediaName", "url", "subjects", "shareurl", "uri"]  # fmt: skip
ITEM = st.dictionaries(st.sampled_from(FIELDS), st.one_of(JSON, st.integers(-2**70, 2**70), st.sampled_from(
    ["2021-12-08 10:00:00", "1638934248", "0001-01-01 00:00:00", "sh600519", "1.600519", "{\"stocks\": [1]}", "A"])), max_size=10)  # fmt: skip


def shaped(kind: str, rows: list) -> object:
    return {
        "eastmoney-fast": {"data": {"fastNewsList": rows, "sortEnd": "1"}},
        "eastmoney-column": {"data": {"list": rows}},
        "cls-telegraph": {"errno": 0, "data": {"roll_data": rows}},
        "sina-zhibo": {"result": {"status": {"code": 0}, "data": {"feed": {"list": rows}}}},
        "wallstreetcn-live": {"code": 20000, "data": {"items": rows, "next_cursor": ""}},
        "jin10-flash": rows,
    }[kind]


@budget(1800)
@given(kind=st.sampled_from(sorted(PROVIDERS)), rows=st.lists(ITEM, max_size=5), raw=JSON, wrap=st.booleans())
def test_provider_answers(kind, rows, raw, wrap):
    count("provider answer")
    source = Source(name="fuzz", kind=kind, url="http://127.0.0.1/")
    data = shaped(kind, rows) if wrap else raw
    try:
        page = PROVIDERS[kind].read(source, data)
    except Broken:
        return
    for e in page.entries:
        assert e.published.tzinfo is not None and isinstance(e.item_id, str)


@budget(800)
@given(title=TEXT, body=TEXT, url=TEXT, tag=TEXT, source=TEXT,
       when=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.datetimes()), fmt=st.sampled_from(["html", "text"]))  # fmt: skip
def test_prepare_items(title, body, url, tag, source, when, fmt):
    count("item")
    raw = RawItem(key="f:" + source, source=source or "源", item_id="1", title=title, body=body, body_format=fmt, url=url,
                  published=when, tags=(tag,) if tag else ())  # fmt: skip
    try:
        art = prepare(raw, "fuzz", datetime(2026, 12, 7, tzinfo=UTC))
    except (ItemError, ValueError):
        return
    for value in (art.title, art.text, art.html, art.source, art.key, *art.tags):
        value.encode("utf-8")  # no lone surrogate reaches the store
        assert "\x00" not in value
    assert art.url == "" or art.url.startswith(("http://", "https://"))


@budget(800)
@given(doc=st.one_of(TEXT, st.builds(lambda k, v: f"[settings]\n{k} = {v}\n", st.sampled_from(["per_host", "backoff", "retries",
       "max_body", "read_timeout", "nope"]), st.sampled_from(["0", "nan", "inf", "-1", "1e308", '"x"', "[]", "4"])),
       st.builds(lambda k, v: f'[[sources]]\nname = "x"\nkind = "{k}"\n{v}\n', st.sampled_from([*PROVIDERS, "feed", "eastmoney", "?"]),
       st.sampled_from(['url = "http://x/"', "url = 1", 'max_pages = 0', 'backfill_hours = nan', 'text_url = "x"', ""]))))  # fmt: skip
def test_config_files(tmp_path_factory, doc):
    count("config")
    path = tmp_path_factory.getbasetemp() / "fuzz.toml"
    path.write_text(doc, encoding="utf-8", errors="surrogatepass")
    try:
        config = load_config(path)
    except ConfigError:
        return
    assert config.http.per_host >= 1 and config.http.backoff == config.http.backoff  # not nan


@budget(1200)
@given(url=st.one_of(TEXT, st.text(alphabet=string.printable, max_size=60),
                     st.builds(lambda s, r: s + r, st.sampled_from(["http://", "HTTPS://", "//", "javascript:", " java\tscript:",
                                                                    "data:", "http:/", "https://@", ""]), TEXT)))  # fmt: skip
def test_links(url):
    count("link")
    link = safe_link(url)
    assert link == "" or link.lower().startswith(("http://", "https://"))
    assert not any(c in link for c in "<>\"' \t\n\r\x00")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    from fastapi.testclient import TestClient

    from caixun.pipeline import ingest
    from caixun.store import Store
    from caixun.web.app import create_app

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzzweb') / 'w.db'}")
    ingest(store, [RawItem(key=f"w:{i}", source="源", item_id=str(i), title=f"第{i}条：北向资金净流入{i}亿元", body=f"正文{i}。",
                           body_format="text", published=datetime(2026, 12, 7, i % 24, tzinfo=UTC)) for i in range(30)])  # fmt: skip
    yield TestClient(create_app(store), raise_server_exceptions=False)
    store.close()


ROUTES = ["/", "/search", "/api/search", "/api/articles", "/figures", "/api/figures", "/figures.csv", "/source/yuan/",
          "/tag/x/", "/api/clusters/1", "/important/", "/search/feed.atom", "/region/140781/", "/api/articles/1"]  # fmt: skip
PARAMS = ["q", "before", "offset", "limit", "since", "until", "order", "source", "indicator", "kind", "period", "important", "full"]


@budget(700)
@given(route=st.sampled_from(ROUTES), params=st.dictionaries(st.sampled_from(PARAMS), st.one_of(TEXT, st.integers(-2**70, 2**70).map(str),
       st.sampled_from(["", "NEAR(", '"', "*", "OR", "涨 OR 跌", "-1", "1e99", "2026-13-40", "true"])), max_size=4))  # fmt: skip
def test_web_parameters(web, route, params):
    count("web request")
    clean = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in params.items()}
    r = web.get(route, params=clean)
    assert r.status_code < 500, (route, params, r.text[:300])


@pytest.fixture(scope="module")
def search_store(tmp_path_factory):
    from caixun.pipeline import ingest
    from caixun.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzzsearch') / 's.db'}")
    ingest(store, [RawItem(key=f"q:{i}", source="源", item_id=str(i), title=f"第{i}条：人民币汇率{i}", body=f"央行正文{i}，涨跌互现。",
                           body_format="text", published=datetime(2026, 12, 7, i % 24, tzinfo=UTC)) for i in range(40)])  # fmt: skip
    yield store
    store.close()


@budget(600)
@given(q=st.one_of(TEXT, st.sampled_from(['"', 'NEAR(a b)', "a OR b", "*", "^涨", "title:涨", "涨 -跌", "(((", "'", "\x00",
                                          "涨" * 10_000, "人民币 " * 2_000, "\ud800涨"]),
                   st.text(alphabet='涨跌人民币"*()-:^ORANDNOT ', max_size=40)))  # fmt: skip
def test_search_queries(search_store, q):
    count("search query")
    page = search_store.search(q, limit=5)
    assert page.total >= len(page.articles)


FEED_PARTS = ['<?xml version="1.0"?>', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
              '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
              "<rss version=\"2.0\"><channel>", "<title>", "</title>", "<item>", "</item>", "<link>", "</link>", "&x;", "&c;",
              "<description><![CDATA[", "]]></description>", "<pubDate>", "</pubDate>", "</channel></rss>",
              '<feed xmlns="http://www.w3.org/2005/Atom">', "<entry>", "</entry>", "<content type=\"html\">", "</content>",
              "&lt;script&gt;", "javascript:alert(1)", "Wed, 01 Mar 2023 10:00:00 +0800", "0001-01-01T00:00:00Z", "\x00", "\udc80"]  # fmt: skip


@budget(600)
@given(parts=st.lists(st.one_of(st.sampled_from(FEED_PARTS), TEXT), max_size=30), encoding=st.sampled_from(["utf-8", "gb18030", "latin-1"]))
def test_feed_documents(parts, encoding):
    from caixun.collect.feed import parse_feed
    from caixun.pipeline import prepare

    count("feed")
    doc = "".join(parts).encode(encoding, "replace")
    try:
        got = parse_feed(Source(name="源", kind="feed", url="http://x/feed"), doc, "application/xml")
    except SourceFailed:  # the feed's own named error: "not a feed: …"
        return
    assert not any("root:" in (i.body or "") for i in got.items)  # no external entity was read
    for item in got.items:
        try:
            prepare(item, fetched_at=datetime(2026, 12, 7, tzinfo=UTC))
        except ItemError:
            pass


@budget(300)
@given(prefix=st.sampled_from(["", "sqlite:///", "sqlite://", "mysql://", "nope://", "postgresql://nobody@127.0.0.1:1/",
                               "postgresql+psycopg://", "sqlite:///?mode="]), name=TEXT, junk=st.binary(max_size=200))  # fmt: skip
def test_database_urls_and_files(tmp_path_factory, prefix, name, junk):
    """A database that cannot be used is one line and exit 2 (the README's
    promise), never a traceback. Files are made only in a temporary folder."""
    from click.testing import CliRunner

    from caixun.cli import cli

    count("database")
    folder = tmp_path_factory.mktemp("db")
    (folder / "junk.db").write_bytes(b"SQLite format 3\x00" + junk)
    name = name.replace("/", "_").replace("\\", "_")
    file_like = prefix in ("", "sqlite:///")
    for target in (prefix + (f"{folder}/{name}" if file_like else name), str(folder / "junk.db")):
        r = CliRunner().invoke(cli, ["--db", target, "stats"])
        assert r.exit_code in (0, 2), (target, r.output, r.exception)
        assert r.exception is None or isinstance(r.exception, SystemExit), (target, repr(r.exception))


def test_the_fuzzing_budget_was_spent():
    """Run last in this module: the total number of cases tried."""
    total = sum(TRIED.values())
    print(f"\nfuzz cases tried: {total} ({', '.join(f'{k} {v}' for k, v in sorted(TRIED.items()))})")
    assert total >= 5000, TRIED
    assert json.dumps(TRIED)
