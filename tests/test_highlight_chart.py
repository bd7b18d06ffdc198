"""Marking facts in article HTML, and the SVG chart (pure functions)."""

from __future__ import annotations

from datetime import date

from lxml import html as lxml_html

from caixun.publish.chart import Point, line_chart, period_end, short_number
from caixun.publish.highlight import Span, fact_spans, mark


def test_spans_are_found_in_order_inside_nested_tags():
    body = "<p>GDP完成<strong>341.3亿元</strong>、增长8.5%。</p><p>再增长8.5%</p>"
    out = mark(body, [Span("341.3亿元", "mark", {"id": "a"}), Span("8.5%", "mark", {"id": "b"}), Span("8.5%", "mark", {"id": "c"})])
    tree = lxml_html.fragment_fromstring(out, create_parent="div")
    marks = tree.findall(".//mark")
    assert [(m.get("id"), m.text) for m in marks] == [("a", "341.3亿元"), ("b", "8.5%"), ("c", "8.5%")]
    assert marks[0].getparent().tag == "strong" and marks[2].getparent().text == "再增长"
    assert tree.text_content() == "GDP完成341.3亿元、增长8.5%。再增长8.5%"  # no text lost or doubled


def test_a_span_split_by_a_tag_stays_unmarked_and_links_never_nest():
    out = mark("<p>3<b>5</b>亿元，<a href='/x'>晋中</a>与晋中</p>", [Span("35亿元", "mark", {}), Span("晋中", "a", {"href": "/r"}),
                                                                   Span("晋中", "a", {"href": "/r"})])  # fmt: skip
    tree = lxml_html.fragment_fromstring(out, create_parent="div")
    assert tree.findall(".//mark") == []
    links = tree.findall(".//a")
    assert [(a.get("href"), a.text) for a in links] == [("/x", "晋中"), ("/r", "晋中")]


def test_marks_keep_text_escaped():
    out = mark("<p>&lt;script&gt;增长5%</p>", [Span("5%", "mark", {"title": '"><script>alert(1)</script>'})])
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_fact_spans_skip_bare_numbers_and_overlaps():
    facts = {"figures": [{"start": 0, "end": 4, "text": "十九届", "kind": "number"},
                         {"start": 5, "end": 9, "text": "增长5%", "kind": "percent", "value": "5"},
                         {"start": 13, "end": 21, "text": "3128.56点", "kind": "number", "unit": "点", "value": "3128.56"}],
             "entities": [{"start": 5, "end": 7, "text": "增长", "type": "region", "code": "1"},
                          {"start": 10, "end": 12, "text": "介休", "type": "region", "code": "140781"}]}  # fmt: skip
    spans = fact_spans(facts, lambda e: f"/region/{e['code']}/", lambda f: f["value"])
    # a number with a unit (index points) is marked, a bare one is not
    assert [(s.tag, s.text) for s in spans] == [("mark", "增长5%"), ("a", "介休"), ("mark", "3128.56点")]


def test_period_end_and_short_numbers():
    assert period_end("2021") == date(2021, 12, 31) and period_end("2021Q1") == date(2021, 3, 31)
    assert period_end("2024-02") == date(2024, 2, 29) and period_end("2021-01/2021-11") == date(2021, 11, 30)
    assert period_end("2021H1") == date(2021, 6, 30) and period_end("2021Q1-Q3") == date(2021, 9, 30)
    assert period_end(None) is None and period_end("上半年") is None
    assert short_number(34130000000) == "341.3亿" and short_number(56000) == "5.6万" and short_number(12) == "12"


def test_line_chart_draws_each_series_escaped_and_joins_day_medians():
    svg = line_chart({"<b>介休</b>": [Point(date(2021, 3, 31), 80, "80亿元"), Point(date(2021, 6, 30), 170, "170亿元"),
                                      Point(date(2021, 6, 30), 150, "150亿元")],
                      "晋中": [Point(date(2021, 6, 30), 500, "500亿元")]}, "CNY")  # fmt: skip
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;介休&lt;/b&gt;" in svg
    assert svg.count("<circle") == 4 and svg.count("<polyline") == 1  # one point of 晋中: no line
    points = svg.split('points="', 1)[1].split('"', 1)[0].split()
    assert len(points) == 2  # two days; 160 (the median of 170 and 150) on the second
    assert line_chart({}, None) == ""
