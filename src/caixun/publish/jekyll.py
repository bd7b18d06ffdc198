"""`export jekyll`: posts in the old finews format, category pages, a site skeleton.

A post imported from a file in the old format is written back byte for byte:
the import kept its layout (date style, separator, digest block, footer, final
newline) in `meta["jekyll"]` and its body as received in `raw_body`. Every
other article is written in the newest old-format generation. `sanitized=True`
writes the cleaned HTML instead of the body as received (then round trips are
no longer byte-identical, but no third-party markup reaches the site).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from caixun.clean.normalize import to_shanghai
from caixun.model import Article

SITE_FILES = ("_config.yml", "_layouts/default.html", "_layouts/post.html", "_layouts/category.html", "index.html")


@dataclass(slots=True)
class JekyllExport:
    posts: int = 0
    categories: int = 0


def yaml_title(title: str) -> str:
    """The old generator wrapped titles in double quotes without escaping; we
    keep that form when it is valid YAML and escape (JSON rules, a subset of
    YAML double-quoted scalars) when the title has a quote, backslash or
    control character."""
    if any(c in title for c in '"\\') or any(ord(c) < 32 for c in title):
        return json.dumps(title, ensure_ascii=False)
    return f'"{title}"'


def post_filename(article: Article) -> str:
    return f"{to_shanghai(article.published_at):%Y-%m-%d}-{article.source_item_id}.md"


def render_post(article: Article, *, sanitized: bool = False) -> str:
    layout = article.meta.get("jekyll") if not sanitized else None
    when = to_shanghai(article.published_at)
    date = f"{when:%Y-%m-%d %H:%M:%S}"
    if layout is None or layout.get("date_offset"):
        date += " +0800"
    tags = " ".join(article.tags)
    front = (
        f"---\nlayout: {(layout or {}).get('layout', 'post')}\ntitle: {yaml_title(article.title)}\n"
        f"date: {date}\ncategories: {article.category}\ntags: {tags}\n---\n"
    )
    link = article.meta.get("source_url", article.url)
    if layout is not None:
        digest = f"> {article.digest}\n\n" if layout.get("digest_block") else ""
        tail = (f"\n\n<{link}>" if layout.get("has_link") else "") + layout.get("footer", "") + layout.get("eol", "")
        return layout.get("lead", "") + front + layout.get("sep", "") + digest + article.raw_body + tail
    body = article.html if article.html else article.text
    digest = f"> {article.digest}\n\n" if article.digest and article.digest != article.text else ""
    footer = f"\n\n[返回{tags.split()[0] if tags else article.source}](/category/{article.category}.html)｜[返回首页](/)\n"
    return front + "\n" + digest + body + (f"\n\n<{link}>" if link else "") + footer


def render_category_page(slug: str, title: str) -> str:
    return f"---\nlayout: category\ntitle: {title}\ncategory: {slug}\n---"


def export_jekyll(
    articles: Iterable[Article],
    out: Path,
    *,
    sanitized: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> JekyllExport:
    out = Path(out)
    (out / "_posts").mkdir(parents=True, exist_ok=True)
    (out / "category").mkdir(exist_ok=True)
    site = resources.files("caixun.publish") / "jekyll_site"
    for name in SITE_FILES:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            with resources.as_file(site / name) as src:
                shutil.copyfile(src, target)
    result = JekyllExport()
    categories: dict[str, str] = {}
    for article in articles:
        _write_if_changed(out / "_posts" / post_filename(article), render_post(article, sanitized=sanitized))
        categories.setdefault(article.category, article.tags[0] if article.tags else f"{article.source}新闻")
        result.posts += 1
        if on_progress:
            on_progress(1)
    for slug, title in categories.items():
        _write_if_changed(out / "category" / f"{slug}.html", render_category_page(slug, title))
    result.categories = len(categories)
    return result


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    path.write_bytes(data)
