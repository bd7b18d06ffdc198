"""`export parquet`: the articles and their figures as two Parquet files, for
backtests in pandas, Polars, DuckDB or Spark.

`articles.parquet` has one row per article (in its version of the export's
moment, see caixun.store.asof), `figures.parquet` one row per figure, joined
to the articles on `article_id`. Times are UTC timestamps (`published_at`:
when the source says it was published; `first_seen_at`: when caixun first
stored it, the time a backtest may act on it). Values keep their exact
decimal text in `value` next to `value_num`, a float.

pyarrow writes them (the format's reference implementation; it is an
optional dependency: `pip install 'caixun[parquet]'`). Rows are written in
row groups of ROW_GROUP, so memory stays flat whatever the archive's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caixun.model import Article
from caixun.store.facts import FIGURE_FIELDS, FigureRow

ROW_GROUP = 10_000


def _schemas():
    import pyarrow as pa

    utc = pa.timestamp("us", tz="UTC")
    articles = pa.schema([
        ("id", pa.int64()), ("key", pa.string()), ("source", pa.string()), ("source_item_id", pa.string()),
        ("url", pa.string()), ("title", pa.string()), ("published_at", utc), ("first_seen_at", utc),
        ("version", pa.int32()), ("category", pa.string()), ("tags", pa.list_(pa.string())), ("digest", pa.string()),
        ("text", pa.string()), ("content_hash", pa.string()), ("cluster_id", pa.int64()),
    ])  # fmt: skip
    figures = pa.schema([
        ("article_id", pa.int64()), ("published_at", utc), ("seq", pa.int32()), ("start", pa.int32()), ("end", pa.int32()),
        ("value_num", pa.float64()),
        *[(name, pa.string()) for name in FIGURE_FIELDS],
    ])  # fmt: skip
    return articles, figures


def article_row(a: Article) -> dict[str, Any]:
    return {"id": a.id, "key": a.key, "source": a.source, "source_item_id": a.source_item_id, "url": a.url,
            "title": a.title, "published_at": a.published_at, "first_seen_at": a.fetched_at, "version": a.version,
            "category": a.category, "tags": list(a.tags), "digest": a.digest, "text": a.text,
            "content_hash": a.content_hash, "cluster_id": a.cluster_id}  # fmt: skip


def figure_row(r: FigureRow) -> dict[str, Any]:
    row = {"article_id": r.article_id, "published_at": r.published_at, "seq": r.seq, "start": r.start, "end": r.end,
           "value_num": _number(r.value)}  # fmt: skip
    row.update((name, getattr(r, name)) for name in FIGURE_FIELDS)
    return row


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


@dataclass(slots=True)
class ParquetExport:
    articles: int = 0
    figures: int = 0


def _write(path: Path, schema, rows: Iterable[dict[str, Any]], on_row: Callable[[], None] | None = None) -> int:
    """Rows to a Parquet file through a temporary file (a reader never sees half of one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for batch in _batches(rows, ROW_GROUP):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
            if on_row:
                on_row(len(batch))
    tmp.replace(path)
    return n


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_parquet(arts: Iterable[Article], figs: Iterable[FigureRow], directory: Path,
                   on_progress: Callable[[int], None] | None = None) -> ParquetExport:  # fmt: skip
    """Write `articles.parquet` and `figures.parquet` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    article_schema, figure_schema = _schemas()
    result = ParquetExport()
    result.articles = _write(directory / "articles.parquet", article_schema, (article_row(a) for a in arts), on_progress)
    result.figures = _write(directory / "figures.parquet", figure_schema, (figure_row(r) for r in figs))
    return result
