"""`export jekyll`: posts, category pages and a site skeleton for Jekyll.

Two forms of post:

- **Safe (the default).** An HTML post (`_posts/<date>-<id>.html`, so that no
  Markdown parser ever reads third-party text) with the sanitized body, every
  front-matter value quoted and escaped, the date with its +0800 offset (YAML
  reads a time without one as UTC: Jekyll 4.3 then shows it 8 hours late),
  and the "原文" and "返回" links made by the layout from escaped values.
- **Verbatim (`verbatim=True`, opt-in).** A post imported from a file in the
  old finews format is written back byte for byte: the import kept its layout
  (date style, separator, digest block, footer, final newline) in
  `meta["jekyll"]` and its body as received in `raw_body`. This republishes
  the old bytes, markup included. Even then, what caixun generates is escaped:
  the front matter's values, the autolink (only http(s), with `<>"'` and
  spaces percent-encoded) and the category pages. Articles with no old layout
  are written in the safe form.

File names never collide and never leave `_posts`: an id that is not a plain
file name, or an item whose key is not the old site's `eastmoney:<code>`,
gets a name with a digest of its key.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from caixun.clean.html import resanitize
from caixun.clean.links import safe_link
from caixun.clean.normalize import to_shanghai
from caixun.model import Article

SITE_FILES = ("_config.yml", "_layouts/default.html", "_layouts/post.html", "_layouts/category.html", "index.html")
# An item id that can be a file name as it is (and a URL path segment).
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# A tag or title that YAML reads as the same plain string without quotes
# (the old generator wrote tags so): letters, digits, CJK, no YAML syntax.
_PLAIN_SCALAR = re.compile(r"[0-9A-Za-z_\u3400-\u9fff\uf900-\ufaff\u3001-\u3003\u300a-\u3011\uff01-\uff5e·][\w\u3000-\u9fff\uf900-\ufaff\uff01-\uff5e·.-]*")
_YAML_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\"\\\\]")


@dataclass(slots=True)
class JekyllExport:
    posts: int = 0
    categories: int = 0


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar: `"`, `\\`, control characters, line and
    paragraph separators and the BOM escaped (YAML reads U+2028 as a line
    break), lone surrogates replaced (no YAML parser takes them)."""

    def esc(m: re.Match) -> str:
        c = m.group()
        if c in '"\\':
            return "\\" + c
        if "\ud800" <= c <= "\udfff":
            return "\ufffd"
        return f"\\u{ord(c):04x}"

    return '"' + _YAML_UNSAFE.sub(esc, value) + '"'


def yaml_title(title: str) -> str:
    """The old generator wrapped titles in double quotes without escaping; we
    keep that form when it is valid YAML and escape otherwise."""
    return yaml_str(title)


def _yaml_words(values: Iterable[str]) -> str:
    """Tags or categories: the old space-separated form when every value is a
    plain scalar, else a flow list of quoted strings."""
    values = list(values)
    if all(_PLAIN_SCALAR.fullmatch(v) for v in values):
        return " ".join(values)
    return "[" + ", ".join(yaml_str(v) for v in values) + "]"


def _file_id(article: Article) -> str:
    item_id = article.source_item_id
    if _PLAIN_ID.fullmatch(item_id) and article.key == f"eastmoney:{item_id}":
        return item_id  # the old site's name
    digest = hashlib.sha1(article.key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", item_id)[:60].strip(".-")
    return f"{stem}-{digest}" if stem else digest


def post_filename(article: Article, *, verbatim: bool = False) -> str:
    """`YYYY-MM-DD-<id>.html` (safe form), or `.md` for a verbatim old post."""
    ext = "md" if verbatim and article.meta.get("jekyll") is not None else "html"
    return f"{to_shanghai(article.published_at):%Y-%m-%d}-{_file_id(article)}.{ext}"


def render_post(article: Article, *, verbatim: bool = False) -> str:
    layout = article.meta.get("jekyll") if verbatim else None
    if layout is None:
        return _safe_post(article)
    when = to_shanghai(article.published_at)
    date = f"{when:%Y-%m-%d %H:%M:%S}" + (" +0800" if layout.get("date_offset") else "")
    front = (
        f"---\nlayout: {_yaml_words([layout.get('layout', 'post')])}\ntitle: {yaml_title(article.title)}\n"
        f"date: {date}\ncategories: {_yaml_words([article.category])}\ntags: {_yaml_words(article.tags)}\n---\n"
    )
    link = safe_link(article.meta.get("source_url", article.url))
    digest = f"> {article.digest}\n\n" if layout.get("digest_block") else ""
    tail = (f"\n\n<{link}>" if layout.get("has_link") else "") + layout.get("footer", "") + layout.get("eol", "")
    return layout.get("lead", "") + front + layout.get("sep", "") + digest + article.raw_body + tail


def _safe_post(article: Article) -> str:
    when = to_shanghai(article.published_at)
    back = article.tags[0] if article.tags else f"{article.source}新闻"
    lines = [
        "---",
        "layout: post",
        f"title: {yaml_str(article.title)}",
        f"date: {when:%Y-%m-%d %H:%M:%S} +0800",
        f"categories: [{yaml_str(article.category)}]",
        f"tags: [{', '.join(yaml_str(t) for t in article.tags)}]",
        f"source: {yaml_str(article.source)}",
        f"back: {yaml_str(back)}",
        f"first_seen: {to_shanghai(article.fetched_at):%Y-%m-%d %H:%M:%S} +0800",
        f"version: {int(article.version)}",
    ]
    link = safe_link(article.meta.get("source_url", article.url))
    if link:
        lines.append(f"original: {yaml_str(link)}")
    lines.append("---")
    digest = ""
    if article.digest and article.digest != article.text:
        digest = f"<blockquote><p>{html.escape(article.digest)}</p></blockquote>\n"
    body = resanitize(article.html) if article.html else ""
    return "\n".join(lines) + "\n" + digest + body + "\n"


def render_category_page(slug: str, title: str) -> str:
    return f"---\nlayout: category\ntitle: {_category_title(title)}\ncategory: {_yaml_words([slug])}\n---"


def _category_title(title: str) -> str:
    return title if _PLAIN_SCALAR.fullmatch(title) else yaml_str(title)


def export_jekyll(
    articles: Iterable[Article],
    out: Path,
    *,
    verbatim: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> JekyllExport:
    out = Path(out)
    posts = out / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    (out / "category").mkdir(exist_ok=True)
    site = resources.files("caixun.publish") / "jekyll_site"
    for name in SITE_FILES:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # the user's own changes to the skeleton are kept
            with resources.as_file(site / name) as src:
                shutil.copyfile(src, target)
    result = JekyllExport()
    categories: dict[str, str] = {}
    for article in articles:
        name = post_filename(article, verbatim=verbatim)
        _write_if_changed(posts / name, render_post(article, verbatim=verbatim))
        # The same post in the other form (an export made with or without
        # --verbatim before) would be a second copy on the site.
        other = name[: name.rindex(".")] + (".html" if name.endswith(".md") else ".md")
        (posts / other).unlink(missing_ok=True)
        categories.setdefault(article.category, article.tags[0] if article.tags else f"{article.source}新闻")
        result.posts += 1
        if on_progress:
            on_progress(1)
    for slug, title in categories.items():
        _write_if_changed(out / "category" / f"{slug}.html", render_category_page(slug, title))
    result.categories = len(categories)
    return result


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8", "replace")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    path.write_bytes(data)
