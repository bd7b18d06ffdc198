"""Repair, sanitize and flatten article bodies (pure functions).

Two passes, because no single library does both jobs:

1. nh3 (ammonia, on html5ever) parses with the HTML5 algorithm, which repairs
   broken nesting the way browsers do, and drops every tag and attribute not
   on the allowlist, `<script>`/`<style>` with their content, event handlers and
   `javascript:` URLs. `style` survives this pass only so that pass 2 can see it.
2. lxml walks the now well-formed tree: it removes blocks hidden with
   `display:none` / `visibility:hidden` / `hidden` (East Money pads bodies with
   them), strips every `style` attribute, and produces the plain text.
"""

from __future__ import annotations

import html as htmllib
import re

import nh3
from lxml import html as lxml_html

from caixun.clean.links import safe_link

ALLOWED_TAGS = {
    "p", "br", "hr", "div", "section", "article", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img", "figure", "figcaption",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"style", "hidden", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
BLOCK_TAGS = {
    "p", "div", "section", "article", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "caption", "figure", "figcaption", "hr",
}  # fmt: skip
INLINE_FORMATTING = ("strong", "b", "em", "i", "u", "s")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u3000]+")
_CJK_GAP = re.compile(
    r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])"  # between two Chinese characters
    r"|(?<=[\u3000-\u303f\uff00-\uffef]) | (?=[\u3000-\u303f\uff00-\uffef])"  # next to full-width punctuation
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n")



def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Links in a third-party body: absolute http(s) only (see caixun.clean.links).
    A relative link points into a site we do not mirror: a broken link on ours."""
    if attribute in ("href", "src"):
        return safe_link(value) or None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    clean_content_tags={"script", "style", "noscript", "iframe", "object", "embed", "template"},
    url_schemes={"http", "https"},
    attribute_filter=_only_absolute_links,
    strip_comments=True,
    link_rel="noopener noreferrer nofollow",
)


# The same allowlist for HTML on its way out, without the attributes that only
# the ingest pass needs (style and hidden, read there to drop hidden blocks).
_output_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes={**ALLOWED_ATTRIBUTES, "*": {"title"}},
    clean_content_tags={"script", "style", "noscript", "iframe", "object", "embed", "template"},
    url_schemes={"http", "https"},
    attribute_filter=_only_absolute_links,
    strip_comments=True,
    link_rel="noopener noreferrer nofollow",
)


def resanitize(html: str) -> str:
    """Stored HTML through the allowlist again before it is shown: the ingest
    pass already cleaned it, so this guards against rows written by anything
    else. nh3 alone (no lxml repair, no plain text): a twentieth of clean_body's
    time, which a 20,000-page static export feels."""
    return _output_cleaner.clean(html)


def clean_body(body: str, body_format: str = "html") -> tuple[str, str]:
    """Return (sanitized HTML, plain text with paragraphs split by blank lines)."""
    if body_format == "text" or "<" not in body:
        return text_to_html(body)
    return sanitize_html(body)


def text_to_html(text: str) -> tuple[str, str]:
    paragraphs = [p for p in (_tidy(p) for p in _PARAGRAPH_BREAK.split(text)) if p]
    return "".join(f"<p>{htmllib.escape(p, quote=False)}</p>" for p in paragraphs), "\n\n".join(paragraphs)


def sanitize_html(body: str) -> tuple[str, str]:
    cleaned = _cleaner.clean(body)
    if not cleaned.strip():
        return "", ""
    root = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str):
            continue
        style = el.get("style")
        if el.get("hidden") is not None or (style and _HIDDEN_STYLE.search(style)):
            el.drop_tree()
            continue
        for attr in ("style", "hidden"):
            el.attrib.pop(attr, None)
    _push_inline_into_blocks(root)
    html_out = "".join(
        lxml_html.tostring(child, encoding="unicode", with_tail=True) for child in root
    )
    html_out = (htmllib.escape(root.text, quote=False) if root.text else "") + html_out
    return html_out, html_to_text_tree(root)


def _push_inline_into_blocks(root) -> None:
    """Undo what the HTML5 parser makes of a `<strong>` opened in one paragraph
    and closed in a later one: it wraps whole paragraphs in `<strong>`, which is
    not valid HTML. Move the formatting inside each wrapped paragraph instead,
    and drop formatting elements left empty."""
    for el in reversed(list(root.iter(*INLINE_FORMATTING))):
        if any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el):
            for child in el:
                if isinstance(child.tag, str) and child.tag in BLOCK_TAGS and (child.text or len(child)):
                    wrapper = lxml_html.Element(el.tag)
                    wrapper.text, child.text = child.text, None
                    for grandchild in list(child):
                        wrapper.append(grandchild)
                    child.append(wrapper)
            el.drop_tag()
        elif not (el.text or "").strip() and not len(el):
            el.drop_tag()


def html_to_text_tree(root) -> str:
    """Plain text of a parsed tree: one paragraph per block, inline runs joined."""
    paragraphs: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            para = _tidy("".join(buf))
            if para:
                paragraphs.append(para)
            buf.clear()

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if tag == "br":
            buf.append("\n")
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block or tag in ("td", "th"):
            if tag in ("td", "th"):
                buf.append(" ")
            else:
                flush()

    walk(root)
    flush()
    return "\n\n".join(paragraphs)


def _tidy(paragraph: str) -> str:
    """Collapse whitespace; drop spaces between two CJK characters (layout, not text)."""
    lines = [_SPACE.sub(" ", line).strip() for line in paragraph.split("\n")]
    joined = "\n".join(line for line in lines if line)
    return _CJK_GAP.sub("", joined)
