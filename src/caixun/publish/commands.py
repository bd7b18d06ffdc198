"""`caixun export jekyll|site|jsonl|parquet`: the archive written out, now or
as it stood at a moment (`--as-of`, caixun.store.asof)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from caixun.clean.normalize import as_aware

AS_OF_HELP = ("The archive as it stood at this time (ISO 8601; without a zone, Beijing time): only articles first "
              "seen by then, each in its version of then, with that version's figures.")  # fmt: skip


class MomentType(click.ParamType):
    """An ISO 8601 time; naive means Beijing time, as everywhere in caixun."""

    name = "TIME"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return as_aware(value)
        try:
            return as_aware(datetime.fromisoformat(str(value).strip()))
        except ValueError:
            self.fail(f"{value!r} is not a time such as 2026-03-01T09:30 or 2026-03-01T01:30:00+00:00", param, ctx)


as_of_option = click.option("--as-of", "as_of", type=MomentType(), default=None, metavar="TIME", help=AS_OF_HELP)


def _reader(obj, as_of: datetime | None):
    from caixun.store.asof import AsOf

    return obj.store if as_of is None else AsOf(obj.store, as_of)


@click.group("export")
def export_cmd() -> None:
    """Write the archive out (Jekyll site, static site, JSON Lines, Parquet)."""


@export_cmd.command("jekyll")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verbatim", is_flag=True,
              help="Republish posts imported from the old format byte for byte, markup as received included "
                   "(unsafe if a post holds script: only for posts you trust). Generated parts stay escaped.")
@click.option("--sanitized", is_flag=True, hidden=True, help="The default now; kept so that old scripts still run.")
@as_of_option
@click.pass_obj
def export_jekyll_cmd(obj, directory: Path, verbatim: bool, sanitized: bool, as_of: datetime | None) -> None:
    """Write a site that `jekyll build` builds: _posts/<date>-<id>.html with
    the sanitized body (no Markdown, no Liquid, every field escaped, times in
    +0800, first_seen and version in the front matter), category pages and
    layouts. Unchanged files are not rewritten.

    \b
    Example:
      caixun export jekyll site/ && (cd site && jekyll build)
    """
    from caixun.cli import progress_bar
    from caixun.publish.jekyll import export_jekyll

    if verbatim and sanitized:
        raise click.UsageError("--verbatim and --sanitized contradict each other")
    reader = _reader(obj, as_of)
    with progress_bar(reader.count_articles(), "exporting") as advance:
        result = export_jekyll(reader.iter_articles(), directory, verbatim=verbatim, on_progress=advance)
    click.echo(f"export jekyll: {result.posts} posts, {result.categories} category pages in {directory}")


@export_cmd.command("site")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default="http://localhost:8000", show_default=True, help="Where the site will be served (feeds need absolute links).")
@as_of_option
@click.pass_obj
def export_site_cmd(obj, directory: Path, base_url: str, as_of: datetime | None) -> None:
    """Write the whole site as static HTML and feeds (home, sources, source and
    tag pages, article pages, Atom/RSS/JSON feeds). Incremental: run again
    after new articles arrive and only the pages that changed are rewritten.
    Search needs the server (`caixun serve`); the static search page says so.
    With --as-of, into an empty directory (or one exported as of the same time).

    \b
    Example:
      caixun export site public/ --base-url https://news.example.org/
      caixun export site snapshot-2026-03-01/ --as-of 2026-03-01T09:30
    """
    from caixun.cli import progress_bar
    from caixun.publish.site import ExportError, export_site

    store = obj.store
    with progress_bar(_reader(obj, as_of).count_articles(), "exporting") as advance:
        try:
            result = export_site(store, directory, base_url=base_url, on_progress=advance, as_of=as_of)
        except ExportError as exc:
            raise click.UsageError(str(exc)) from exc
    click.echo(f"export site: {result.written} files written, {result.unchanged} unchanged "
               f"({result.articles_rendered} article pages rendered) in {directory}")  # fmt: skip


@export_cmd.command("jsonl")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@as_of_option
@click.pass_obj
def export_jsonl_cmd(obj, file: Path, as_of: datetime | None) -> None:
    """One JSON object per article per line ('-' for standard output), oldest
    first, with published_at, first_seen_at and version.

    \b
    Example:
      caixun export jsonl - --as-of 2026-03-01T09:30 | jq .title
    """
    from caixun.cli import progress_bar
    from caixun.publish.jsonl import export_jsonl

    reader = _reader(obj, as_of)
    with progress_bar(reader.count_articles(), "exporting") as advance:
        if str(file) == "-":
            n = export_jsonl(reader.iter_articles(), sys.stdout, advance)
        else:
            with open(file, "w", encoding="utf-8") as out:
                n = export_jsonl(reader.iter_articles(), out, advance)
    click.echo(f"export jsonl: {n} articles", err=str(file) == "-")


@export_cmd.command("parquet")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@as_of_option
@click.pass_obj
def export_parquet_cmd(obj, directory: Path, as_of: datetime | None) -> None:
    """Write DIRECTORY/articles.parquet (one row per article: published_at,
    first_seen_at, version, text…) and DIRECTORY/figures.parquet (one row per
    figure, joined on article_id), for backtests. Needs pyarrow
    (pip install 'caixun[parquet]').

    \b
    Example:
      caixun export parquet backtest/ --as-of 2026-03-01T09:30
      duckdb -c "SELECT indicator, value_num FROM 'backtest/figures.parquet' LIMIT 5"
    """
    from caixun.cli import progress_bar
    from caixun.store import FigureFilter

    try:
        import pyarrow  # noqa: F401

        from caixun.publish.parquet import export_parquet
    except ImportError as exc:
        raise click.UsageError("export parquet needs pyarrow: pip install 'caixun[parquet]'") from exc
    reader = _reader(obj, as_of)
    with progress_bar(reader.count_articles(), "exporting") as advance:
        result = export_parquet(reader.iter_articles(), reader.iter_figures(FigureFilter()), directory, advance)
    click.echo(f"export parquet: {result.articles} articles, {result.figures} figures in {directory}")
