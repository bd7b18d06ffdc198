"""Stored figures and entities: writing an article's facts, and the queries of
the figures view, the region and security pages and the charts.

Functions take a Connection; `Store` calls them inside its transactions.
A region filter takes the region's descendants too, by code prefix: the first
two digits of a province's code, four of a prefecture's, all six of a county's
(the official codes nest that way, municipalities' districts included).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from caixun.enrich.indicators import names_of
from caixun.model import FactRows
from caixun.store.schema import article_history, articles, entities, figures
from caixun.store.sql import chunks, insert_rows

FIGURE_FIELDS = ("text", "kind", "value", "value_max", "unit", "approx", "direction", "indicator", "subject",
                 "period", "scope", "region", "security", "measure")  # fmt: skip


@dataclass(frozen=True, slots=True)
class FigureFilter:
    indicator: str | None = None
    subject: str | None = None
    region: str | None = None  # a code; its descendants match too
    period: str | None = None  # a prefix: 2021 matches 2021, 2021Q1, 2021-11
    source: str | None = None
    kind: str | None = None  # None: every kind but numbers without a unit
    security: str | None = None
    unit: str | None = None
    measure: str | None = None  # caixun.enrich.measures: level, yoy, mom, change, share, target, forecast
    # Only figures of articles first seen by then and not edited since
    # (caixun.store.asof extracts the edited ones' figures of that moment).
    unchanged_at: datetime | None = None


NO_FILTER = FigureFilter()


@dataclass(frozen=True, slots=True)
class FigureRow:
    """A stored figure with the article it came from."""

    article_id: int
    title: str
    source: str
    category: str
    published_at: datetime
    seq: int
    start: int
    end: int
    text: str
    kind: str
    value: str
    value_max: str | None
    unit: str | None
    approx: str | None
    direction: str | None
    indicator: str | None
    subject: str | None
    period: str | None
    scope: str | None
    region: str | None
    security: str | None
    measure: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def in_region(col, code: str):
    """`col` holds the region `code` or a place inside it (by code prefix)."""
    prefix = region_prefix(code)
    return col == prefix if len(prefix) == 6 else col.startswith(prefix, autoescape=True)


def region_prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _float(value: str | None) -> float | None:
    try:
        return float(Decimal(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


# Column order of FactRows' tuples; the article id comes first in the table.
FIGURE_ROW = ("seq", "pos_start", "pos_end", "value_num", *FIGURE_FIELDS)
ENTITY_ROW = ("seq", "type", "code", "name", "text", "pos_start", "pos_end")


def fact_rows(facts: dict[str, list[dict[str, Any]]]) -> FactRows:
    """The rows to store for `facts` as `caixun.enrich.facts.extract` gives them (pure)."""
    figs = tuple((i, f["start"], f["end"], _float(f["value"]), *[f.get(k) for k in FIGURE_FIELDS])
                 for i, f in enumerate(facts.get("figures", ())))  # fmt: skip
    ents = tuple((i, e["type"], e["code"], e.get("name"), e["text"], e["start"], e["end"])
                 for i, e in enumerate(facts.get("entities", ())))  # fmt: skip
    return FactRows(figs, ents)


def insert_facts(conn: Connection, items: list[tuple[int, FactRows]]) -> None:
    """Rows as tuples through the driver (COPY on PostgreSQL): strings and numbers need
    no type processing, and SQLAlchemy's per-row parameter handling made these
    inserts a seventh of the writer's time (about five rows per article)."""
    fig_rows = [(article_id, *r) for article_id, rows in items for r in rows.figures]
    ent_rows = [(article_id, *r) for article_id, rows in items for r in rows.entities]
    insert_rows(conn, "figures", ("article_id", *FIGURE_ROW), fig_rows)
    insert_rows(conn, "entities", ("article_id", *ENTITY_ROW), ent_rows)


def replace_facts(conn: Connection, items: list[tuple[int, FactRows]], version: int | None) -> None:
    """Drop the articles' stored facts and write these instead."""
    ids = [i for i, _ in items]
    for chunk in chunks(ids):
        conn.execute(delete(figures).where(figures.c.article_id.in_(chunk)))
        conn.execute(delete(entities).where(entities.c.article_id.in_(chunk)))
        conn.execute(update(articles).where(articles.c.id.in_(chunk)).values(facts_version=version))
    insert_facts(conn, items)


def stored_facts(conn: Connection, article_id: int) -> dict[str, list[dict[str, Any]]]:
    figs = conn.execute(select(figures).where(figures.c.article_id == article_id).order_by(figures.c.seq)).mappings()
    ents = conn.execute(select(entities).where(entities.c.article_id == article_id).order_by(entities.c.seq)).mappings()
    return {
        "figures": [{"start": r["pos_start"], "end": r["pos_end"], **{k: r[k] for k in FIGURE_FIELDS}} for r in figs],
        "entities": [{"type": r["type"], "code": r["code"], "name": r["name"], "text": r["text"],
                      "start": r["pos_start"], "end": r["pos_end"]} for r in ents],  # fmt: skip
    }


def _where(f: FigureFilter) -> list:
    c = figures.c
    conds = []
    for col, value in ((c.subject, f.subject), (c.kind, f.kind), (c.security, f.security), (c.unit, f.unit),
                       (articles.c.source, f.source), (c.measure, f.measure)):  # fmt: skip
        if value:
            conds.append(col == value)
    if f.indicator:  # any of its names: GDP finds 地区生产总值 too
        names = names_of(f.indicator)
        conds.append(c.indicator == names[0] if len(names) == 1 else c.indicator.in_(names))
    if not f.kind:  # caixun.enrich.is_shown: bare numbers (十九届) are kept, shown only when asked for (not 3128.56点, 45倍)
        conds.append(or_(c.kind != "number", c.unit.is_not(None)))
    if f.region:
        conds.append(in_region(c.region, f.region))
    if f.period:
        conds.append(c.period.startswith(f.period, autoescape=True))
    if f.unchanged_at is not None:
        conds.append(unchanged_by(f.unchanged_at))
    return conds


def unchanged_by(moment: datetime):
    """Articles first seen by `moment` and not edited since."""
    edited = select(article_history.c.id).where(article_history.c.article_id == articles.c.id,
                                                article_history.c.replaced_at > moment)  # fmt: skip
    return and_(articles.c.fetched_at <= moment, ~edited.exists())


def figure_passes(f: FigureFilter, row: FigureRow) -> bool:
    """`_where` in Python, for figures extracted outside the database (the
    figures an edited article had as of a moment)."""
    for value, got in ((f.subject, row.subject), (f.kind, row.kind), (f.security, row.security), (f.unit, row.unit),
                       (f.source, row.source), (f.measure, row.measure)):  # fmt: skip
        if value and got != value:
            return False
    if f.indicator and row.indicator not in names_of(f.indicator):
        return False
    if not f.kind and row.kind == "number" and row.unit is None:
        return False
    if f.region:
        prefix = region_prefix(f.region)
        if not (row.region or "").startswith(prefix) or (len(prefix) == 6 and row.region != prefix):
            return False
    return not f.period or (row.period or "").startswith(f.period)


_FIGURE_COLUMNS = (figures.c.article_id, articles.c.title, articles.c.source, articles.c.category, articles.c.published_at,
                   figures.c.seq, figures.c.pos_start, figures.c.pos_end,
                   *(figures.c[k] for k in FIGURE_FIELDS))  # fmt: skip


if [f.name for f in fields(FigureRow)][8:] != list(FIGURE_FIELDS):  # _figure_row relies on the order
    raise ImportError("FigureRow's fields are out of step with FIGURE_FIELDS")


def _figure_row(r) -> FigureRow:
    return FigureRow(*r)  # _FIGURE_COLUMNS are FigureRow's fields in order (by name: twice the time)


def find_figures(conn: Connection, f: FigureFilter, *, limit: int | None = 100, offset: int = 0,
                 oldest_first: bool = False, below: int | None = None, article_id: int | None = None) -> list[FigureRow]:  # fmt: skip
    """Figures by article id (newest first unless `oldest_first`), then in
    text order; from `offset`, or of articles with an id under `below` (a
    keyset: a range of the (article_id, seq) index, the same cost on every
    page), or of one article."""
    q = select(*_FIGURE_COLUMNS).join(articles, articles.c.id == figures.c.article_id).where(and_(True, *_where(f)))
    if below is not None:
        q = q.where(figures.c.article_id < below)
    if article_id is not None:
        q = q.where(figures.c.article_id == article_id)
    # By article id (the order articles were stored in, which for a polled
    # archive is publication order): the (article_id, seq) index serves it
    # with LIMIT, where ordering by the articles' search_key sorted every match.
    order = figures.c.article_id.asc() if oldest_first else figures.c.article_id.desc()
    q = q.order_by(order, figures.c.seq).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return [_figure_row(r) for r in conn.execute(q)]


def count_figures(conn: Connection, f: FigureFilter) -> int:
    q = select(func.count()).select_from(figures.join(articles, articles.c.id == figures.c.article_id)).where(and_(True, *_where(f)))
    return conn.execute(q).scalar_one()


def top_values(conn: Connection, column: str, f: FigureFilter, limit: int = 30, window: int = 50_000) -> list[tuple[str, int]]:
    """The most frequent values of a figures column under a filter, among the
    `window` newest matching figures (the view's choices: bounded work on an
    archive of millions of figures, and what is reported lately first)."""
    col = figures.c[column]
    recent = (select(col.label("v")).select_from(figures.join(articles, articles.c.id == figures.c.article_id))
              .where(and_(col.is_not(None), *_where(f))).order_by(figures.c.id.desc()).limit(window).subquery())  # fmt: skip
    q = select(recent.c.v, func.count().label("n")).group_by(recent.c.v).order_by(func.count().desc(), recent.c.v).limit(limit)
    return [(r[0], r[1]) for r in conn.execute(q)]


def entity_article_ids(conn: Connection, type_: str, code: str, *, limit: int, offset: int = 0) -> list[int]:
    """Articles naming the entity (a region with its descendants), newest first."""
    c = entities.c
    cond = in_region(c.code, code) if type_ == "region" else c.code == code
    ids = select(c.article_id).where(c.type == type_, cond).distinct().subquery()
    q = (select(articles.c.id).where(articles.c.id.in_(select(ids.c.article_id)))
         .order_by(articles.c.search_key.desc()).limit(limit).offset(offset))  # fmt: skip
    return list(conn.execute(q).scalars())


def count_entity_articles(conn: Connection, type_: str, code: str) -> int:
    c = entities.c
    cond = in_region(c.code, code) if type_ == "region" else c.code == code
    return conn.execute(select(func.count(func.distinct(c.article_id))).where(c.type == type_, cond)).scalar_one()


def entity_names(conn: Connection, type_: str, code: str) -> list[str]:
    c = entities.c
    q = (select(c.name).where(c.type == type_, c.code == code, c.name.is_not(None)).group_by(c.name)
         .order_by(func.count().desc()).limit(5))  # fmt: skip
    return list(conn.execute(q).scalars())


def top_entities(conn: Connection, type_: str, limit: int = 50) -> list[tuple[str, str | None, int]]:
    c = entities.c
    q = (select(c.code, func.max(c.name), func.count(func.distinct(c.article_id)).label("n")).where(c.type == type_)
         .group_by(c.code).order_by(func.count(func.distinct(c.article_id)).desc(), c.code).limit(limit))  # fmt: skip
    return [(r[0], r[1], r[2]) for r in conn.execute(q)]
