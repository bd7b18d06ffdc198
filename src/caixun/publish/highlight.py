"""Marks the facts of an article inside its (already sanitized) body HTML (pure).

Facts carry offsets into the article's plain text, not into its HTML. The
plain text is the HTML's text in document order (with paragraph breaks), so
the facts are found again, in order, in the HTML's text nodes: each one is
searched from where the previous one ended, and wrapped where it lies inside
one text node (a figure split by a tag, as in 3<b>5</b>亿元, stays unmarked).
Figures become <mark> with their reading in a title; regions and securities
become links to their pages. lxml builds the elements, so every text stays
escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree, html

from caixun.enrich import is_shown


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    tag: str  # "mark" or "a"
    attrs: dict[str, str]


def _ordered_slots(root) -> list[tuple[object, str]]:
    out: list[tuple[object, str]] = []

    def walk(el) -> None:
        out.append((el, "text"))
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            out.append((child, "tail"))

    walk(root)
    return out


def mark(body_html: str, spans: list[Span]) -> str:
    """The body with each span, found in order, wrapped in its element."""
    if not spans or not body_html.strip():
        return body_html
    root = html.fragment_fromstring(body_html, create_parent="div")
    slots = _ordered_slots(root)
    placed: dict[int, list[tuple[int, int, Span]]] = {}
    slot_i, offset = 0, 0  # where the search goes on: a text node and an offset in it
    for span in spans:
        i, off = slot_i, offset
        while i < len(slots):
            el, attr = slots[i]
            value = getattr(el, attr) or ""
            pos = value.find(span.text, off) if span.text else -1
            if pos >= 0:
                if not (span.tag == "a" and _inside_link(el, attr)):  # no link inside a link
                    placed.setdefault(i, []).append((pos, pos + len(span.text), span))
                slot_i, offset = i, pos + len(span.text)
                break
            i, off = i + 1, 0
    for i, found in placed.items():
        _wrap(*slots[i], found)
    out = etree.tostring(root, encoding="unicode", method="html")
    return out[len("<div>") : -len("</div>")]


def _inside_link(el, attr: str) -> bool:
    node = el if attr == "text" else el.getparent()
    while node is not None:
        if node.tag == "a":
            return True
        node = node.getparent()
    return False


def _wrap(el, attr: str, found: list[tuple[int, int, Span]]) -> None:
    value = getattr(el, attr) or ""
    made = []
    last = 0
    for start, end, span in found:
        node = etree.Element(span.tag, span.attrs)
        node.text = value[start:end]
        made.append((value[last:start], node))
        last = end
    rest = value[last:]
    if attr == "text":
        el.text = made[0][0]
        for k, (_, node) in enumerate(made):
            node.tail = made[k + 1][0] if k + 1 < len(made) else rest
            el.insert(k, node)
    else:
        parent = el.getparent()
        at = parent.index(el) + 1
        el.tail = made[0][0]
        for k, (_, node) in enumerate(made):
            node.tail = made[k + 1][0] if k + 1 < len(made) else rest
            parent.insert(at + k, node)


def fact_spans(facts: dict, link: Callable[[dict], str | None], describe: Callable[[dict], str]) -> list[Span]:
    """Spans for an article's figures (marks) and entities (links), in text order;
    where two overlap the earlier one wins."""
    items = [(f["start"], f["end"], "figure", i, f) for i, f in enumerate(facts.get("figures", [])) if is_shown(f)]
    items += [(e["start"], e["end"], "entity", i, e) for i, e in enumerate(facts.get("entities", []))]
    items.sort(key=lambda x: (x[0], -x[1]))
    spans, end = [], -1
    for start, stop, what, i, d in items:
        if start < end:
            continue
        if what == "figure":
            spans.append(Span(d["text"], "mark", {"class": f"fig fig-{d['kind']}", "id": f"fig{i}", "title": describe(d)}))
        else:
            href = link(d)
            if href is None:
                continue
            spans.append(Span(d["text"], "a", {"class": f"ent ent-{d['type']}", "href": href}))
        end = stop
    return spans
