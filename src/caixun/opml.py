"""OPML in and out: the feed lists every reader exports (Miniflux, FreshRSS,
Inoreader, NetNewsWire).

`read_opml` is pure: the feeds (title, xmlUrl) of a document, nested folders
included. It parses with lxml with entities and network off, so an OPML file
from elsewhere cannot read local files (XXE) or expand a billion laughs.
`caixun sources --import-opml FILE` appends the new feeds to the config file
as `[[sources]]` tables (a file that does not exist yet starts with the
default providers, so importing feeds does not drop them);
`--export-opml FILE` writes the configured feeds back.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

import click
from lxml import etree

from caixun.clean.links import safe_link
from caixun.config import load_config

DEFAULT_CONFIG = Path("caixun.toml")


class OpmlError(ValueError):
    pass


def read_opml(data: bytes) -> list[tuple[str, str]]:
    """(title, url) of every feed outline, in order, each URL once."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not an OPML file: {exc}") from None
    if etree.QName(root).localname.lower() != "opml":
        raise OpmlError(f"not an OPML file: the root element is <{etree.QName(root).localname}>")
    feeds, seen = [], set()
    for outline in root.iter("{*}outline", "outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        title = (outline.get("title") or outline.get("text") or url).strip()
        feeds.append((" ".join(title.split())[:100] or url, url))
    return feeds


def toml_str(value: str) -> str:
    """A TOML basic string (quotes, backslashes and control characters escaped)."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", out) + '"'


def import_opml_cmd(obj, path: Path) -> None:
    try:
        feeds = read_opml(path.read_bytes())
    except OpmlError as exc:
        raise click.UsageError(f"{path}: {exc}") from None
    target = obj.config_path or DEFAULT_CONFIG
    config = obj.config if obj.config_path else None
    names = {s.name for s in config.sources} if config else set()
    urls = {s.url for s in config.sources} if config else set()
    added, skipped = [], []
    lines = []
    for title, url in feeds:
        if not safe_link(url):
            skipped.append(f"{title}: not an http(s) URL ({url!r})")
            continue
        if url in urls:
            continue
        name, n = title, 2
        while name in names:
            name, n = f"{title} ({n})", n + 1
        names.add(name)
        urls.add(url)
        lines += ["", "[[sources]]", f"name = {toml_str(name)}", 'kind = "feed"', f"url = {toml_str(url)}", 'interval = "15m"']
        added.append(name)
    if lines:
        head = "" if target.exists() else '# Written by caixun sources --import-opml. See docs/configuration.md.\npresets = ["default"]\n'
        with target.open("a", encoding="utf-8") as f:
            f.write(head + "\n".join(lines) + "\n")
        load_config(target)  # what was written must read back; raises on a bug here, before a poll does
    for s in skipped:
        click.echo(f"skipped {s}", err=True)
    click.echo(f"import-opml: {len(added)} feeds added to {target}, {len(feeds) - len(added) - len(skipped)} already there")


def export_opml(feeds: list[tuple[str, str]]) -> str:
    body = "\n".join(f'    <outline type="rss" text={quoteattr(t)} title={quoteattr(t)} xmlUrl={quoteattr(u)}/>' for t, u in feeds)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head><title>caixun 财讯 sources</title></head>\n'
            f'  <body>\n{body}\n  </body>\n</opml>\n')  # fmt: skip


def export_opml_cmd(obj, out: str) -> None:
    feeds = [(s.name, s.url) for s in obj.config.sources if s.kind == "feed"]
    text = export_opml(feeds)
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"export-opml: {len(feeds)} feeds written to {out}", err=True)
