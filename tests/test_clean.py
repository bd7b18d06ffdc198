"""Cleaning: repair, allowlist sanitizing, hidden blocks, plain text."""

from __future__ import annotations

import pytest

from caixun.clean.html import clean_body, sanitize_html, text_to_html


def test_strong_across_paragraphs_is_repaired_into_each_paragraph():
    html, text = sanitize_html("<p><strong>标题一</p>\n <p>小标题</p>\n <p></strong>正文段落。</p>")
    assert html.replace("\n ", "") == "<p><strong>标题一</strong></p><p><strong>小标题</strong></p><p>正文段落。</p>"
    assert text == "标题一\n\n小标题\n\n正文段落。"


@pytest.mark.parametrize(
    "dirty, forbidden",
    [
        ("<p>a<script>alert(1)</script>b</p>", "alert"),
        ("<style>p{color:red}</style><p>ab</p>", "color"),
        ('<p onclick="steal()">ab</p>', "steal"),
        ('<a href="javascript:alert(1)">ab</a>', "javascript"),
        ('<img src="x" onerror="alert(1)">ab', "onerror"),
        ('<p style="display:none;height:1px">secret</p><p>ab</p>', "secret"),
        ('<div style="visibility: hidden">secret</div>ab', "secret"),
        ('<p hidden>secret</p>ab', "secret"),
        ("<!-- comment --><p>ab</p>", "comment"),
        ('<iframe src="https://evil.example"></iframe><p>ab</p>', "iframe"),
        ('<svg><script>alert(1)</script></svg>ab', "alert"),
    ],
)
def test_dangerous_or_hidden_markup_is_removed(dirty, forbidden):
    html, text = sanitize_html(dirty)
    assert forbidden not in html and forbidden not in text
    assert "ab" in text


def test_structure_is_kept():
    dirty = (
        '<h2>小结</h2><ul><li>一</li><li>二</li></ul><table><tr><td>A</td><td>1</td></tr></table>'
        '<p><a href="https://example.com/a">链接</a><img src="https://example.com/i.png" alt="图"></p>'
        '<span id="stock_1" class="keytip">股票</span>'
    )
    html, text = sanitize_html(dirty)
    for kept in ("<h2>小结</h2>", "<li>一</li>", "<td>A</td>", 'href="https://example.com/a"', 'src="https://example.com/i.png"'):
        assert kept in html
    assert "<span" not in html and "class=" not in html and "股票" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert text.split("\n\n")[:3] == ["小结", "一", "二"]


def test_plain_text_paragraphs():
    html, text = text_to_html("第一段 <不是标签> & 符号。\n\n  第二段。\n")
    assert html == "<p>第一段 &lt;不是标签&gt; &amp; 符号。</p><p>第二段。</p>"
    assert text == "第一段 <不是标签> & 符号。\n\n第二段。"


def test_layout_spaces_between_chinese_characters_are_dropped():
    _, text = clean_body("<p>全 年\u3000增长 8.5%， GDP 总量</p>")
    assert text == "全年增长 8.5%，GDP 总量"


def test_empty_and_whitespace_bodies():
    assert clean_body("", "html") == ("", "")
    assert clean_body("<p> </p><script>x</script>", "html")[1] == ""
