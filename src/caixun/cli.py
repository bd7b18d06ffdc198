"""Command line. Thin: open the store, call one library function, show progress,
turn errors into clear messages and exit codes.

Exit codes: 0 everything went in; 1 some input was rejected or a source failed;
2 usage errors (bad option, bad config, unusable database URL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from caixun.collect.http import HttpClient
from caixun.collect.jekyll import iter_post_paths, read_posts
from caixun.config import Config, ConfigError, load_config
from caixun.model import IngestResult, Rejection
from caixun.pipeline import PollReport, due_sources, ingest, poll_all
from caixun.store import Store, StoreError, health

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
PARALLEL_FROM = 5000  # posts; smaller imports are prepared in this process
err = Console(stderr=True, highlight=False)


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
                err.print(f"[red]error:[/] {exc}")
                sys.exit(EXIT_USAGE)
        return self._store


@contextmanager
def progress_bar(total: int | None, label: str):
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if not err.is_terminal:
        yield lambda n: None
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as prog:
        task = prog.add_task(label, total=total)
        yield lambda n: prog.advance(task, n)


def report_rejection(rej: Rejection) -> None:
    err.print(f"[yellow]rejected:[/] {rej}", markup=True, soft_wrap=True)


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
    store = obj.store
    files = list(iter_post_paths(paths))
    with progress_bar(len(files), "importing") as advance:
        # A worker process prepares (cleans, hashes) while this one stores;
        # worth its start-up only for large imports.
        workers = 1 if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 0
        result = ingest(store, read_posts([f for f in files if isinstance(f, Path)], key_prefix=key_prefix) if files else [],
                        on_progress=advance, on_reject=report_rejection, workers=workers)
    for rej in (f for f in files if isinstance(f, Rejection)):
        report_rejection(rej)
        result.rejected.append(rej)
    click.echo(f"import: {summary(result)}")
    sys.exit(EXIT_REJECTED if result.rejected else EXIT_OK)


def print_poll(report: PollReport) -> None:
    status = "not modified" if report.not_modified else summary(report.result)
    line = f"{report.source}: {status}"
    if report.error:
        line += f"; failed: {report.error} [{report.health}]"
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

    async def go() -> list[PollReport]:
        async with HttpClient(config.http) as client:
            return await poll_all(sources, client, store)

    reports = asyncio.run(go())
    for r in reports:
        print_poll(r)
    bad = any(r.error or r.result.rejected for r in reports)
    sys.exit(EXIT_REJECTED if bad else EXIT_OK)


@cli.command()
@click.option("--tick", default=1.0, show_default=True, help="Seconds between checks for due sources.")
@click.pass_obj
def run(obj: Context, tick: float) -> None:
    """Poll every source on its interval until stopped (Ctrl-C or SIGTERM).

    A source that keeps failing is retried later and later (up to an hour) and
    shown as unhealthy in `caixun sources`; it never holds up the others.
    """
    config, store = obj.config, obj.store
    sources = [s for s in config.sources if s.enabled]
    click.echo(f"caixun: polling {len(sources)} sources into {store.safe_url}; Ctrl-C to stop", err=True)

    async def loop() -> None:
        stop = asyncio.Event()
        aio = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            aio.add_signal_handler(sig, stop.set)
        async with HttpClient(config.http) as client:
            while not stop.is_set():
                due = due_sources(sources, store, datetime.now(UTC))
                if due:
                    polling = asyncio.ensure_future(poll_all(due, client, store))
                    for r in await polling:  # a poll under way is finished, not cut
                        print_poll(r)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=tick)
                except TimeoutError:
                    pass
        click.echo("caixun: stopped", err=True)

    asyncio.run(loop())


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources_cmd(obj: Context, as_json: bool) -> None:
    """Configured sources and their health."""
    config, store = obj.config, obj.store
    states = store.source_states()
    rows = []
    for s in config.sources:
        st = states.get(s.name) or {}
        rows.append({
            "name": s.name, "kind": s.kind, "api": s.api, "url": s.url, "interval": s.interval, "enabled": s.enabled,
            "health": health(st), "failures": st.get("failures", 0), "last_error": st.get("last_error"),
            "last_success_at": _iso(st.get("last_success_at")), "next_due_at": _iso(st.get("next_due_at")),
            "items_added": st.get("items_added", 0),
        })  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("name", "kind", "every", "health", "last success", "added", "last error")
    for r in rows:
        table.add_row(r["name"], r["kind"] + (f"/{r['api']}" if r["api"] else ""), f"{r['interval']:.0f}s", r["health"],
                      r["last_success_at"] or "-", str(r["items_added"]), (r["last_error"] or "")[:60])
    Console().print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Counts: articles, stories (clusters), sources, edits kept."""
    data = obj.store.stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"database     {data['database']}")
    click.echo(f"articles     {data['articles']}  ({data['clusters']} stories, {data['duplicates']} duplicates)")
    click.echo(f"edits kept   {data['edits_kept']}")
    click.echo(f"published    {data['first_published'] or '-'} .. {data['last_published'] or '-'}")
    for name, n in data["by_source"].items():
        click.echo(f"  {n:>8}  {name}")


@cli.group()
def export() -> None:
    """Write the archive out (Jekyll site, JSON Lines)."""


@export.command("jekyll")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sanitized", is_flag=True, help="Write cleaned HTML instead of each body as received (no byte-identical round trip then).")
@click.pass_obj
def export_jekyll_cmd(obj: Context, directory: Path, sanitized: bool) -> None:
    """Write _posts/<date>-<id>.md in the old format, category pages and a site
    that `jekyll build` builds. Unchanged files are not rewritten."""
    from caixun.publish.jekyll import export_jekyll

    store = obj.store
    with progress_bar(store.count_articles(), "exporting") as advance:
        result = export_jekyll(store.iter_articles(), directory, sanitized=sanitized, on_progress=advance)
    click.echo(f"export jekyll: {result.posts} posts, {result.categories} category pages in {directory}")


@export.command("jsonl")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.pass_obj
def export_jsonl_cmd(obj: Context, file: Path) -> None:
    """One JSON object per article per line ('-' for standard output)."""
    from caixun.publish.jsonl import export_jsonl

    store = obj.store
    with progress_bar(store.count_articles(), "exporting") as advance:
        if str(file) == "-":
            n = export_jsonl(store.iter_articles(), sys.stdout, advance)
        else:
            with open(file, "w", encoding="utf-8") as out:
                n = export_jsonl(store.iter_articles(), out, advance)
    click.echo(f"export jsonl: {n} articles", err=str(file) == "-")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def main() -> None:
    cli(prog_name="caixun")


if __name__ == "__main__":
    main()
