"""`caixun serve`: the web site, the feeds and the JSON API.

Pages are server-rendered from the shared templates (caixun.publish.pages);
the API is described at /openapi.json. Nothing here changes data but the
watches' form (caixun.web.watch_form), which needs the administrator's
token. Every response carries a Content-Security-Policy that forbids
scripts: article bodies come from third parties, and even if something slipped
through sanitizing and escaping, the browser would not run it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from caixun.clean.normalize import as_aware
from caixun.enrich.indicators import canonical
from caixun.publish import feeds, pages, views
from caixun.publish.figures_csv import csv_lines
from caixun.publish.series import series_json
from caixun.store import FigureFilter, Store, ValueOutOfRange, health
from caixun.store.asof import AsOf, AsOfUnsupported
from caixun.web.cache import AnswerCache
from caixun.web.middleware import Answers, SecurityHeaders

CSP = pages.CSP


def figure_filter(indicator: str | None = None, subject: str | None = None, region: str | None = None,
                  period: str | None = None, source: str | None = None, kind: str | None = None,
                  security: str | None = None, unit: str | None = None,
                  measure: Annotated[str | None, Query(description="level, yoy, mom, change, share, target or forecast")] = None,
                  ) -> FigureFilter:  # fmt: skip
    """Figure filters from the query string; empty values mean "any"."""
    return FigureFilter(indicator or None, subject or None, region or None, period or None, source or None,
                        kind or None, security or None, unit or None, measure or None)  # fmt: skip


AS_OF_HELP = ("the archive as it stood then: only articles first seen by then, each in its version of then, "
              "with that version's figures (ISO 8601; without a zone, Beijing time)")


def reader(request: Request, as_of: Annotated[datetime | None, Query(description=AS_OF_HELP)] = None) -> Store | AsOf:
    """The app's store, or its view as of a moment (caixun.store.asof)."""
    store = request.app.state.store
    return AsOf(store, as_aware(as_of)) if as_of is not None else store


def present_only(request: Request) -> None:
    """For the routes that have no "as of" form yet: refuse as_of rather than
    answer with today's archive as if it were the past's."""
    if "as_of" in request.query_params:
        raise AsOfUnsupported(request.url.path)


# A route's reader of the archive: `as_of=` in its query string makes it the past's.
Reader = Annotated[Store | AsOf, Depends(reader)]


def create_app(store: Store, *, reload: int | None = None, configured: tuple = (), admin_token: str | None = None) -> FastAPI:
    """The app over a store; `reload` (seconds) makes pages reload themselves;
    `configured` are the sources of the config (caixun.model.Source), listed
    with their health on the sources page even before their first item;
    `admin_token` turns on the watches' web form (caixun.web.watch_form)."""
    # No /api/docs: Swagger UI loads its script from a CDN, which the CSP
    # (script-src 'none') forbids; /openapi.json describes the API.
    app = FastAPI(title="caixun 财讯", version="0.2", description="Chinese financial news archive: articles, search, sources, stories.",
                  docs_url=None, redoc_url=None)  # fmt: skip
    # Outermost last: security headers on everything, then the kept answers
    # (of gzipped bodies, so a kept answer is not compressed again), then gzip.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    answers = AnswerCache()
    app.state.answers = answers
    app.add_middleware(Answers, generation=store.generation, cache=answers, blocking=store.backend != "sqlite")
    app.add_middleware(SecurityHeaders, csp=CSP)
    site = pages.Site(reload=reload)
    app.state.store = store

    def site_of(r: Store | AsOf) -> pages.Site:
        return replace(site, as_of=r.moment) if isinstance(r, AsOf) else site
    static_dir = resources.files("caixun.publish") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return error_response(request, 422, detail)

    @app.exception_handler(AsOfUnsupported)
    async def no_as_of(request: Request, exc: AsOfUnsupported) -> Response:
        return error_response(request, 400, "as_of 不适用于此页：地区、证券、来源和关注页只有现在的存档 (as_of is not available here)")

    @app.exception_handler(OverflowError)
    @app.exception_handler(ValueOutOfRange)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, "请求中的数字超出范围（a number in the request is out of range）")

    def error_response(request: Request, status: int, detail: str, headers: dict | None = None) -> Response:
        """JSON for the API and feeds, a Chinese HTML page for the site's pages."""
        path = request.url.path
        if path.startswith("/api/") or path == "/openapi.json" or path.rsplit(".", 1)[-1] in ("atom", "rss", "json", "csv"):
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        return HTMLResponse(pages.error(site, status, detail), status_code=status, headers=headers)

    def html(body: str) -> HTMLResponse:
        return HTMLResponse(body)

    def base_url(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def source_or_404(r: Store | AsOf, slug: str) -> views.SourceInfo:
        src = views.source_by_slug(r, slug)
        if src is None:
            raise HTTPException(404, f"no source {slug!r}")
        return src

    def older_link(r: Store | AsOf, arts: list) -> str | None:
        """The next page's link of a listing (keeping as_of)."""
        if len(arts) < views.PAGE_SIZE:
            return None
        return f"?before={arts[-1].search_key}" + (f"&as_of={quote(r.moment.isoformat())}" if isinstance(r, AsOf) else "")

    def feed(request: Request, kind: str, title: str, path: str, arts: list, home: str | None = None) -> Response:
        if kind not in feeds.KINDS:
            raise HTTPException(404, "feeds are feed.atom, feed.rss and feed.json")
        base = base_url(request)
        query = f"?{request.url.query}" if request.url.query else ""
        info = feeds.FeedInfo(title, base + (home or path), base + path + "feed", suffix=query)
        body = feeds.render(kind, info, arts, base)
        return Response(body, media_type=feeds.KINDS[kind] + "; charset=utf-8")

    # -- pages ------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(r: Reader) -> HTMLResponse:
        return html(pages.home(site_of(r), views.home(r)))

    @app.get("/sources.html", dependencies=[Depends(present_only)], response_class=HTMLResponse, include_in_schema=False)
    def sources_page() -> HTMLResponse:
        states = store.source_states()
        srcs = views.sources(store)
        return html(pages.sources(site, srcs, {s.name: health(states.get(s.name)) for s in srcs},
                                  views.configured_sources(store, configured)))  # fmt: skip

    @app.get("/sources/health.atom", include_in_schema=False)
    def health_feed(request: Request) -> Response:
        base = base_url(request)
        body = feeds.health_feed(store.source_events(), base + "/sources.html", base + "/sources/health.atom")
        return Response(body, media_type=feeds.KINDS["atom"] + "; charset=utf-8")

    @app.get("/important/", response_class=HTMLResponse, include_in_schema=False)
    def important_page(r: Reader, before: int | None = None) -> HTMLResponse:
        """What the providers marked important (重要), every source, newest first."""
        arts = r.articles_page(before=before, important=True, limit=views.PAGE_SIZE)
        older = older_link(r, arts)
        newer = "./" if before is not None else None
        return html(pages.listing(site_of(r), "重要", "/", views.stories(r, arts), None, newer, older))

    @app.get("/source/{slug}/", response_class=HTMLResponse, include_in_schema=False)
    def source_page(r: Reader, slug: str, before: int | None = None) -> HTMLResponse:
        src = source_or_404(r, slug)
        arts = r.articles_page(source=src.name, before=before, limit=views.PAGE_SIZE)
        older = older_link(r, arts)
        newer = "./" if before is not None else None
        return html(pages.listing(site_of(r), src.name, f"/source/{slug}/", views.stories(r, arts), src.articles, newer, older))

    @app.get("/tag/{tag}/", response_class=HTMLResponse, include_in_schema=False)
    def tag_page(r: Reader, tag: str, before: int | None = None) -> HTMLResponse:
        arts = r.articles_page(tag=tag, before=before, limit=views.PAGE_SIZE)
        if not arts and before is None:
            raise HTTPException(404, f"no articles tagged {tag!r}")
        return html(pages.listing(site_of(r), f"#{tag}", pages.tag_path(tag), views.stories(r, arts), len(arts), None,
                                  older_link(r, arts)))  # fmt: skip

    @app.get("/article/{article_id}.html", response_class=HTMLResponse, include_in_schema=False)
    def article_page(r: Reader, article_id: int) -> HTMLResponse:
        v = views.article(r, article_id)
        if v is None:
            raise HTTPException(404, f"no article {article_id}")
        return html(pages.article(site_of(r), v))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(r: Reader, q: str = "", source: str | None = None, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
        return html(pages.search(site_of(r), views.search(r, q, source=source, offset=offset)))

    def filter_query(request: Request) -> str:
        kept = [(k, v) for k, v in request.query_params.multi_items() if v and k != "offset"]
        return ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in kept)) if kept else ""

    @app.get("/figures", response_class=HTMLResponse, include_in_schema=False)
    def figures_page(r: Reader, request: Request, f: Annotated[FigureFilter, Depends(figure_filter)],
                     offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:  # fmt: skip
        return html(pages.figures(site_of(r), views.figures(r, f, offset), filter_query(request)))

    @app.get("/figures.csv", tags=["figures"], summary="Figures as CSV (same filters as /api/figures)")
    def figures_csv(r: Reader, f: Annotated[FigureFilter, Depends(figure_filter)]) -> StreamingResponse:
        headers = {"Content-Disposition": 'attachment; filename="caixun-figures.csv"'}
        return StreamingResponse(csv_lines(r.iter_figures(f)), media_type="text/csv; charset=utf-8", headers=headers)

    @app.get("/regions/", dependencies=[Depends(present_only)], response_class=HTMLResponse, include_in_schema=False)
    def regions_page() -> HTMLResponse:
        return html(pages.entity_index(site, views.entity_index(store, "region")))

    @app.get("/securities/", dependencies=[Depends(present_only)], response_class=HTMLResponse, include_in_schema=False)
    def securities_page() -> HTMLResponse:
        return html(pages.entity_index(site, views.entity_index(store, "security")))

    @app.get("/region/{code}/", dependencies=[Depends(present_only)], response_class=HTMLResponse, include_in_schema=False)
    def region_page(code: str, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
        v = views.region(store, code, offset)
        if v is None:
            raise HTTPException(404, f"no region {code!r}")
        return html(pages.entity(site, v))

    @app.get("/security/{code}/", dependencies=[Depends(present_only)], response_class=HTMLResponse, include_in_schema=False)
    def security_page(code: str, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
        v = views.security(store, code, offset)
        if v is None:
            raise HTTPException(404, f"no news about {code!r}")
        return html(pages.entity(site, v))

    # -- feeds --------------------------------------------------------------------

    @app.get("/feed.{kind}", include_in_schema=False)
    def site_feed(r: Reader, request: Request, kind: str) -> Response:
        return feed(request, kind, "财讯 全部", "/", r.articles_page(limit=feeds.FEED_SIZE))

    @app.get("/source/{slug}/feed.{kind}", include_in_schema=False)
    def source_feed(r: Reader, request: Request, slug: str, kind: str) -> Response:
        src = source_or_404(r, slug)
        return feed(request, kind, f"财讯 {src.name}", f"/source/{slug}/", r.articles_page(source=src.name, limit=feeds.FEED_SIZE))

    @app.get("/tag/{tag}/feed.{kind}", include_in_schema=False)
    def tag_feed(r: Reader, request: Request, tag: str, kind: str) -> Response:
        return feed(request, kind, f"财讯 #{tag}", pages.tag_path(tag), r.articles_page(tag=tag, limit=feeds.FEED_SIZE))

    @app.get("/search/feed.{kind}", include_in_schema=False)
    def search_feed(r: Reader, request: Request, kind: str, q: str = "") -> Response:
        arts = r.search(q, limit=feeds.FEED_SIZE).articles if q.strip() else []
        return feed(request, kind, f"财讯 搜索 {q}", "/search/", arts, home=f"/search?q={quote(q)}")

    # -- JSON API -----------------------------------------------------------------

    @app.get("/api/articles", tags=["articles"], summary="Articles, newest first")
    def api_articles(
        r: Reader,
        source: str | None = None,
        tag: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: Annotated[int | None, Query(description="search_key of the last article of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        full: bool = False,
        important: Annotated[bool, Query(description="only what the provider marked important (财联社 level A/B, 华尔街见闻 score ≥ 2, 金十 important, East Money titleColor 3)")] = False,
    ) -> dict[str, Any]:
        arts = r.articles_page(source=source, tag=tag, before=before, limit=limit, important=important,
                                   since=as_aware(since) if since else None, until=as_aware(until) if until else None)  # fmt: skip
        nxt = arts[-1].search_key if len(arts) == limit else None
        return {"articles": [views.article_json(a, full=full) for a in arts], "next_before": nxt}

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article, with its story and edit history")
    def api_article(r: Reader, article_id: int) -> dict[str, Any]:
        v = views.article(r, article_id)
        if v is None:
            raise HTTPException(404, f"no article {article_id}")
        out = views.article_json(v.article)
        out["other_reports"] = [views.article_json(o, full=False) for o in v.others]
        out["other_reports_total"] = v.others_total if v.others_total is not None else len(v.others)
        out["history"] = [{k: (h[k].isoformat() if isinstance(h[k], datetime) else h[k]) for k in ("version", "title", "text", "replaced_at")}
                          for h in v.history]  # fmt: skip
        return out

    @app.get("/api/articles/{article_id}/facts", tags=["articles"], summary="Figures, regions and securities in an article's text")
    def api_article_facts(r: Reader, article_id: int) -> dict[str, Any]:
        art = r.get_article(article_id)
        if art is None:
            raise HTTPException(404, f"no article {article_id}")
        return {"id": art.id, "version": art.version, **views.article_facts(r, art)}

    @app.get("/api/figures", tags=["figures"], summary="Figures of the archive, latest stored articles first")
    def api_figures(r: Reader, f: Annotated[FigureFilter, Depends(figure_filter)], limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:  # fmt: skip
        rows = r.figures(f, limit=limit, offset=offset)
        return {"total": r.count_figures(f), "offset": offset, "figures": [views.figure_json(r) for r in rows]}

    def entity_json(v: views.EntityView) -> dict[str, Any]:
        return {"type": v.type, "code": v.code, "name": v.name,
                "parents": [{"code": c, "name": n} for c, n in v.parents],
                "children": [{"code": c, "name": n} for c, n in v.children],
                "articles": v.total, "latest": [views.article_json(s.article, full=False) for s in v.stories],
                "figures": [views.figure_json(r) for r in v.figures]}  # fmt: skip

    @app.get("/api/series", tags=["figures"], summary="An indicator's series: one subject, measure and unit each, points with their sources and conflicts")
    def api_series(r: Reader, f: Annotated[FigureFilter, Depends(figure_filter)]) -> dict[str, Any]:
        if not f.indicator:
            raise HTTPException(400, "indicator is required (e.g. /api/series?indicator=CPI)")
        return {"indicator": canonical(f.indicator), "series": [series_json(s) for s in views.indicator_series(r, f)]}

    @app.get("/api/regions/{code}", dependencies=[Depends(present_only)], tags=["figures"], summary="A region: its parents, news and figures")
    def api_region(code: str) -> dict[str, Any]:
        v = views.region(store, code)
        if v is None:
            raise HTTPException(404, f"no region {code!r}")
        return entity_json(v)

    @app.get("/api/securities/{code}", dependencies=[Depends(present_only)], tags=["figures"], summary="A security (600519.SH): its news and figures")
    def api_security(code: str) -> dict[str, Any]:
        v = views.security(store, code)
        if v is None:
            raise HTTPException(404, f"no news about {code!r}")
        return entity_json(v)

    @app.get("/api/search", tags=["search"], summary="Full-text search (Chinese terms match anywhere)")
    def api_search(
        r: Reader,
        q: str,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cluster_id: int | None = None,
        order: Annotated[str, Query(pattern="^(date|relevance)$")] = "date",
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        from caixun.searchtext import snippet

        page = r.search(q, source=source, since=as_aware(since) if since else None, until=as_aware(until) if until else None,
                            cluster_id=cluster_id, order=order, limit=limit, offset=offset)  # fmt: skip
        return {"q": q, "total": page.total, "total_exact": page.exact, "offset": offset,
                "results": [{**views.article_json(a, full=False), "snippet": snippet(a.text, page.query)} for a in page.articles]}  # fmt: skip

    # -- watches (caixun.watch): the page and its form in caixun.web.watch_form -----

    from caixun.web.watch_form import add_watch_routes

    add_watch_routes(app, store, site, admin_token)

    def watch_or_404(watch_id: int) -> dict[str, Any]:
        from caixun.store.watches import watch_rows

        found = watch_rows(store, watch_id=watch_id)
        if not found:
            raise HTTPException(404, f"no watch {watch_id}")
        return found[0]

    @app.get("/api/watches", dependencies=[Depends(present_only)], tags=["watches"], summary="Watches: rule, mode, matches, channels (masked) and their health")
    def api_watches() -> list[dict[str, Any]]:
        from caixun.store.watches import watch_rows

        return [dict(w, created_at=w["created_at"].isoformat()) for w in watch_rows(store)]

    @app.get("/api/watches/{watch_id}", dependencies=[Depends(present_only)], tags=["watches"], summary="A watch and the stories it matched, newest first")
    def api_watch(watch_id: Annotated[int, Path(ge=1, le=2**62)], limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
        from caixun.store.watches import recent_matches

        w = watch_or_404(watch_id)
        matches = [dict(m, created_at=m["created_at"].isoformat(), published_at=as_aware(m["published_at"]).isoformat())
                   for m in recent_matches(store, watch_id, limit)]  # fmt: skip
        return dict(w, created_at=w["created_at"].isoformat(), matches=matches)

    @app.get("/watch/{watch_id}/feed.{kind}", dependencies=[Depends(present_only)], include_in_schema=False)
    def watch_feed(request: Request, watch_id: Annotated[int, Path(ge=1, le=2**62)], kind: str) -> Response:
        from caixun.store.watches import recent_matches

        w = watch_or_404(watch_id)
        arts = store.articles_by_ids([m["article_id"] for m in recent_matches(store, watch_id, feeds.FEED_SIZE)])
        return feed(request, kind, f"财讯 提醒 {w['name']}", f"/watch/{watch_id}/", arts, home="/")

    @app.get("/api/sources", tags=["sources"], summary="Sources with article counts (and poller health)")
    def api_sources() -> list[dict[str, Any]]:
        states = store.source_states()
        return [{"name": s.name, "slug": s.slug, "articles": s.articles, "health": health(states.get(s.name))}
                for s in views.sources(store)]  # fmt: skip

    @app.get("/api/sources/health", tags=["sources"], summary="Configured sources: kind, interval, health (ok, failing, broken), reason")
    def api_sources_health() -> list[dict[str, Any]]:
        return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
                for row in views.configured_sources(store, configured)]  # fmt: skip

    @app.get("/api/clusters/{cluster_id}", tags=["stories"], summary="A story: the articles that report it, first published first")
    def api_cluster(r: Reader, cluster_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> dict[str, Any]:  # fmt: skip
        members = r.cluster_members(cluster_id, limit=limit, offset=offset)
        total = r.count_cluster(cluster_id)
        if not total:
            raise HTTPException(404, f"no story {cluster_id}")
        return {"cluster_id": cluster_id, "sources": r.story_sizes([cluster_id]).get(cluster_id, 1), "total": total,
                "offset": offset, "articles": [views.article_json(m, full=False) for m in members]}  # fmt: skip

    return app


def app_from_environment() -> FastAPI:
    """The app of one `caixun serve --workers N` process: the store, the
    config's sources and the page reload from CAIXUN_SERVE (set by the
    parent), the watches' form token from CAIXUN_ADMIN_TOKEN."""
    import json
    import os

    from caixun.config import load_config
    from caixun.web.watch_form import check_token

    given = json.loads(os.environ["CAIXUN_SERVE"])
    config = load_config(FilePath(given["config"]) if given.get("config") else None)
    return create_app(Store(given["db"]), reload=given.get("reload"), configured=tuple(config.sources),
                      admin_token=check_token(os.environ.get("CAIXUN_ADMIN_TOKEN")))  # fmt: skip
