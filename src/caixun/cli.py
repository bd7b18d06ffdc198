"""Command line. Thin: open the store, call one library function, show progress,
turn errors into clear messages and exit codes.

Exit codes: 0 everything went in; 1 some input was rejected or a source failed;
2 usage errors (bad option, bad config, unusable database URL).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caixun.clean.normalize import SHANGHAI, as_aware, to_shanghai
from caixun.config import Config, ConfigError, load_config
from caixun.model import IngestResult, Rejection
from caixun.store import Store, StoreError

# The collectors and the pipeline (httpx, the HTML cleaners) are imported by
# the commands that use them: `search`, `facts` and `export site` start in
# half the time without them, which matters for an incremental export.
if TYPE_CHECKING:
    from caixun.pipeline import PollReport

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
ROLES = ("poll", "serve", "index")  # of `caixun run`
PARALLEL_FROM = 5000  # posts; smaller imports are prepared in this process


@cache
def _err():
    """The stderr console. rich is imported on first use: it costs 35 ms of
    start-up that `export site` and other quick commands do not need."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Context:
    def __init__(self, db: str | None, config: Path | None):
        self.db_arg = db
        self.config_path = config
        self._store: Store | None = None
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise click.UsageError(str(exc)) from exc
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = Store(self.db_arg)
            except StoreError as exc:
                _err().print(f"[red]error:[/] {exc}")
                sys.exit(EXIT_USAGE)
        return self._store


@contextmanager
def progress_bar(total: int | None, label: str):
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=_err(), transient=True) as prog:
        task = prog.add_task(label, total=total)
        yield lambda n: prog.advance(task, n)


def _default_workers(n: int) -> int:
    """One worker process for large jobs on several cores (worth its start-up
    from PARALLEL_FROM items), none otherwise."""
    return 1 if n >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 0


def report_rejection(rej: Rejection) -> None:
    _err().print(f"[yellow]rejected:[/] {rej}", markup=True, soft_wrap=True)


def summary(result: IngestResult) -> str:
    parts = [f"{result.added} added", f"{result.updated} updated", f"{result.unchanged} unchanged"]
    if result.seen_elsewhere:
        parts.append(f"{result.seen_elsewhere} already stored from another list")
    parts.append(f"{len(result.rejected)} rejected")
    return ", ".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="CAIXUN_DB", metavar="URL", help="Database: a SQLite file path, sqlite:///FILE, or postgresql://USER:PASS@HOST/DB. Default ./caixun.db; also from $CAIXUN_DB.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar="CAIXUN_CONFIG", help="TOML config with [[sources]] (see docs/configuration.md). Default: the built-in East Money sources.")
@click.option("-v", "--verbose", is_flag=True, help="Log each HTTP request and poll.")
@click.version_option(package_name="caixun")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_path: Path | None, verbose: bool) -> None:
    """caixun (财讯): a self-hosted archive of Chinese financial news.

    \b
    Examples:
      caixun import old-site/_posts          # import Jekyll posts in the old format
      caixun fetch                           # poll every configured source once
      caixun run                             # poll each source on its interval until stopped
      caixun stats --json
      caixun export jekyll site/ && (cd site && jekyll build)
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Context(db, config_path)
    ctx.call_on_close(lambda: ctx.obj._store and ctx.obj._store.close())


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--key-prefix", default="eastmoney", show_default=True, help="Namespace of the posts' ids. The old finews posts carry East Money info codes, so they match items fetched from East Money; use another prefix for posts of unrelated sites.")
@click.pass_obj
def import_cmd(obj: Context, paths: tuple[Path, ...], key_prefix: str) -> None:
    """Import posts in the old Jekyll format from files or directories (recursively).

    Running it again adds nothing; a post whose text changed is updated and
    its earlier version kept. Each file that cannot be read is named with the
    reason, and the rest is still imported (exit code 1 then).
    """
    from caixun.collect.jekyll import iter_post_paths
    from caixun.pipeline import import_files

    store = obj.store
    sync_watches(obj.config, store)  # the config's watches see this import's new posts
    files = list(iter_post_paths(paths))
    with progress_bar(len(files), "importing") as advance:
        # A worker process reads and prepares (cleans, hashes) while this one
        # stores; worth its start-up only for large imports.
        workers = _default_workers(len(files))
        result = import_files(store, [f for f in files if isinstance(f, Path)], key_prefix,
                              on_progress=advance, on_reject=report_rejection, workers=workers)  # fmt: skip
    for rej in (f for f in files if isinstance(f, Rejection)):
        report_rejection(rej)
        result.rejected.append(rej)
    click.echo(f"import: {summary(result)}")
    index_or_tell(store, "import")
    sys.exit(EXIT_REJECTED if result.rejected else EXIT_OK)


def index_or_tell(store: Store, label: str) -> None:
    """After storing: add a few new articles to the search's counts (the
    trigram index of long terms, the document counts of short ones) at once
    (under a second), or say how many wait for them after a large import,
    whose writer is spared that work (see `caixun index`)."""
    from caixun.store.search import UNINDEXED_MAX

    backlog = store.search_backlog()
    if 0 < backlog <= UNINDEXED_MAX:
        store.index_backlog()
    elif backlog:
        click.echo(f"{label}: {backlog} articles wait for the search's counts (searches find everything"
                   " meanwhile; counting the hits of frequent terms is slower): `caixun index` adds them now,"
                   " `caixun run` does it between polls")  # fmt: skip


@cli.command("index")
@click.pass_obj
def index_cmd(obj: Context) -> None:
    """Add the articles stored since the last time to the search's counts:
    the trigram index of long terms and the document counts of one- and
    two-character terms (SQLite; nothing to do on PostgreSQL).

    Every search is complete without them: they make counting the hits of
    frequent terms several times faster in a large archive (人民币, 北向资金
    净流入; 涨 or 美元 without filters). `caixun import` leaves this for
    later, so that a large import is not held up; `caixun run` does it
    between polls. About 0.3-0.6 ms per article (4-10 minutes for 1,000,000).
    """
    import time

    store = obj.store
    start = time.perf_counter()
    with progress_bar(store.search_backlog(), "indexing") as advance:
        done = store.index_backlog(on_progress=advance)
    click.echo(f"index: {done} articles added to the search's counts ({time.perf_counter() - start:.1f} s)")


def print_poll(report: PollReport, *, timed: bool = False) -> None:
    """A poll in one line (with `timed`, as `run` prints it: how long it took)."""
    status = "not modified" if report.not_modified else summary(report.result)
    line = f"{report.source}: {status}"
    if report.pages > 1:
        line += f" ({report.pages} pages read)"
    if timed:
        line += f" in {report.seconds:.2f} s"
    if report.error:
        line += f"; {'broken' if report.health == 'broken' else 'failed'}: {report.error} [{report.health}]"
    click.echo(line)
    for rej in report.result.rejected:
        report_rejection(rej)


@cli.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Poll only this source (repeatable).")
@click.pass_obj
def fetch(obj: Context, names: tuple[str, ...]) -> None:
    """Poll sources once, now, whatever their schedule."""
    config = obj.config
    try:
        sources = [config.source(n) for n in names] if names else [s for s in config.sources if s.enabled]
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    store = obj.store
    sync_watches(config, store)

    import asyncio  # here, not at the top: commands that need no event loop start faster

    from caixun.collect.http import HttpClient
    from caixun.pipeline import poll_all

    async def go() -> list[PollReport]:
        async with HttpClient(config.http) as client:
            return await poll_all(sources, client, store)

    reports = asyncio.run(go())
    for r in reports:
        print_poll(r)
    deliver_alerts(config, store)  # what this poll matched, before exiting
    index_or_tell(store, "fetch")
    bad = any(r.error or r.result.rejected for r in reports)
    sys.exit(EXIT_REJECTED if bad else EXIT_OK)


def sync_watches(config: Config, store: Store) -> None:
    """The config's [[watches]] made before anything is polled."""
    if config.watches:
        from caixun.store.watches import sync_config_watches

        sync_config_watches(store, config.watches)


def deliver_alerts(config: Config, store: Store) -> None:
    from caixun.watch.deliver import deliver_due

    report = deliver_due(store, config.base_url)
    for e in report.errors:
        click.echo(f"alert not sent (retried later): {e}", err=True)
    if report.sent:
        click.echo(f"alerts: {report.sent} sent")


def listening_socket(host: str, port: int):
    """The server's socket, bound here so that a busy port or a bad address is
    one clear line and exit 2 (uvicorn logs it and exits 1)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        _err().print(f"[red]error:[/] cannot listen on {host}:{port}: {exc.strerror or exc}"
                     " (is another caixun serve or run there? --port chooses another)", markup=True)  # fmt: skip
        sys.exit(EXIT_USAGE)
    return sock


class WebServer:
    """A uvicorn server for the web app on its already bound socket (its own
    signal handling off: the caller stops it)."""

    def __init__(self, store: Store, host: str, port: int, reload_every: int | None, configured=()):
        import uvicorn

        from caixun.web.app import create_app

        token = admin_token()
        self.socket = listening_socket(host, port)
        app = create_app(store, reload=reload_every, configured=tuple(configured), admin_token=token)
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
        self.server.install_signal_handlers = lambda: None

    async def serve(self) -> None:
        await self.server.serve(sockets=[self.socket])

    def stop(self) -> None:
        self.server.should_exit = True


def admin_token() -> str | None:
    """The watches' web form token from CAIXUN_ADMIN_TOKEN (caixun.web.watch_form),
    or exit 2 with the reason when it is too short."""
    from caixun.web.watch_form import AdminTokenError, check_token

    try:
        return check_token(os.environ.get("CAIXUN_ADMIN_TOKEN"))
    except AdminTokenError as exc:
        _err().print(f"[red]error:[/] {exc}")
        sys.exit(EXIT_USAGE)


def serve_workers(obj: Context, store: Store, host: str, port: int, reload_every: int | None, workers: int) -> None:
    """`serve --workers N`: uvicorn's supervisor with N processes, each making
    its app with caixun.web.app.app_from_environment (the store's URL, the
    config's path and the page reload in the environment it inherits)."""
    import json

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    admin_token()  # refused here once, not in every worker
    _ = obj.config  # a bad config is one error here, not one per worker
    sock = listening_socket(host, port)
    os.environ["CAIXUN_SERVE"] = json.dumps({"db": store.url, "config": str(obj.config_path) if obj.config_path else None,
                                             "reload": reload_every})  # fmt: skip
    store.close()
    config = uvicorn.Config("caixun.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                            log_level="warning", access_log=False)  # fmt: skip
    click.echo(f"caixun: serving at http://{host}:{port}/ with {workers} processes; Ctrl-C to stop", err=True)
    Multiprocess(config, sockets=[sock]).run()
    click.echo("caixun: stopped", err=True)


def serve_options(f):
    f = click.option("--reload-every", type=click.IntRange(min=10), default=None, metavar="SECONDS",
                     help="Pages reload themselves this often (the old site: 60).")(f)  # fmt: skip
    f = click.option("--port", default=8000, show_default=True, help="Port of the web site.")(f)
    f = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")(f)
    return f


@cli.command()
@serve_options
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Web processes sharing the port (each with its own connections and answer cache).")
@click.pass_obj
def serve(obj: Context, host: str, port: int, reload_every: int | None, workers: int) -> None:
    """Serve the web site, feeds and JSON API (read-only) until stopped.

    \b
    Pages:  /  /sources.html  /source/<slug>/  /article/<id>.html  /tag/<tag>/  /search?q=
    Feeds:  feed.atom, feed.rss, feed.json beside each page (/feed.atom, /source/<slug>/feed.rss,
            /search/feed.atom?q=降准)
    Data:   /figures  /figures.csv  /region/<code>/  /security/<code>/
    API:    /api/articles  /api/articles/<id>  /api/search?q=  /api/sources  /api/clusters/<id>
            /api/figures  /api/regions/<code>  /api/securities/<code>
            described at /openapi.json

    With --workers N, N processes answer on the port (uvicorn's supervisor
    restarts one that dies); on SQLite they all read the one file.
    """
    import asyncio

    store = obj.store
    if workers > 1:
        serve_workers(obj, store, host, port, reload_every, workers)
        return
    server = WebServer(store, host, port, reload_every, obj.config.sources)
    click.echo(f"caixun: serving {store.safe_url} at http://{host}:{port}/ ; Ctrl-C to stop", err=True)

    async def go() -> None:
        aio = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            aio.add_signal_handler(sig, server.stop)
        await server.serve()

    asyncio.run(go())
    click.echo("caixun: stopped", err=True)


@cli.command()
@click.option("--tick", default=1.0, show_default=True, help="Seconds between checks for due sources.")
@click.option("--no-serve", is_flag=True, help="Only poll; do not serve the web site.")
@click.option("--export-site", "export_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Also keep a static copy of the site in DIR, brought up to date after each poll that stored something.")
@click.option("--base-url", default="http://localhost:8000", show_default=True, help="With --export-site: where DIR is served.")
@click.option("--role", "role_list", default=",".join(ROLES), show_default=True, metavar="ROLES",
              help="What this process does, comma-separated: poll (the sources, and alerts), serve (the web site), "
                   "index (SQLite's search counts between polls). Any number of pollers may share one database.")
@serve_options
@click.pass_obj
def run(obj: Context, tick: float, no_serve: bool, export_dir: Path | None, base_url: str, role_list: str, host: str,
        port: int, reload_every: int | None) -> None:  # fmt: skip
    """Poll every source on its interval until stopped (Ctrl-C or SIGTERM), and
    serve the web site meanwhile (as `caixun serve`; --no-serve to only poll).
    With --export-site, the static export (as `caixun export site`) follows
    each poll that stored something, in this process: no start-up per export,
    as the old site's Jekyll rebuild after each poll.

    A source that keeps failing is retried later and later (up to an hour) and
    shown as unhealthy in `caixun sources`; it never holds up the others.

    Several `caixun run --role poll` on one PostgreSQL (docs/deploy.md) share
    the sources: each due source is leased to one of them, so none is polled
    twice in an interval, and the sources of a poller that dies are taken over
    within two intervals.

    \b
    Examples:
      caixun run                                   # poll, serve and index in one process
      caixun --db postgresql://… run --role poll    # one of several pollers
      caixun --db postgresql://… run --role serve --port 8001
    """
    import asyncio

    roles = {r.strip() for r in role_list.split(",") if r.strip()}
    if not roles or roles - set(ROLES):
        raise click.BadParameter(f"{role_list!r}: roles are {', '.join(ROLES)}", param_hint="--role")
    if no_serve:
        roles.discard("serve")
    config, store = obj.config, obj.store
    sync_watches(config, store)
    sources = [s for s in config.sources if s.enabled] if "poll" in roles else []
    by_name = {s.name: s for s in sources}
    what = [f"polling {len(sources)} sources"] if "poll" in roles else []
    what += ["indexing"] if "index" in roles else []
    click.echo(f"caixun: {', '.join(what) or 'serving'} into {store.safe_url}; Ctrl-C to stop", err=True)
    server = WebServer(store, host, port, reload_every, obj.config.sources) if "serve" in roles else None
    if server:
        click.echo(f"caixun: web site at http://{host}:{port}/", err=True)

    async def loop() -> None:
        stop = asyncio.Event()
        aio = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            aio.add_signal_handler(sig, stop.set)
        web = asyncio.ensure_future(server.serve()) if server else None
        try:
            await poll_until(stop)
        finally:
            if server and web:
                server.stop()
                await web

    def export_now() -> None:
        import time

        from caixun.publish.site import export_site

        t = time.perf_counter()
        result = export_site(store, export_dir, base_url=base_url)
        click.echo(f"caixun: site in {export_dir}: {result.written} files written, {result.unchanged} unchanged"
                   f" ({time.perf_counter() - t:.2f} s)", err=True)  # fmt: skip

    async def poll_until(stop: asyncio.Event) -> None:
        from caixun.collect.http import HttpClient
        from caixun.pipeline import due_sources, poll_source
        from caixun.store.leases import holder_id

        # Each source's poll is its own task: a slow source (up to its
        # poll_deadline) never holds up the others' next polls.
        polling: dict[str, asyncio.Task] = {}

        async def poll_and_tell(s, client):
            r = await poll_source(s, client, store)
            print_poll(r, timed=True)  # as it ends: its time, less its seconds, is when it started
            return r

        async def report(tasks: list[asyncio.Task]) -> None:
            reports = [t.result() for t in tasks]
            if export_dir is not None and any(r.result.added or r.result.updated for r in reports):
                await asyncio.to_thread(export_now)

        holder = holder_id()

        def lease_due(idle: list, busy: dict[str, float]) -> list:
            """The due sources this poller got the lease of (caixun.store.leases:
            other pollers on the same database leave them alone meanwhile), and
            the leases of those it is polling kept."""
            now = datetime.now(UTC)
            store.renew_leases(busy, holder, now)
            return [s for s in due_sources(idle, store, now) if store.claim_source(s.name, holder, now, s.interval)]

        async with HttpClient(config.http) as client:
            if export_dir is not None:
                await asyncio.to_thread(export_now)
            while not stop.is_set():
                if sources:
                    busy = {n: by_name[n].interval for n, t in polling.items() if not t.done()}
                    idle = [s for s in sources if s.name not in polling]
                    for s in await asyncio.to_thread(lease_due, idle, busy):
                        polling[s.name] = asyncio.create_task(poll_and_tell(s, client))
                    await report([polling.pop(name) for name, t in list(polling.items()) if t.done()])
                    # Alerts of what was just stored, and retries that are due: as it goes.
                    await asyncio.to_thread(deliver_alerts, config, store)
                if "index" in roles:
                    # Between polls: a slice of the long-term search index, if
                    # anything waits for it (an import, or this poll's articles).
                    await asyncio.to_thread(store.index_backlog, chunk=2000, budget=tick)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=tick)
                except TimeoutError:
                    pass
            if polling:  # a poll under way is finished, not cut
                await asyncio.wait(polling.values())
                await report(list(polling.values()))
        click.echo("caixun: stopped", err=True)

    asyncio.run(loop())


def source_rows(config, store: Store) -> list[dict]:
    """Each configured source with its health, as `sources --json` prints it."""
    from caixun.publish.views import configured_sources

    rows = configured_sources(store, config.sources)
    for r in rows:
        for k in ("last_ok_at", "last_attempt_at", "next_due_at"):
            r[k] = _iso(r[k])
    return rows


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {name, kind, health, reason, last_ok_at, items, ...}.")
@click.option("--import-opml", "opml_in", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Add the feeds of an OPML file (as Miniflux, FreshRSS and other readers export) to the config file.")
@click.option("--export-opml", "opml_out", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Write the configured RSS/Atom sources as OPML ('-' for standard output).")
@click.pass_obj
def sources_cmd(obj: Context, as_json: bool, opml_in: Path | None, opml_out: str | None) -> None:
    """Configured sources and their health: ok, failing (network or server
    errors, retried with backoff), broken (the provider answers, but not in
    the shape caixun reads: the reason says what changed) or never polled.
    Times are Beijing time."""
    if opml_in or opml_out:
        from caixun.opml import export_opml_cmd, import_opml_cmd

        if opml_in:
            import_opml_cmd(obj, opml_in)
        if opml_out:
            export_opml_cmd(obj, opml_out)
        return
    rows = source_rows(obj.config, obj.store)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "kind", "every", "health", "last ok (北京时间)", "items", "reason", show_lines=True)
    for r in rows:
        table.add_row(r["name"], r["kind"] + (f"/{r['api']}" if r["api"] else ""), f"{r['interval']:.0f}s", r["health"],
                      _beijing(r["last_ok_at"]), str(r["items"]), r["reason"] or "")  # fmt: skip
    Console(soft_wrap=False).print(table)


@cli.command("check-sources")
@click.option("--source", "names", multiple=True, metavar="NAME", help="Check only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {name, kind, health, reason, items}.")
@click.pass_obj
def check_sources(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Poll each source once without storing anything, and exit 1 when any
    is not ok (for cron or CI). Prints one line per source: its health, how
    many items its newest page held, and what is wrong."""
    config = obj.config
    try:
        sources = [config.source(n) for n in names] if names else [s for s in config.sources if s.enabled]
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    import asyncio

    from caixun.collect.http import HttpClient
    from caixun.pipeline import check_all

    async def go() -> list[dict]:
        async with HttpClient(config.http) as client:
            return await check_all(sources, client)

    rows = asyncio.run(go())
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['name']} [{r['health']}] {r['items']} items" + (f": {r['reason']}" if r["reason"] else ""))
    sys.exit(EXIT_OK if all(r["health"] == "ok" for r in rows) else EXIT_REJECTED)


def _beijing(iso: str | None) -> str:
    if not iso:
        return "-"
    from caixun.clean.normalize import to_shanghai

    return f"{to_shanghai(datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts: articles, stories (clusters), sources, edits kept, facts stored."""
    data = obj.store.stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"database     {data['database']}")
    click.echo(f"articles     {data['articles']}  ({data['clusters']} stories, {data['duplicates']} duplicates)")
    click.echo(f"edits kept   {data['edits_kept']}")
    stale = f", {data['facts_stale']} articles to extract: caixun facts --rebuild --stale" if data["facts_stale"] else ""
    click.echo(f"facts        {data['figures']} figures, {data['entities']} regions and securities{stale}")
    if data["search_backlog"]:
        click.echo(f"search       {data['search_backlog']} articles to add to the search's counts: caixun index")
    click.echo(f"published    {data['first_published'] or '-'} .. {data['last_published'] or '-'}")
    for name, n in data["by_source"].items():
        click.echo(f"  {n:>8}  {name}")


def parse_day(value: str | None, param: str) -> datetime | None:
    """YYYY-MM-DD (a day in Asia/Shanghai) or a full ISO 8601 time."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or ISO 8601 time", param_hint=param) from exc
    return as_aware(parsed)


@cli.command()
@click.argument("query")
@click.option("--source", metavar="NAME", help="Only articles of this source (its name, e.g. 东财滚动新闻).")
@click.option("--since", metavar="DATE", help="Published on or after this day (YYYY-MM-DD, Beijing time) or ISO time.")
@click.option("--until", metavar="DATE", help="Published before the end of this day (YYYY-MM-DD) or before an ISO time.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Results to show.")
@click.option("--order", type=click.Choice(["date", "relevance"]), default="date", show_default=True, help="Newest first, or best match first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: total and the articles, with snippets.")
@click.option("--as-of", "as_of", metavar="TIME", help="Search the archive as it stood then (ISO 8601; naive: Beijing time).")
@click.pass_obj
def search(obj: Context, query: str, source: str | None, since: str | None, until: str | None, limit: int, order: str,
           as_json: bool, as_of: str | None) -> None:  # fmt: skip
    """Search the archive. Chinese terms match anywhere in the text (降准 finds
    央行降准, 介休 finds 介休市); several terms separated by spaces must all occur.

    \b
    Examples:
      caixun search 降准
      caixun search "北向资金 净流入" --since 2023-01-01 --limit 50
      caixun search 茅台 --source 东财滚动新闻 --json
      caixun search 降准 --as-of 2026-03-01T09:30
    """
    from caixun.searchtext import snippet
    from caixun.store.asof import AsOf

    start = parse_day(since, "--since")
    end = parse_day(until, "--until")
    if until and len(until) == 10 and end is not None:
        end += timedelta(days=1)  # a day given: up to its end
    moment = parse_day(as_of, "--as-of")
    reader = obj.store if moment is None else AsOf(obj.store, moment)
    page = reader.search(query, source=source, since=start, until=end, order=order, limit=limit)
    if as_json:
        out = {
            "query": query,
            "total": page.total,
            "total_exact": page.exact,
            "results": [
                {"id": a.id, "source": a.source, "title": a.title, "url": a.url, "published_at": a.published_at.isoformat(),
                 "first_seen_at": a.fetched_at.isoformat(), "version": a.version, "cluster_id": a.cluster_id, "snippet": snippet(a.text, page.query)}
                for a in page.articles
            ],
        }  # fmt: skip
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'' if page.exact else 'about '}{page.total} articles match {query!r}" + (f"; the first {len(page.articles)}:" if page.total > len(page.articles) else ":"))
    for a in page.articles:
        when = a.published_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{when}  [{a.source}]  {a.title}  (#{a.id})")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--article", "article_ids", multiple=True, type=int, metavar="ID", help="An article of the archive (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per input).")
@click.option("--jsonl", is_flag=True, help='Read JSON lines on standard input ({"id", "text", "date"}), write one result line each.')
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The text's date, for 今年/去年/全年 (files only).")
@click.option("--rebuild", is_flag=True, help="Re-extract and store the facts of every article in the archive.")
@click.option("--stale", is_flag=True, help="With --rebuild: only articles never extracted or extracted by an older caixun.")
@click.option("--workers", type=click.IntRange(0, 64), default=None, metavar="N",
              help="With --rebuild: extraction processes beside the one that stores (default: 1 for large archives); "
                   "with --dask local: the LocalCluster's processes (default 2).")
@click.option("--dask", "scheduler", metavar="SCHEDULER",
              help="With --rebuild: map extraction over id ranges on a Dask cluster: 'local' (a LocalCluster here) "
                   "or a scheduler's address (tcp://host:8786); every worker must reach the database.")
@click.pass_obj
def facts(obj: Context, files: tuple[Path, ...], article_ids: tuple[int, ...], as_json: bool, jsonl: bool, day: str | None,
          rebuild: bool, stale: bool, workers: int | None, scheduler: str | None) -> None:  # fmt: skip
    """Economic figures, regions and stock codes in texts, with their offsets.

    \b
    caixun facts report.txt                  # a text file ('-': standard input)
    caixun facts --article 42 --json         # an article of the archive
    echo '{"id": 1, "text": "GDP增长8.5%", "date": "2021-12-31"}' | caixun facts --jsonl
    caixun facts --rebuild [--stale]         # re-extract the archive's stored facts
    caixun facts --rebuild --dask local      # the same on a Dask cluster (docs/deploy.md)

    In --jsonl mode each input line gives one output line, in order:
    {"id", "figures", "entities"}, or {"id", "error"} for a line that is not
    valid JSON (the run goes on; exit code 1 at the end).

    Articles get their facts when they are stored; --rebuild is for archives
    imported before caixun stored facts, and after an upgrade of the extractor.
    """
    from caixun.enrich.facts import extract

    if jsonl:
        sys.exit(_facts_jsonl(extract))
    if scheduler and not rebuild:
        raise click.UsageError("--dask goes with --rebuild")
    if rebuild:
        sys.exit(_facts_rebuild(obj.store, stale, workers, scheduler))
    today = _parse_date(day)
    inputs: list[tuple[str, str, date | None]] = []
    for f in files:
        inputs.append((str(f), sys.stdin.read() if str(f) == "-" else f.read_text(encoding="utf-8"), today))
    for aid in article_ids:
        art = obj.store.get_article(aid)
        if art is None:
            raise click.UsageError(f"no article {aid}")
        # the article's text, as stored facts are (offsets point into articles.text)
        inputs.append((f"article {aid}", art.text, to_shanghai(art.published_at).date()))
    if not inputs:
        raise click.UsageError("give FILEs, --article IDs, or --jsonl")
    for name, text, when in inputs:
        result = extract(text, when)
        if as_json:
            click.echo(json.dumps({"input": name, **result}, ensure_ascii=False))
            continue
        click.echo(f"{name}: {len(result['figures'])} figures, {len(result['entities'])} entities")
        for fig in result["figures"]:
            extra = " ".join(f"{k}={fig[k]}" for k in ("approx", "direction", "indicator", "subject", "period", "scope") if fig[k])
            rng = f"..{fig['value_max']}" if fig["value_max"] else ""
            click.echo(f"  {fig['start']:>6}  {fig['kind']:<8} {fig['value']}{rng} {fig['unit'] or ''}  «{fig['text']}»  {extra}")
        for ent in result["entities"]:
            chain = " > ".join(p["name"] for p in ent.get("parents", []))
            click.echo(f"  {ent['start']:>6}  {ent['type']:<8} {ent['code']}  {ent['name'] or ''}  «{ent['text']}»  {chain}".rstrip())


def _facts_rebuild(store: Store, stale_only: bool, workers: int | None, scheduler: str | None = None) -> int:
    """Extract and store the archive's facts with a progress bar
    (pipeline.rebuild_facts, or caixun.rebuild_dask on a Dask cluster)."""
    from caixun.pipeline import rebuild_facts

    total = store.count_stale_facts() if stale_only else store.count_articles()
    if scheduler:
        from caixun.rebuild_dask import rebuild_facts_dask

        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise click.UsageError("--dask needs Dask: pip install 'caixun[dask]'") from None
        with progress_bar(total, "extracting") as advance:
            stored, failures = rebuild_facts_dask(store, scheduler, stale_only=stale_only, workers=workers or 2,
                                                  on_progress=advance)  # fmt: skip
    else:
        if workers is None:  # a worker process pays off for large archives on several cores
            workers = _default_workers(total)
        with progress_bar(total, "extracting") as advance:
            stored, failures = rebuild_facts(store, stale_only=stale_only, workers=workers, on_progress=advance)
    for article_id, why in failures:
        click.echo(f"article {article_id}: extraction failed: {why}", err=True)
    click.echo(f"facts stored for {stored} articles" + (f", {len(failures)} failed" if failures else ""), err=True)
    return EXIT_REJECTED if failures else EXIT_OK


def _parse_date(day: str | None) -> date | None:
    if not day:
        return None
    try:
        return date.fromisoformat(day[:10])
    except ValueError as exc:
        raise click.BadParameter(f"{day!r} is not YYYY-MM-DD", param_hint="--date") from exc


def _facts_jsonl(extract) -> int:
    bad = 0
    out = sys.stdout
    for line in sys.stdin:
        item = None
        if not line.strip():
            out.write("{}\n")
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('each line must be an object with a "text" string')
            when = None
            if item.get("date"):
                when = date.fromisoformat(str(item["date"])[:10])
            result = {"id": item.get("id"), **extract(item["text"], when)}
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            result = {"id": item.get("id") if isinstance(item, dict) else None, "error": str(exc)}
        except Exception as exc:  # a bug must cost one line, not the run
            bad += 1
            result = {"id": item.get("id"), "error": f"extraction failed: {type(exc).__name__}: {exc}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return EXIT_REJECTED if bad else EXIT_OK


@cli.command("copy")
@click.option("--to", "target", required=True, metavar="URL", help="The database to copy into: a new SQLite file or an empty PostgreSQL database.")
@click.pass_obj
def copy_cmd(obj: Context, target: str) -> None:
    """Copy the whole archive (articles and every edit, stories, figures,
    sources' health, watches and alerts) into another, empty database, e.g.
    from the SQLite file to PostgreSQL when it is outgrown (docs/deploy.md).
    The search index is made again in the target's form.

    \b
    Examples:
      caixun copy --to postgresql://caixun:pw@db.example.org/caixun
      caixun --db postgresql://caixun:pw@db.example.org/caixun copy --to sqlite:///back.db
    """
    import time

    from caixun.store.copy import CopyError, copy_archive

    source = obj.store
    try:
        target_store = Store(target)
    except StoreError as exc:
        _err().print(f"[red]error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    t = time.perf_counter()
    try:
        with progress_bar(source.count_articles(), "copying articles") as advance:
            counts = copy_archive(source, target_store, lambda table, n: advance(n) if table == "articles" else None)
    except CopyError as exc:
        _err().print(f"[red]error:[/] {exc}")
        sys.exit(EXIT_USAGE)
    finally:
        target_store.close()
    click.echo(f"copy: {counts['articles']} articles, {counts['article_history']} earlier versions, {counts['figures']} figures, "
               f"{counts['watches']} watches into {target_store.safe_url} ({time.perf_counter() - t:.1f} s)")  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


from caixun.publish.commands import export_cmd  # noqa: E402 (the groups, after the cli they join)
from caixun.watch.commands import watch_cmd  # noqa: E402

cli.add_command(export_cmd)
cli.add_command(watch_cmd)


def main() -> None:
    cli(prog_name="caixun")


if __name__ == "__main__":
    main()
