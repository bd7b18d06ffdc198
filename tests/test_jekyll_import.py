"""The old-format importer: every irregularity of the real posts, and round trips."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from caixun.collect.jekyll import PostError, parse_post, read_posts
from caixun.model import Rejection
from caixun.pipeline import import_files, import_paths, prepare
from caixun.publish.jekyll import export_jekyll, post_filename, render_post
from caixun.store import Store
from tests.conftest import FLASHES, flash_post


def test_plain_flash_fields():
    item_id, title, body = FLASHES[1]
    raw = parse_post(flash_post(item_id, title, body), f"2023-03-01-{item_id}.md")
    assert raw.key == f"eastmoney:{item_id}"
    assert raw.item_id == item_id and raw.title == title and raw.body == body
    assert raw.source == "东财滚动" and raw.category == "emnews" and raw.tags == ("东财滚动新闻",)
    assert raw.url == f"http://finance.example.com/news/1345,{item_id}.html"
    assert raw.published.utcoffset().total_seconds() == 8 * 3600
    assert raw.body_format == "text"


@pytest.mark.parametrize("footer", ["relative", "absolute", "absolute2", "none"])
def test_footer_becomes_metadata_not_body(footer):
    raw = parse_post(flash_post("1", "标题", "正文一句。", footer=footer), "2023-03-01-1.md")
    assert raw.body == "正文一句。"
    assert "返回" not in raw.body
    assert len(raw.meta["footer_links"]) == (0 if footer == "none" else 2)


def test_dates_with_and_without_offset_are_the_same_instant():
    a = parse_post(flash_post("1", "t", "x", date="2023-03-01 09:30:00"), "a.md").published
    b = parse_post(flash_post("1", "t", "x", date="2023-03-01 09:30:00 +0800"), "b.md").published
    assert a == b == datetime(2023, 3, 1, 1, 30, tzinfo=UTC)


def test_missing_date_and_empty_title_are_inferred(tmp_path):
    text = '---\nlayout: post\ntitle: ""\ndate:  +0800\ncategories: emnews\ntags: 东财滚动新闻\n---\n\n某公司公告称拟回购股份。\n\n<>'
    raw = parse_post(text, "-202304050000000007.md")
    assert raw.item_id == "202304050000000007" and raw.published is None and raw.title == ""
    art = prepare(raw, "emnews", datetime(2024, 1, 1, tzinfo=UTC))
    assert art.title == "某公司公告称拟回购股份"
    assert art.published_at.date().isoformat() == "2023-04-05"  # from the info code
    assert art.meta["published_inferred"] and art.meta["title_inferred"]


def test_blank_line_before_front_matter_and_no_trailing_newline_round_trip():
    original = flash_post("42", "标题", "正文。", lead="\n")
    raw = parse_post(original, "2023-03-01-42.md")
    assert raw.title == "标题"
    art = prepare(raw, "emnews", datetime.now(UTC))
    assert render_post(art, verbatim=True) == original


def test_curly_quotes_in_title_round_trip_and_ascii_quote_is_escaped():
    curly = flash_post("7", "“新债王”称美股仍有风险", "正文。")
    art = prepare(parse_post(curly, "2023-03-01-7.md"), "emnews", datetime.now(UTC))
    assert render_post(art, verbatim=True) == curly
    broken = flash_post("8", '他说"降息"不会很快到来', "正文。")  # what the old generator wrote: invalid YAML
    raw = parse_post(broken, "2023-03-01-8.md")
    assert raw.title == '他说"降息"不会很快到来'
    out = render_post(prepare(raw, "emnews", datetime.now(UTC)), verbatim=True)
    front = yaml.safe_load(out.split("---\n")[1])
    assert front["title"] == '他说"降息"不会很快到来'


def test_digest_block_and_html_body():
    text = (
        '---\nlayout: post\ntitle: "标题"\ndate: 2023-03-01 10:00:00\ncategories: emnews\ntags: 东财滚动新闻\n---\n'
        "> 这是摘要。\n\n<p>第一段。</p><p>第二段。</p>\n\n<http://a.example.com/x.html>\n\n[返回东财滚动新闻](../emnews/)\n[返回首页](../)"
    )
    raw = parse_post(text, "2023-03-01-9.md")
    assert raw.digest == "这是摘要。" and raw.body == "<p>第一段。</p><p>第二段。</p>" and raw.body_format == "html"
    art = prepare(raw, "emnews", datetime.now(UTC))
    assert art.text == "第一段。\n\n第二段。"
    assert render_post(art, verbatim=True) == text


def test_no_front_matter_is_a_post_error():
    with pytest.raises(PostError, match="front matter"):
        parse_post("just some text\n", "2023-03-01-1.md")


def test_bad_files_are_named_and_the_rest_imported(sqlite_store, post_dir):
    (post_dir / "2023-03-03-bad1.md").write_bytes(b"\xff\xfe\x00garbage")
    (post_dir / "2023-03-03-bad2.md").write_text("no front matter here", encoding="utf-8")
    (post_dir / "2023-03-03-bad3.md").write_text('---\ntitle: "x"\ndate: 2023-13-45 99:00:00\n---\n\nbody', encoding="utf-8")
    result = import_paths(sqlite_store, [post_dir])
    assert result.added == 6
    reasons = {r.what.rsplit("/", 1)[-1]: r.reason for r in result.rejected}
    assert set(reasons) == {"2023-03-03-bad1.md", "2023-03-03-bad2.md", "2023-03-03-bad3.md"}
    assert "UTF-8" in reasons["2023-03-03-bad1.md"]
    assert "front matter" in reasons["2023-03-03-bad2.md"]
    assert "date" in reasons["2023-03-03-bad3.md"]


def test_read_posts_recurses_and_skips_readmes(tmp_path, post_dir):
    (post_dir.parent / "README.md").write_text("# not a post", encoding="utf-8")
    nested = post_dir / "2023" / "03"
    nested.mkdir(parents=True)
    (nested / "2023-03-05-77.md").write_text(flash_post("77", "嵌套", "正文。"), encoding="utf-8")
    items = list(read_posts([post_dir.parent, tmp_path / "missing.md"]))
    assert sum(not isinstance(i, Rejection) for i in items) == 7
    assert [str(i) for i in items if isinstance(i, Rejection)] == [f"{tmp_path / 'missing.md'}: no such file or directory"]


def test_import_export_round_trip_is_byte_identical(sqlite_store, post_dir, tmp_path):
    import_paths(sqlite_store, [post_dir])
    out = tmp_path / "export"
    export_jekyll(sqlite_store.iter_articles(), out, verbatim=True)
    for original in post_dir.glob("*.md"):
        exported = out / "_posts" / original.name
        assert exported.read_bytes() == original.read_bytes(), original.name
    page = (out / "category" / "jiangchengribao.html").read_text(encoding="utf-8")
    assert page == "---\nlayout: category\ntitle: 江城日报新闻\ncategory: jiangchengribao\n---"


def test_default_export_is_sanitized_html_and_verbatim_is_opt_in(sqlite_store, tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "2023-03-01-5.md").write_text(
        flash_post("5", "t", '<p onclick="x()">好<script>alert(1)</script></p>'), encoding="utf-8"
    )
    import_paths(sqlite_store, [d])
    art = sqlite_store.get_article_by_key("eastmoney:5")
    assert "<script>" in render_post(art, verbatim=True)  # the old bytes, when asked for
    clean = render_post(art)
    assert "<script>" not in clean and "onclick" not in clean and "<p>好</p>" in clean
    assert "date: 2023-03-01 09:30:00 +0800" in clean  # never read as UTC by Jekyll
    assert post_filename(art) == "2023-03-01-5.html"
    assert post_filename(art, verbatim=True) == "2023-03-01-5.md"




def test_files_read_in_a_worker_import_as_when_read_here(tmp_path, post_dir):
    # The worker reads, parses and prepares; the storing process names the
    # sources' slugs afterwards. A source whose name needs repair (a control
    # character) and an unreadable file go through both ways alike.
    (post_dir / "2023-03-03-31.md").write_text(flash_post("31", "坏源", "正文31。", tag="坏\x01源新闻", category="x y"), encoding="utf-8")
    (post_dir / "2023-03-03-32.md").write_text(flash_post("32", "同源", "正文32。", tag="坏\x01源新闻"), encoding="utf-8")
    (post_dir / "2023-03-03-bad.md").write_text("no front matter here", encoding="utf-8")
    files = sorted(p for p in post_dir.iterdir() if p.suffix == ".md")
    seen = []
    for workers in (0, 1):
        with Store(f"sqlite:///{tmp_path}/w{workers}.db") as store:
            result = import_files(store, files, batch_size=3, workers=workers)
            arts = sorted(store.iter_articles(), key=lambda a: a.key)
            roots = {a.id: a.key for a in arts}
            seen.append((result.added, sorted(r.reason for r in result.rejected),
                         [(a.key, a.source, a.category, roots[a.cluster_id], a.title, a.text, a.meta) for a in arts]))
    assert seen[0] == seen[1]
    added, reasons, rows = seen[1]
    assert added == 8 and len(reasons) == 1 and "front matter" in reasons[0]
    bad_source = {r[1]: r[2] for r in rows if r[0] in ("eastmoney:31", "eastmoney:32")}
    assert len(bad_source) == 1 and "\x01" not in next(iter(bad_source)) and next(iter(bad_source.values()))
