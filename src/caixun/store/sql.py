"""Small helpers for SQL sent straight through the driver (both backends)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import JSON, Connection, DateTime, Table

# SQLite caps the number of parameters of one statement.
CHUNK = 500


def placeholder(conn: Connection) -> str:
    """The driver's parameter marker: ? for sqlite3, %s for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def marks(conn: Connection, n: int) -> str:
    return ", ".join([placeholder(conn)] * n)


def shared_file(database: str | None) -> bool:
    """Whether a SQLite database name is a file that other connections and
    processes can open (not an in-memory database, which is one
    connection's own, nor a `file:` URI, which may be one)."""
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def db_time(conn: Connection, moment: datetime) -> object:
    """An aware time as a parameter of SQL written by hand, in the form the
    store's UTCDateTime columns hold it (on SQLite a string that compares
    in time order with the stored ones, on PostgreSQL a UTC timestamp)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    convert = DateTime().bind_processor(conn.dialect)
    return convert(naive) if convert else naive


def insert_rows(conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows into a table: PostgreSQL's COPY, else the driver's executemany.

    On PostgreSQL an executemany (pipelined by psycopg) still has the server
    parse, bind and execute each row: the 32 MinHash band rows of every
    article were 41% of the writer's time; COPY streams them as one statement.
    Values are given as COPY's text format reads them (psycopg escapes tabs,
    newlines and backslashes); a column of another type (tsvector) is sent
    as that type's text."""
    if not rows:
        return
    names = list(columns)
    if conn.dialect.name == "postgresql":
        with _copy(conn, table, names) as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks(conn, len(names))})", rows)


def insert_dicts(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Rows given as {column: value}, every row with the same columns, each
    value made what its column stores (UTCDateTime, JSON) as an INSERT by
    SQLAlchemy would make it. PostgreSQL takes them by COPY: SQLAlchemy's
    executemany sent one INSERT per row there (psycopg's pipeline), a tenth
    of an import's time for the articles alone."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    to_json = conn.dialect._json_serializer or json.dumps  # psycopg's dialect leaves JSON to the driver's INSERT adapter
    made = [(n, to_json if isinstance(table.c[n].type, JSON) else table.c[n].type.bind_processor(conn.dialect)) for n in names]
    with _copy(conn, table.name, names) as copy:
        for row in rows:
            copy.write_row([row[n] if make is None else make(row[n]) for n, make in made])


def copy_text(conn: Connection, table: str, columns: tuple[str, ...], block: str) -> None:
    """Rows already written as PostgreSQL COPY text (tab-separated, one line
    per row) into a table, as one COPY."""
    with _copy(conn, table, columns) as copy:
        copy.write(block)


@contextmanager
def _copy(conn: Connection, table: str, columns) -> Iterator:
    """psycopg's COPY … FROM STDIN into `table`, on a cursor of its own."""
    cur = conn.connection.cursor()
    try:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            yield copy
    finally:
        cur.close()


_IN_LIST = re.compile(r"(\w+) IN \(\{marks\}\)")


def driver_rows(conn: Connection, sql: str, values: list, mark: str | None = None) -> list[tuple]:
    """The rows of `sql` with its `{marks}` placeholders bound to `values`,
    straight through the driver: a run's band members and candidate rows are
    tens per article, and SQLAlchemy's Row per result row was 2 s per 5,000
    articles at 100,000 (a tenth of the writer's time). On SQLite the values
    go in chunks of placeholders, on PostgreSQL `column IN ({marks})` becomes
    `column = ANY(%s)` with one array. `mark` is one value's placeholder where
    it is not the driver's own (a VALUES row)."""
    rows: list[tuple] = []
    if not values:
        return rows
    cur = conn.connection.cursor()
    try:
        if mark is None and conn.dialect.name == "postgresql":
            # One array parameter: psycopg parses a statement longer than 4 kB
            # for its placeholders on every call (a sixth of the writer's time
            # with a thousand of them), and the server plans one list as well.
            # Ints as one array literal: psycopg's list dumper is Python,
            # element by element (3% of the writer with a thousand keys).
            ints = all(type(v) is int for v in values)
            one_array, found = _IN_LIST.subn(r"\1 = ANY(%s::bigint[])" if ints else r"\1 = ANY(%s)", sql)
            if found == 1:
                cur.execute(one_array, ("{" + ",".join(map(str, values)) + "}" if ints else values,))
                return cur.fetchall()
        for chunk in chunks(values):
            holders = ", ".join([mark] * len(chunk)) if mark else marks(conn, len(chunk))
            cur.execute(sql.format(marks=holders), tuple(chunk))
            rows.extend(cur.fetchall())
    finally:
        cur.close()
    return rows
