"""Small helpers for SQL sent straight through the driver (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime

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
        cur = conn.connection.cursor()
        try:
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cur.close()
        return
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks(conn, len(names))})", rows)
