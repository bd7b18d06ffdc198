"""`export site DIR`: the whole site as static HTML and feeds, incrementally.

The pages are those of `caixun serve` (same templates, same URLs), except
that a source's older articles are on numbered archive pages counted from the
oldest (`/source/<slug>/page/<n>.html`, ARCHIVE_PAGE articles each), so a
new article changes the newest archive page only, not every page after it.

What makes a second run fast: `.caixun-site.json` in DIR keeps a fingerprint
of what each page was made from (article ids and versions, the reports of the
same story, the template version). A page whose fingerprint is unchanged is
neither rendered nor written; the others are rendered and written. Listing
pages, archive pages and feeds have fingerprints of the articles they list;
the home, sources and search pages are few and always rendered, and written
only if their bytes differ. The index of every article is read from one
covering index on SQLite (schema 5), and each feed entry is built once per
export for all the feeds it is in.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import heapq
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from caixun.clean.html import resanitize
from caixun.publish import feeds, pages, views
from caixun.store import IndexEntry, Store
from caixun.store.asof import AsOf
from caixun.workers import process_pool

ARCHIVE_PAGE = 100
MANIFEST = ".caixun-site.json"
RUNNING = ".caixun-export-running"  # there while an export runs: a killed one leaves it
AS_OF_KEY = ""  # the manifest's entry for the moment of an "as of" export ("" for now)
# Article pages to make before it pays to start worker processes for them
# (starting one costs about 0.5 s of imports): a full export, not the ten
# new pages of an incremental one.
PARALLEL_MIN = 2000
CHUNK = 1000
# Two workers beside this process on two cores: with one, a full export of
# 20,000 posts took as long as that worker's pages (4.4-4.8 s against
# 3.4-3.6 s with two).
WORKERS = min(2, os.cpu_count() or 1)
# Bump when templates change, so that every page is made again.
TEMPLATE_VERSION = "6"


class ExportError(Exception):
    """An export that cannot be made as asked (nothing was written)."""


@dataclass(slots=True)
class SiteExport:
    written: int = 0
    unchanged: int = 0
    articles_rendered: int = 0


class _Writer:
    def __init__(self, root: Path, manifest: dict[str, str], result: SiteExport):
        self.root, self.old, self.new, self.result = root, manifest, {}, result
        self.made_dirs: set[Path] = set()

    def fresh(self, path: str, fingerprint: str) -> bool:
        """True when the page at `path` was made from the same inputs before
        (the manifest is trusted: delete it to have every page made again)."""
        if self.old.get(path) == fingerprint:
            self.new[path] = fingerprint
            self.result.unchanged += 1
            return True
        return False

    def write(self, path: str, content: str | bytes, fingerprint: str | None = None) -> None:
        if isinstance(content, str) and path.endswith(".html"):
            content = pages.relative_links(content, path)
        data = content.encode() if isinstance(content, str) else content
        digest = fingerprint or hashlib.sha1(data).hexdigest()
        self.new[path] = digest
        target = self.root / path
        if fingerprint is None and self.old.get(path) == digest and target.exists():
            self.result.unchanged += 1
            return
        if target.parent not in self.made_dirs:  # one mkdir per directory, not per page
            target.parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(target.parent)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # a reader never sees half a page
        self.result.written += 1


def _fp(*parts: object) -> str:
    return hashlib.sha1(repr((TEMPLATE_VERSION, *parts)).encode()).hexdigest()


def _story_fp(members: list[IndexEntry]) -> str:
    """The part of an article page's fingerprint that its story gives: the
    members and their versions. Written out rather than hashed for the usual
    story of one or a few reports (20,000 sha1s of reprs were a tenth of an
    incremental run), and made once per story, not once per member."""
    if len(members) == 1:
        return f"{members[0].id}.{members[0].version}"
    if len(members) > 4:
        return _fp("story", sorted((m.id, m.version) for m in members))
    return ",".join(sorted(f"{m.id}.{m.version}" for m in members))


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the cyclic garbage collector off what lives through an export.
    The index is tens of thousands of small objects (and SQLAlchemy and Jinja
    many more), and each full collection walked them all again: a fifth of an
    incremental export. Frozen objects are still freed by reference counting;
    at the end they are handed back to the collector (`caixun run` exports in
    a process that lives on)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def export_site(store: Store, directory: Path, *, base_url: str = "http://localhost:8000",
                on_progress: Callable[[int], None] | None = None, as_of: datetime | None = None) -> SiteExport:  # fmt: skip
    """Write (or bring up to date) the static site in `directory`. `base_url`
    is where it will be served: feeds need absolute links. With `as_of`, the
    archive as it stood then (caixun.store.asof)."""
    with _gc_frozen():
        return _export_site(store, Path(directory), base_url, on_progress, as_of)


def _export_site(store: Store, root: Path, base_url: str, on_progress: Callable[[int], None] | None,
                 as_of: datetime | None) -> SiteExport:  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    manifest_path = root / MANIFEST
    running = root / RUNNING
    if running.exists():  # the last export was killed: half-written pages may lie about
        _remove_tmp_files(root)
    running.touch()
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    moment = as_of.isoformat() if as_of else ""
    if manifest.get(AS_OF_KEY, "") != moment:  # every page shows the moment: all made again
        if as_of is not None and manifest:
            # Pages of articles seen after the moment would stay behind.
            running.unlink()
            raise ExportError(f"{root} holds another export; an export as of a moment goes into an empty directory")
        manifest = {}
    result = SiteExport()
    out = _Writer(root, manifest, result)
    out.new[AS_OF_KEY] = moment
    site = pages.Site(static=True, as_of=as_of)
    base_url = base_url.rstrip("/")
    reader = store if as_of is None else AsOf(store, as_of)

    index = reader.article_index()
    by_cluster: dict[int, list[IndexEntry]] = defaultdict(list)
    for e in index:
        by_cluster[e.cluster_id].append(e)
    story_sources = {c: len({m.source for m in members}) for c, members in by_cluster.items()}

    # -- article pages: only those whose inputs changed ---------------------------
    story_fps = {c: _story_fp(members) for c, members in by_cluster.items()}
    gc.freeze()  # see _gc_frozen
    todo: list[tuple[int, str]] = []
    for e in index:
        fp = f"{TEMPLATE_VERSION}:{e.version}:{story_fps[e.cluster_id]}"
        if not out.fresh(f"article/{e.id}.html", fp):
            todo.append((e.id, fp))
        elif on_progress:
            on_progress(1)
    pool = None
    if len(todo) >= PARALLEL_MIN and store.shared_by_processes:
        # Article pages are most of a full export: worker processes make them
        # (each with its own connection) while this one makes the listings
        # and feeds, so both cores work (Hugo's way too).
        pool = process_pool(WORKERS)
        by_id = {e.id: e for e in index}
        futures = []
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start : start + CHUNK]
            clusters = {c: by_cluster[c] for c in {by_id[i].cluster_id for i, _ in chunk}}
            for i, fp in chunk:
                out.new[f"article/{i}.html"] = fp  # in the manifest only if every worker succeeds
            fut = pool.submit(_render_articles, store.url, str(root), chunk, clusters, as_of)
            if on_progress:
                fut.add_done_callback(functools.partial(_advance, on_progress, len(chunk)))
            futures.append(fut)
    else:
        for start in range(0, len(todo), 500):
            chunk = todo[start : start + 500]
            _write_articles(out, reader, site, chunk, by_cluster)
            if on_progress:
                on_progress(len(chunk))

    # -- listings and feeds ---------------------------------------------------------
    by_source: dict[str, list[IndexEntry]] = defaultdict(list)
    by_tag: dict[str, list[IndexEntry]] = defaultdict(list)
    for e in index:
        by_source[e.source].append(e)
        for t in e.tags:
            by_tag[t].append(e)
    for entries in (*by_source.values(), *by_tag.values()):
        entries.sort(key=lambda e: e.search_key)
    srcs = views.sources(reader, {name: len(entries) for name, entries in by_source.items()})
    # The home page from the index: one query for every source's newest
    # articles instead of two per source.
    shown = {name: [e.id for e in reversed(entries[-views.PER_SOURCE_ON_HOME :])] for name, entries in by_source.items()}
    heads = {a.id: a for a in reader.article_heads([i for ids in shown.values() for i in ids])}
    newest_by_source = {name: [heads[i] for i in ids if i in heads] for name, ids in shown.items()}
    out.write("index.html", pages.home(site, views.home_blocks(srcs, newest_by_source, story_sources)))
    out.write("sources.html", pages.sources(site, srcs))
    out.write("search.html", pages.search(site, None))
    newest = reader.articles_page(limit=feeds.FEED_SIZE)
    cache = {a.id: a for a in newest}
    feed_entries: dict = {}  # feed entries built once per article for all the feeds it is in
    _feeds(out, "", feeds.FeedInfo("财讯 全部", base_url + "/", base_url + "/feed"), newest, base_url, feed_entries)

    for src in srcs:
        entries = by_source.get(src.name, [])
        _listing(out, reader, site, f"source/{src.slug}/", src.name, entries, story_sources, base_url, archive=True,
                 feed_entries=feed_entries, cache=cache)  # fmt: skip
    for tag, entries in by_tag.items():
        # On disk the directory has the tag's own name: servers decode /tag/%E7%94%B2/ to /tag/甲/.
        _listing(out, reader, site, f"tag/{pages.tag_segment(tag)}/", f"#{tag}", entries, story_sources, base_url, archive=False,
                 feed_entries=feed_entries, cache=cache)  # fmt: skip

    static = resources.files("caixun.publish") / "static" / "style.css"
    out.write("static/style.css", static.read_bytes())
    if pool is not None:
        with pool:
            for fut in futures:
                n = fut.result()  # a worker's error stops the export before the manifest is written
                result.written += n
                result.articles_rendered += n
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out.new, ensure_ascii=False), encoding="utf-8")  # in the order made: stable
    os.replace(tmp, manifest_path)
    running.unlink()
    return result


def _remove_tmp_files(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".tmp"):
                os.unlink(os.path.join(folder, name))


def _advance(on_progress: Callable[[int], None], n: int, _future: object) -> None:
    on_progress(n)


def _write_articles(out: _Writer, store: Store | AsOf, site: pages.Site, chunk: list[tuple[int, str]],
                    by_cluster: dict[int, list[IndexEntry]]) -> None:  # fmt: skip
    for view, fp in zip(_article_views(store, [i for i, _ in chunk], by_cluster), (f for _, f in chunk), strict=True):
        out.write(f"article/{view.article.id}.html", pages.article(site, view), fingerprint=fp)
        out.result.articles_rendered += 1


def _render_articles(url: str, root: str, chunk: list[tuple[int, str]], clusters: dict[int, list[IndexEntry]],
                     as_of: datetime | None) -> int:  # fmt: skip
    """In a worker process: make and write the article pages of (id,
    fingerprint) pairs; returns how many were written."""
    with Store(url) as store:
        out = _Writer(Path(root), {}, SiteExport())
        reader = store if as_of is None else AsOf(store, as_of)
        _write_articles(out, reader, pages.Site(static=True, as_of=as_of), chunk, clusters)
        return out.result.written


def _article_views(store: Store | AsOf, ids: list[int], by_cluster: dict[int, list[IndexEntry]]) -> list[views.ArticleView]:
    arts = {a.id: a for a in store.articles_by_ids(ids)}
    histories = store.histories(ids)
    def shown(i: int) -> list[IndexEntry]:
        """The first STORY_SHOWN other members of the story, in publication order."""
        members = by_cluster[arts[i].cluster_id or i]
        first = members if len(members) <= views.STORY_SHOWN + 1 else heapq.nsmallest(views.STORY_SHOWN + 1, members, key=lambda m: m.search_key)
        return [m for m in first if m.id != i][: views.STORY_SHOWN]

    mates_of = {i: shown(i) for i in ids}
    other_ids = sorted({m.id for ms in mates_of.values() for m in ms})
    others = {a.id: a for a in store.articles_by_ids(other_ids)} if other_ids else {}
    out = []
    for i in ids:
        art = arts[i]
        mates = sorted((others[m.id] for m in mates_of[i]), key=lambda a: (a.published_at, a.id))
        total = len(by_cluster[art.cluster_id or i]) - 1
        # No 数据 table here: extracting figures for every page would double
        # the export time; it comes when figures are stored at ingest.
        out.append(views.ArticleView(art, resanitize(art.html), mates, histories.get(i, []), others_total=total))
    return out


def _listing(out: _Writer, store: Store, site: pages.Site, path: str, heading: str, entries: list[IndexEntry],
             story_sources: dict[int, int], base_url: str, *, archive: bool, feed_entries: dict | None = None,
             cache: dict | None = None) -> None:  # fmt: skip
    """A listing's index page (newest first), its feeds, and (for sources) its
    numbered archive pages, oldest first."""
    total = len(entries)
    n_pages = (total + ARCHIVE_PAGE - 1) // ARCHIVE_PAGE if archive else 0
    newest = entries[::-1][: max(views.PAGE_SIZE, feeds.FEED_SIZE)]
    shown = newest[: views.PAGE_SIZE]
    fp = _fp("listing", heading, total, n_pages, [(e.id, e.version, story_sources.get(e.cluster_id, 1)) for e in shown])
    feed_fp = _fp("feed", heading, base_url, [(e.id, e.version) for e in newest[: feeds.FEED_SIZE]])
    feed_paths = [f"{path}feed.{kind}" for kind in feeds.KINDS]
    page_fresh = out.fresh(f"{path}index.html", fp)
    feeds_fresh = all([out.fresh(p, feed_fp) for p in feed_paths])  # a list: mark every one seen
    if not (page_fresh and feeds_fresh):
        arts = _cached_articles(store, [e.id for e in newest], cache)
        if not page_fresh:
            older = f"page/{n_pages}.html" if archive and total > views.PAGE_SIZE else None
            stories = [views.Story(a, story_sources.get(a.cluster_id or a.id, 1)) for a in arts[: views.PAGE_SIZE]]
            out.write(f"{path}index.html", pages.listing(site, heading, f"/{path}", stories, total, None, older), fingerprint=fp)
        if not feeds_fresh:
            info = feeds.FeedInfo(f"财讯 {heading}", f"{base_url}/{quote(path)}", f"{base_url}/{quote(path)}feed")
            rendered = feeds.render_all(info, arts[: feeds.FEED_SIZE], base_url, feed_entries)
            for kind, p in zip(feeds.KINDS, feed_paths, strict=True):
                out.write(p, rendered[kind], fingerprint=feed_fp)
    for n in range(1, n_pages + 1):
        chunk = entries[(n - 1) * ARCHIVE_PAGE : n * ARCHIVE_PAGE]
        # Only the newest archive page links to the index; the others do not
        # depend on how many pages there are, nor show the total.
        fp = _fp("archive", heading, n, n == n_pages, [(e.id, e.version, story_sources.get(e.cluster_id, 1)) for e in chunk])
        page_path = f"{path}page/{n}.html"
        if out.fresh(page_path, fp):
            continue
        arts = store.article_heads([e.id for e in reversed(chunk)])
        stories = [views.Story(a, story_sources.get(a.cluster_id or a.id, 1)) for a in arts]
        newer = f"{n + 1}.html" if n < n_pages else "../"
        older_page = f"{n - 1}.html" if n > 1 else None
        out.write(page_path, pages.listing(site, f"{heading} · 第 {n} 页", f"/{path}", stories, None, newer, older_page), fingerprint=fp)


def _cached_articles(store: Store, ids: list[int], cache: dict | None) -> list:
    """The articles of `ids`, read once per export: a source's newest articles are
    also its tag's and often the site's."""
    if cache is None:
        return store.articles_by_ids(ids)
    missing = [i for i in ids if i not in cache]
    if missing:
        cache.update((a.id, a) for a in store.articles_by_ids(missing))
    return [cache[i] for i in ids if i in cache]


def _feeds(out: _Writer, path: str, info: feeds.FeedInfo, arts: list, base_url: str, entries: dict | None = None) -> None:
    for kind, body in feeds.render_all(info, arts, base_url, entries).items():
        out.write(f"{path}feed.{kind}", body)
