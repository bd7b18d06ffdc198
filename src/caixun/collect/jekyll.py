"""Import posts in the old finews Jekyll format.

The format (see docs/jekyll-format.md) as the old generator wrote it:

    ---
    layout: post
    title: "<title, not escaped>"
    date: 2021-12-08 10:46:18[ +0800]
    categories: <slug>
    tags: <source>新闻
    ---
    [blank line]
    [> digest + blank line]
    <body: plain text or HTML>

    <http://source-link>

    [footer: back links, one of three styles]

Everything needed to write the file back byte for byte (date style, separator,
footer, final newline) is kept in `meta["jekyll"]`; the footer's back links are
metadata, never body text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from caixun.clean.normalize import DateError, parse_datetime, source_from_tag
from caixun.model import RawItem, Rejection

POST_SUFFIXES = {".md", ".markdown"}
NOT_POSTS = {"readme", "changelog", "license", "index", "contributing"}

_FRONT = re.compile(r"\A(\s*)---[ \t]*\n(?:(.*?)\n)?---[ \t]*(?:\n|\Z)", re.S)
_LINK_AND_FOOTER = re.compile(
    r"\n\n<((?:https?:)?//[^<>\s]*|)>(?P<footer>(?:\n+\[[^\n]*)*)(?P<eol>\n*)\Z"
)
_FOOTER_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
_LOOKS_HTML = re.compile(r"<(?:p|div|br|span|img|a|table|strong|b|em|h[1-6]|center|ul|ol|li|blockquote)\b", re.I)
_OFFSET = re.compile(r"\s[+-]\d{2}:?\d{2}$")


class PostError(ValueError):
    """This file is not a post we can read; the message says why."""


def iter_post_paths(paths: Iterable[Path]) -> Iterator[Path | Rejection]:
    """Files as given; directories recursively (Markdown files that are not READMEs)."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() in POST_SUFFIXES and p.stem.lower() not in NOT_POSTS and p.is_file():
                    yield p
        elif path.exists():
            yield path
        else:
            yield Rejection(str(path), "no such file or directory")


# A post larger than this is refused (a 50 MB post took 1.75 GB to import);
# the largest of the old site's posts is under 100 KB.
MAX_POST_BYTES = 10 * 1024 * 1024


def read_posts(paths: Iterable[Path], key_prefix: str = "eastmoney") -> Iterator[RawItem | Rejection]:
    """Parse every post under `paths`; a file that cannot be read becomes a Rejection."""
    for path in iter_post_paths(paths):
        if isinstance(path, Rejection):
            yield path
            continue
        try:
            size = path.stat().st_size
            if size > MAX_POST_BYTES:
                yield Rejection(str(path), f"too large: {size} bytes (posts of more than {MAX_POST_BYTES} bytes are refused)")
                continue
            data = path.read_bytes()
        except OSError as exc:
            yield Rejection(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield Rejection(str(path), f"not UTF-8 text (byte {exc.start})")
            continue
        try:
            item = parse_post(text, path.name, origin=str(path), key_prefix=key_prefix)
        except PostError as exc:
            yield Rejection(str(path), str(exc))
            continue
        except Exception as exc:  # one odd file never stops an import: it is named, the rest goes on
            yield Rejection(str(path), f"unreadable post ({type(exc).__name__}: {exc})")
            continue
        yield item


def item_id_from_filename(name: str) -> str:
    stem = name.rsplit(".", 1)[0]
    m = _DATE_PREFIX.match(stem)
    return (stem[m.end() :] if m else stem).lstrip("-")


def parse_post(text: str, filename: str, origin: str = "", key_prefix: str = "eastmoney") -> RawItem:
    m = _FRONT.match(text)
    if not m:
        raise PostError("no front matter (the file must start with a '---' line)")
    lead, fm_text = m.group(1), m.group(2) or ""
    front = parse_front_matter(fm_text)
    rest = text[m.end() :]
    sep = rest[: len(rest) - len(rest.lstrip("\n"))]
    rest = rest[len(sep) :]

    digest = ""
    digest_block = False
    if rest.startswith("> "):
        first, _, after = rest.partition("\n\n")
        if "\n" not in first:
            digest, rest, digest_block = first[2:], after, True

    url, footer, eol, has_link = "", "", "", False
    lm = _LINK_AND_FOOTER.search(rest)
    if lm:
        body, url, footer, eol, has_link = rest[: lm.start()], lm.group(1), lm.group("footer"), lm.group("eol"), True
    else:
        body = rest.rstrip("\n")
        eol = rest[len(body) :]

    item_id = item_id_from_filename(filename)
    if not item_id:
        raise PostError("no item id in the file name")
    title = front.get("title", "")
    if not title.strip() and not body.strip() and not digest.strip():
        raise PostError("empty post: no title and no text")

    tags = _split_list(front.get("tags", ""))
    categories = _split_list(front.get("categories", front.get("category", "")))
    source = source_from_tag(tags[0]) if tags else (categories[0] if categories else "jekyll")
    published = None
    date_raw = front.get("date", "").strip()
    if date_raw and not re.fullmatch(r"[+-]\d{4}", date_raw):
        try:
            published = parse_datetime(date_raw)
        except DateError as exc:
            raise PostError(str(exc)) from exc

    layout = {
        "layout": front.get("layout", "post"),
        "date_offset": bool(_OFFSET.search(date_raw)),
        "sep": sep,
        "digest_block": digest_block,
        "has_link": has_link,
        "footer": footer,
        "eol": eol,
    }
    if lead:
        layout["lead"] = lead
    if set(front) - {"layout", "title", "date", "categories", "category", "tags"}:
        layout["extra_front_matter"] = {
            k: v for k, v in front.items() if k not in ("layout", "title", "date", "categories", "category", "tags")
        }
    meta = {"jekyll": layout, "footer_links": _FOOTER_LINK.findall(footer)}
    if not title.strip():
        meta["title_missing"] = True
    if published is None:
        meta["date_missing"] = True
    return RawItem(
        key=f"{key_prefix}:{item_id}" if key_prefix else f"jekyll:{source}:{item_id}",
        source=source,
        item_id=item_id,
        title=title,
        body=body,
        body_format="html" if _LOOKS_HTML.search(body) else "text",
        url=url,
        published=published,
        digest=digest,
        category=" ".join(categories) if categories else None,
        tags=tuple(tags),
        origin=origin or filename,
        meta=meta,
    )


def parse_front_matter(block: str) -> dict[str, str]:
    """Line-based `key: value` reader.

    The old generator wrote titles in double quotes without escaping them, so a
    title with a `"` inside is not valid YAML; a YAML parser would reject a post
    that is perfectly readable. Values in quotes are unquoted here, and
    unescaped only when they are valid JSON/YAML double-quoted strings.
    """
    out: dict[str, str] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            inner = value[1:-1]
            if "\\" in inner:
                try:
                    inner = json.loads(value)
                except ValueError:
                    pass
            value = inner
        elif len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        out[key.strip()] = value
    return out


def _split_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        return [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
    return value.split()
